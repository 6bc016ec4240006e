"""The words for every event: its type, a one-line summary, a full description, close and status;
and for what describes events: handshakes, frames, compression, keepalive, rates.

One place, so that the log, the detail view, the text export and the command line say the same
thing. Everything here is a pure function of event records; nothing is formatted until asked
for. A feature's own words live beside it (storage/capture/wording.py for the History,
websocket/file_wording.py, app/crash_wording.py, tools/record_wording.py). Files and the
capture do not name events in these words but in the codec's (storage/logfiles/codec.py), so
these may change freely.
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Sequence
from typing import Final

from websockets.exceptions import InvalidHeader
from websockets.headers import parse_extension

from wsinspector.core.log.eventlog import Counters
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    Headers,
    MessageEvent,
    NoteEvent,
    StateEvent,
    close_code_name,
)
from wsinspector.core.log.rates import Rates
from wsinspector.core.log.wireframes import (
    WireFrame,
    fragment_count,
    is_compressed,
    wire_size,
)
from wsinspector.core.text.formatting import (
    format_duration,
    format_time,
    hex_dump,
    human_size,
    is_utf8,
    preview,
)

# Payload bytes of a control frame or a rejected handshake's body put into a description.
DESCRIPTION_LIMIT: Final = 128 * 1024

SENT_ARROW: Final = "↑"
RECEIVED_ARROW: Final = "↓"


# -- one log row ----------


def event_type(event: Event) -> str:
    """The Type column: text, binary, ping, pong, state, handshake, close, error, note."""
    if isinstance(event, MessageEvent):
        return "text" if event.text else "binary"
    if isinstance(event, ControlEvent):
        return event.kind.value
    if isinstance(event, StateEvent):
        return "state"
    if isinstance(event, HandshakeEvent):
        return "handshake"
    if isinstance(event, CloseEvent):
        return "close"
    if isinstance(event, ErrorEvent):
        return "error"
    return "note"


def direction_arrow(event: Event) -> str:
    """↑ for what this client sent, ↓ for what it received, "" for everything else."""
    direction = getattr(event, "direction", None)
    if direction is Direction.OUT:
        return SENT_ARROW
    if direction is Direction.IN:
        return RECEIVED_ARROW
    return ""


def direction_words(direction: Direction) -> str:
    return f"{RECEIVED_ARROW} Received" if direction is Direction.IN else f"{SENT_ARROW} Sent"


def event_summary(event: Event) -> str:
    """The Data column: a preview of a message, a sentence for anything else."""
    if isinstance(event, MessageEvent):
        return preview(event)
    if isinstance(event, ControlEvent):
        parts = [event.data.hex(" ") if event.data else "(empty)"]
        if event.keepalive:
            parts.append("keepalive")
        if event.rtt is not None:
            parts.append(f"round trip {format_duration(event.rtt)}")
        return " · ".join(parts)
    if isinstance(event, StateEvent):
        text = event.state.value
        if event.state is ConnState.CONNECTING:
            text += f" to {event.uri}"
        if event.attempt:
            text += f" · attempt {event.attempt}"
        if event.delay:
            text += f" in {event.delay:.1f} s"
        if event.error:
            text += f" · {event.error}"
        return text
    if isinstance(event, HandshakeEvent):
        status = event.status_line or "no response"
        extra = f" · subprotocol {event.subprotocol}" if event.subprotocol else ""
        return f"{event.request_line} → {status}{extra}"
    if isinstance(event, CloseEvent):
        reason = f" “{event.reason}”" if event.reason else ""
        who = f" by {event.initiator}" if event.initiator else ""
        clean = "" if event.clean else " · not clean"
        return f"{event.code} {close_code_name(event.code)}{reason}{who}{clean}"
    if isinstance(event, ErrorEvent):
        return event.message
    if isinstance(event, NoteEvent):
        return f"── {event.text} ──" if event.separator else event.text
    return repr(event)


def event_size(event: Event) -> int | None:
    """Payload bytes of a message or control frame; None for other events."""
    if isinstance(event, MessageEvent | ControlEvent):
        return len(event.data)
    return None


def dropped_words(count: int, capacity: int | None) -> str:
    """The log's first row once old events went: never a silent loss."""
    keeps = f" (the live log keeps the newest {capacity:,})" if capacity else ""
    plural = "s" if count != 1 else ""
    return f"{count:,} older event{plural} dropped{keeps}"


# -- closing ----------


def close_words(event: CloseEvent) -> str:
    """How a connection ended, for a status line: 'Closed by the server: 4001 private use “x”'."""
    who = f" by the {event.initiator}" if event.initiator else ""
    reason = f" “{event.reason}”" if event.reason else ""
    return f"Closed{who}: {event.code} {close_code_name(event.code)}{reason}"


def _code_words(code: int | None, reason: str = "") -> str:
    words = close_code_name(code) if code is None else f"{code} ({close_code_name(code)})"
    return f"{words} {reason!r}" if reason else words


# -- the detail view's description ----------


def message_header(event: MessageEvent) -> str:
    kind = "text" if event.text else "binary"
    return " · ".join(
        (
            direction_words(event.direction),
            kind,
            human_size(event.size),
            format_time(event.wall),
            f"connection {event.conn}",
        )
    )


def describe_event(event: object) -> tuple[str, str]:
    """A one-line header and a multi-line description of a non-message event."""
    if isinstance(event, CloseEvent):
        return _describe_close(event)
    if isinstance(event, ControlEvent):
        return _describe_control(event)
    if isinstance(event, StateEvent):
        return _describe_state(event)
    if isinstance(event, HandshakeEvent):
        return _describe_handshake(event)
    if isinstance(event, ErrorEvent):
        return _titled("Error", event), "\n\n".join(filter(None, (event.message, event.detail)))
    if isinstance(event, NoteEvent):
        return _titled("Note", event), event.text
    return _describe_fields(event)


def _titled(title: str, event: object) -> str:
    parts = [title]
    wall = getattr(event, "wall", None)
    if isinstance(wall, float | int):
        parts.append(format_time(wall))
    conn = getattr(event, "conn", None)
    if isinstance(conn, int):
        parts.append(f"connection {conn}")
    return " · ".join(parts)


def _describe_close(event: CloseEvent) -> tuple[str, str]:
    initiator = event.initiator or "nobody (the connection dropped without a close frame)"
    lines = [
        f"Code: {event.code} ({close_code_name(event.code)})",
        f"Reason: {event.reason or '(none)'}",
        f"Initiator: {initiator}",
        f"Clean: {'yes' if event.clean else 'no'}",
    ]
    if event.sent_code is not None or event.sent_reason:
        lines.append(f"Sent close frame: {_code_words(event.sent_code, event.sent_reason)}")
    if event.received_code is not None or event.received_reason:
        lines.append(
            f"Received close frame: {_code_words(event.received_code, event.received_reason)}"
        )
    return _titled(f"Closed · {event.code} {close_code_name(event.code)}", event), "\n".join(lines)


def _describe_control(event: ControlEvent) -> tuple[str, str]:
    header = " · ".join(
        (
            direction_words(event.direction),
            event.kind.value,
            human_size(len(event.data)),
            format_time(event.wall),
            f"connection {event.conn}",
        )
    )
    lines = [f"Frame: {event.kind.value}", f"Direction: {direction_words(event.direction)}"]
    if event.rtt is not None:
        lines.append(f"Round trip: {format_duration(event.rtt)}")
    if event.keepalive:
        lines.append("Keepalive: yes (sent automatically)")
    if not event.data:
        lines.append("Payload: (empty)")
    else:
        lines.append(f"Payload: {human_size(len(event.data))}")
        if is_utf8(event.data) and event.data.decode().isprintable():
            lines.append(f"As text: {event.data.decode()}")
        lines += ["", hex_dump(event.data, DESCRIPTION_LIMIT)]
    return header, "\n".join(lines)


def _describe_state(event: StateEvent) -> tuple[str, str]:
    lines = [f"State: {event.state.value}"]
    if event.uri:
        lines.append(f"URI: {event.uri}")
    if event.attempt:
        lines.append(f"Attempt: {event.attempt}")
    if event.delay is not None:
        lines.append(f"Delay: {format_duration(event.delay)}")
    if event.error:
        lines.append(f"Last error: {event.error}")
    return _titled(f"State · {event.state.value}", event), "\n".join(lines)


def _header_lines(headers: Headers) -> list[str]:
    return [f"{name}: {value}" for name, value in headers]


def redirect_words(hop: int, status_code: int, location: str, uri: str) -> str:
    """The note after a redirect's handshake row: where it leads."""
    target = f"“{location}”" if location == uri else f"“{location}” ({uri})"
    return f"redirect {hop}: HTTP {status_code} to {target}, following it"


def header_value(headers: Headers, name: str) -> str:
    """The first value of header `name` (any case), or ""."""
    lower = name.lower()
    return next((value for key, value in headers if key.lower() == lower), "")


def is_redirect(event: HandshakeEvent) -> bool:
    return (
        not event.accepted
        and event.status_code in (300, 301, 302, 303, 307, 308)
        and any(name.lower() == "location" for name, _ in event.response_headers)
    )


def redirect_hops_words(hops: list[HandshakeEvent]) -> str:
    """The handshake pane's line of redirects that led to the handshake shown."""
    if not hops:
        return ""
    steps = [
        f"{event.status_line} → {header_value(event.response_headers, 'Location')}"
        for event in hops
    ]
    plural = "s" if len(hops) != 1 else ""
    return f"{len(hops)} redirect{plural}: " + " · ".join(steps)


def handshake_outcome(event: HandshakeEvent) -> str:
    if event.proxy_hop:
        status = f"HTTP {event.status_code}" if event.status_code is not None else "no answer"
        return f"proxy tunnel open ({status})" if event.accepted else f"proxy refused ({status})"
    if event.accepted:
        return "accepted"
    if is_redirect(event):
        location = header_value(event.response_headers, "Location")
        return f"redirected (HTTP {event.status_code}) to {location}"
    if event.status_code is not None:
        return f"rejected (HTTP {event.status_code})"
    return "failed (no response)"


def decode_for_display(data: bytes, limit: int | None) -> str:
    """UTF-8 with U+FFFD for bad bytes; a character cut by `limit` is dropped, not mangled."""
    shown = data if limit is None else data[:limit]
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(shown, final=len(shown) == len(data))


def _describe_handshake(event: HandshakeEvent) -> tuple[str, str]:
    outcome = handshake_outcome(event)
    lines = ["Request", event.request_line, *_header_lines(event.request_headers), ""]
    if event.status_line:
        lines += ["Response", event.status_line, *_header_lines(event.response_headers), ""]
    else:
        lines += ["Response", "(none: the server did not answer)", ""]
    lines.append(f"Result: {outcome}")
    if event.subprotocol:
        lines.append(f"Subprotocol: {event.subprotocol}")
    if event.extensions:
        lines.append(f"Extensions: {event.extensions}")
    if event.body:
        lines += ["", f"Response body ({human_size(len(event.body))}):"]
        lines.append(decode_for_display(event.body, DESCRIPTION_LIMIT))
    return _titled(f"Handshake · {outcome}", event), "\n".join(lines)


def _describe_fields(event: object) -> tuple[str, str]:
    # An event type this module does not know yet: list its fields rather than say nothing.
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        return type(event).__name__, repr(event)
    lines = []
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        shown = human_size(len(value)) if isinstance(value, bytes) else str(value)
        lines.append(f"{field.name}: {shown}")
    return _titled(type(event).__name__, event), "\n".join(lines)


# -- copying ----------


def payload_text(event: Event) -> str:
    """What "Copy payload" puts on the clipboard: the text, hex for binary, else the summary."""
    if isinstance(event, MessageEvent):
        text = event.decoded()
        return text if text is not None else event.data.hex(" ")
    if isinstance(event, ControlEvent):
        return event.data.hex(" ")
    return event_summary(event)


# -- a transcript line ----------


def transcript_line(event: Event) -> str:
    """One line in the log's wording: time, connection, arrow, type, size, summary."""
    size = event_size(event)
    parts = [
        format_time(event.wall),
        f"#{event.conn}" if event.conn else "",
        direction_arrow(event) or " ",
        event_type(event),
        human_size(size) if size is not None else "",
        event_summary(event),
    ]
    return "  ".join(part for part in parts if part)


# -- frames, compression, rates and latency ----------


def frame_words(frame: WireFrame) -> str:
    """One frame of a message for its row in the frame view: opcode, FIN, RSV bits, length.

    "continuation · FIN · RSV1 · 312 B on the wire"; a control frame that came between the
    fragments says which way it went.
    """
    parts = [frame.name]
    if frame.is_control:
        parts.append(
            "sent between the fragments" if not frame.incoming else "between the fragments"
        )
    parts.append("FIN" if frame.fin else "not FIN")
    bits = [
        name
        for name, on in (("RSV1", frame.rsv1), ("RSV2", frame.rsv2), ("RSV3", frame.rsv3))
        if on
    ]
    parts.append(" ".join(bits) if bits else "no RSV bits")
    parts.append(f"{human_size(frame.length)} on the wire")
    return " · ".join(parts)


def frames_type_suffix(frames: Sequence[WireFrame]) -> str:
    """What the Type column adds for a fragmented message: ", 3 frames" (nothing for one)."""
    count = fragment_count(frames)
    return f", {count} frames" if count > 1 else ""


def compression_ratio(payload: int, wire: int) -> float:
    """Wire size over payload size (0.1 = compressed to a tenth); 1.0 for an empty payload."""
    return wire / payload if payload else 1.0


def size_change_words(payload: int, wire: int) -> str:
    """How the wire size differs from the payload's, signed: "-97%" smaller, "+40%" larger.

    Signed rather than a bare ratio: "3%" reads as "3% of it" to a 7-Zip user and as "3%
    saved" to a gzip user, while "-97%" and "+40%" read like any diff. The sign comes from
    the sizes, not the rounding, so a message one byte larger never shows "-0%"; and a
    message with bytes on the wire never shows "-100%", which would say it had none.
    """
    percent = round(abs(100 * (compression_ratio(payload, wire) - 1)))
    if wire < payload:
        return f"-{min(percent, 99) if wire else percent}%"
    return f"+{percent}%" if wire > payload else f"\N{PLUS-MINUS SIGN}{percent}%"


def compressed_size_words(payload: int, wire: int) -> str:
    """The Size column of a compressed message: "9.8 KiB -97%".

    Short enough for the log's narrow Size column (both sizes and a ratio were elided to
    "9.8 KiB → …"). The payload size comes first, as for an uncompressed message, so rows
    compare alike; no arrow, because ↓ and ↑ already say received and sent in the log. An
    empty payload has no ratio: its wire bytes are in the tooltip.
    """
    if not payload:
        return human_size(payload)
    return f"{human_size(payload)} {size_change_words(payload, wire)}"


def wire_size_words(payload: int, frames: Sequence[WireFrame]) -> str:
    """The Size column of a message whose frames are known: compressed ones show the change."""
    if not is_compressed(frames):
        return human_size(payload)
    return compressed_size_words(payload, wire_size(frames))


def wire_size_sentence(payload: int, frames: Sequence[WireFrame]) -> str:
    """The same in full, for the Size cell's tooltip: both sizes and the ratio.

    "9.8 KiB payload, 312 B on the wire (permessage-deflate: 3.1% of the payload, 96.9%
    smaller)": what the Size column's "9.8 KiB -97%" stands for.
    """
    count = fragment_count(frames)
    in_frames = f" in {count} frames" if count > 1 else ""
    if not is_compressed(frames):
        return f"{human_size(payload)} payload{in_frames}, not compressed"
    wire = wire_size(frames)
    how = "permessage-deflate"
    if payload:
        ratio = compression_ratio(payload, wire)
        change = "smaller" if wire < payload else "larger" if wire > payload else "the same size"
        amount = f"{abs(100 * (ratio - 1)):.1f}% " if wire != payload else ""
        how += f": {ratio:.1%} of the payload, {amount}{change}"
    return f"{human_size(payload)} payload, {human_size(wire)} on the wire{in_frames} ({how})"


_DEFLATE_PARAMETER_WORDS: Final = {
    "server_no_context_takeover": "the server starts each message with a fresh compression "
    "context (no context takeover)",
    "client_no_context_takeover": "this client starts each message with a fresh compression "
    "context (no context takeover)",
    "server_max_window_bits": "the server compresses with a window of at most 2^{} bytes",
    "client_max_window_bits": "this client compresses with a window of at most 2^{} bytes",
}


def extension_words(header: str) -> list[str]:
    """The negotiated extensions (the response's Sec-WebSocket-Extensions) in words, one line
    per extension and parameter; [] when none were negotiated."""
    if not header.strip():
        return []
    try:
        extensions = parse_extension(header)
    except InvalidHeader:
        return [f"extensions (not readable): {header}"]
    lines: list[str] = []
    for name, parameters in extensions:
        if name == "permessage-deflate":
            lines.append("permessage-deflate: messages are compressed (RFC 7692)")
            for parameter, value in parameters:
                words = _DEFLATE_PARAMETER_WORDS.get(parameter)
                if words is None:
                    lines.append(f"  {parameter}" + (f"={value}" if value else ""))
                elif "{}" in words:
                    lines.append(f"  {parameter}={value}: " + words.format(value or 15))
                else:
                    lines.append(f"  {parameter}: {words}")
            if not parameters:
                lines.append("  default parameters: context takeover both ways, 32 KiB windows")
        else:
            shown = "; ".join(p + (f"={v}" if v else "") for p, v in parameters)
            lines.append(f"{name}" + (f": {shown}" if shown else ""))
    return lines


def keepalive_timeout_words(
    interval: float | None, timeout: float | None, rtts: Sequence[float]
) -> str:
    """Why a connection ended with 1011 "keepalive ping timeout", with the last round trips."""
    every = f" every {interval:g} s" if interval else ""
    within = f"within {timeout:g} s" if timeout else "in time"
    text = (
        f"Keepalive timeout: this client pings the server{every}, and the server did not "
        f"answer the last ping {within}, so the connection was closed with 1011"
    )
    if rtts:
        text += "; the last round trips were " + ", ".join(format_duration(r) for r in rtts)
    else:
        text += "; no ping of this connection was ever answered"
    return text + "."


def rate_words(rates: Rates, rtt: float | None) -> str:
    """The status bar's rate: "↓ 1,234 msg/s · 120.5 KiB/s   ↑ 0 msg/s · 0 B/s   RTT 1.2 ms"."""
    rtt_text = format_duration(rtt) if rtt is not None else "none yet"
    received = f"{rates.messages_in:,.0f} msg/s · {human_size(round(rates.bytes_in))}/s"
    sent = f"{rates.messages_out:,.0f} msg/s · {human_size(round(rates.bytes_out))}/s"
    return f"{RECEIVED_ARROW} {received}   {SENT_ARROW} {sent}   RTT {rtt_text}"


def counter_words(counters: Counters) -> str:
    """A page's totals: "↑ 1 msg · 49 B    ↓ 1,234 msgs · 120.5 KiB"."""

    def side(arrow: str, messages: int, size: int) -> str:
        unit = "msg" if messages == 1 else "msgs"
        return f"{arrow} {messages:,} {unit} · {human_size(size)}"

    sent = side(SENT_ARROW, counters.messages_out, counters.bytes_out)
    received = side(RECEIVED_ARROW, counters.messages_in, counters.bytes_in)
    return f"{sent}    {received}"
