"""The frames of one message as they crossed the wire, and a meter for compressed frames.

A plain message (one frame, no compression) needs nothing beyond its payload: its frame is
implied (opcode from text/binary, FIN set, no RSV bit, payload length = its size). Only
messages that tell more are given a tuple of WireFrame, kept in the EventLog's side table by
event id: fragmented ones, compressed ones, and every message while a page's frame view is
on. Control frames that came between the fragments of a message are listed among its frames
where they came (they are logged as ping/pong events of their own too).

Why a meter: websockets logs a received frame ("< %s") after its extensions decoded it
(permessage-deflate has inflated the payload and cleared RSV1) and a sent frame ("> %s")
before they encode it. What crossed the wire is only seen inside the extensions' decode()
and encode(), so `WireMeter` wraps the negotiated extensions and notes each frame there.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from websockets.extensions.base import Extension
from websockets.frames import Frame, Opcode
from websockets.typing import ExtensionName

from wsinspector.core.app.errors import InputError
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.text.formatting import parse_hex

# RFC 6455 §5.2 names of the opcodes.
OPCODE_NAMES = {
    Opcode.CONT: "continuation",
    Opcode.TEXT: "text",
    Opcode.BINARY: "binary",
    Opcode.CLOSE: "close",
    Opcode.PING: "ping",
    Opcode.PONG: "pong",
}

_DATA_OPCODES = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)


class WireFrame(NamedTuple):
    """One frame as it crossed the wire; `length` is its payload length there (compressed)."""

    opcode: int
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    length: int
    incoming: bool = True

    @property
    def name(self) -> str:
        return opcode_name(self.opcode)

    @property
    def is_control(self) -> bool:
        return self.opcode >= 0x8


MessageFrames = tuple[WireFrame, ...]


def opcode_name(opcode: int) -> str:
    """The RFC 6455 name of an opcode ("text", "continuation" …), or its number in hex."""
    try:
        return OPCODE_NAMES[Opcode(opcode)]
    except ValueError:
        return f"0x{opcode:x}"


def wire_frame(
    frame: Frame, incoming: bool, length: int | None = None, rsv1: bool | None = None
) -> WireFrame:
    return WireFrame(
        int(frame.opcode),
        frame.fin,
        frame.rsv1 if rsv1 is None else rsv1,
        frame.rsv2,
        frame.rsv3,
        len(frame.data) if length is None else length,
        incoming,
    )


def wire_size(frames: Sequence[WireFrame]) -> int:
    """Payload bytes of the message on the wire: the sum over its data frames."""
    return sum(frame.length for frame in frames if not frame.is_control)


def fragment_count(frames: Sequence[WireFrame]) -> int:
    return sum(1 for frame in frames if not frame.is_control)


def is_compressed(frames: Sequence[WireFrame]) -> bool:
    """The message went compressed (RSV1 on its first frame, RFC 7692 §6)."""
    first = next((frame for frame in frames if not frame.is_control), None)
    return first is not None and first.rsv1


class WireMeter(Extension):
    """Wraps a connection's negotiated extensions and notes each frame as it is on the wire.

    Received: before the inner extensions decode it, `in_rsv1`/`in_length` are the frame's
    wire facts (the frame tap reads them when websockets logs the decoded frame). Sent: after
    they encode it, every data frame goes to `on_sent(frame)`.
    """

    name = ExtensionName("wsinspector-wire-meter")

    def __init__(self, inner: Sequence[Extension], on_sent: Callable[[Frame], None]) -> None:
        self.inner = list(inner)
        self._reversed = list(reversed(self.inner))
        self._on_sent = on_sent
        self.in_rsv1 = False
        self.in_length = 0

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        self.in_rsv1 = frame.rsv1
        self.in_length = len(frame.data)
        for extension in self._reversed:
            frame = extension.decode(frame, max_size=max_size)
        return frame

    def encode(self, frame: Frame) -> Frame:
        for extension in self.inner:
            frame = extension.encode(frame)
        if frame.opcode in _DATA_OPCODES:
            self._on_sent(frame)
        return frame

    def __repr__(self) -> str:
        return f"WireMeter({self.inner!r})"


def implied_frames(event: MessageEvent) -> MessageFrames:
    """The one frame a message went in when nothing more was recorded of it: unfragmented and
    uncompressed (the session records every other kind), so its payload is its wire length."""
    return (
        WireFrame(
            int(Opcode.TEXT if event.text else Opcode.BINARY),
            True,
            False,
            False,
            False,
            len(event.data),
            event.direction is Direction.IN,
        ),
    )


# RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
MAX_CONTROL_PAYLOAD = 125


def parse_control_payload(text: str, as_hex: bool) -> bytes:
    """The payload of a ping or pong typed by the user, as text (UTF-8) or hex digits.

    InputError (a ValueError) with a message for people: bad hex, or more than a control
    frame can carry.
    """
    payload = parse_hex(text) if as_hex else text.encode()
    if len(payload) > MAX_CONTROL_PAYLOAD:
        raise InputError(
            f"{len(payload)} bytes: a ping or pong carries at most {MAX_CONTROL_PAYLOAD} bytes"
        )
    return payload


class FrameTable(Mapping[int, MessageFrames]):
    """The frames of messages by event id, as EventLog keeps them.

    Most recorded messages are one compressed frame each: with permessage-deflate on (the
    default of most servers) that is every message of a flood. A tuple of WireFrame per
    message would cost about 240 bytes each; such a frame is kept instead as one packed
    integer (its wire length, RSV1, text or binary, direction) in an array next to its event
    id, 16 bytes in all, and rebuilt when read. Ids come in increasing order from the log;
    one that does not (a sent message whose frames went out after a later message came in)
    and every message of several frames go to a plain dict.
    """

    __slots__ = ("_ids", "_many", "_packed")

    def __init__(self) -> None:
        self._ids: array[int] = array("q")
        self._packed: array[int] = array("q")
        self._many: dict[int, MessageFrames] = {}

    def set(self, event_id: int, frames: MessageFrames) -> None:
        ids = self._ids
        if len(frames) == 1 and (not ids or event_id > ids[-1]) and event_id not in self._many:
            frame = frames[0]
            if frame.fin and not frame.rsv2 and not frame.rsv3 and frame.opcode in _ONE_FRAME:
                ids.append(event_id)
                self._packed.append(
                    pack_one(frame.length, frame.rsv1, frame.opcode == Opcode.TEXT, frame.incoming)
                )
                return
        self._many[event_id] = frames

    def set_packed(self, event_id: int, packed: int) -> None:
        """Keep the one frame of message `event_id`, packed by `pack_one`: what the frame tap
        hands over for a compressed message, so a flood builds no WireFrame per message."""
        ids = self._ids
        if not ids or event_id > ids[-1]:
            ids.append(event_id)
            self._packed.append(packed)
        else:
            self._many[event_id] = (_unpack(packed),)

    def __getitem__(self, event_id: int) -> MessageFrames:
        frames = self._many.get(event_id)
        if frames is not None:
            return frames
        ids = self._ids
        at = bisect_left(ids, event_id)
        if at == len(ids) or ids[at] != event_id:
            raise KeyError(event_id)
        return (_unpack(self._packed[at]),)

    def __iter__(self) -> Iterator[int]:
        return iter(sorted((*self._ids, *self._many)))

    def __len__(self) -> int:
        return len(self._ids) + len(self._many)

    def drop_before(self, first_id: int) -> None:
        """Forget the frames of events older than `first_id` (dropped from the log)."""
        at = bisect_left(self._ids, first_id)
        del self._ids[:at]
        del self._packed[:at]
        if self._many:
            self._many = {key: value for key, value in self._many.items() if key >= first_id}


_ONE_FRAME = (Opcode.TEXT, Opcode.BINARY)
# The text bit of a packed frame (`pack_one`).
PACKED_TEXT = 2


def pack_one(length: int, rsv1: bool, text: bool, incoming: bool) -> int:
    """A message's only frame (FIN, a text or binary opcode, no RSV2/RSV3) as one integer:
    its wire length, RSV1, text or binary, and direction."""
    return length << 3 | rsv1 << 2 | text << 1 | incoming


def _unpack(packed: int) -> WireFrame:
    opcode = Opcode.TEXT if packed & PACKED_TEXT else Opcode.BINARY
    return WireFrame(
        int(opcode), True, bool(packed & 4), False, False, packed >> 3, bool(packed & 1)
    )
