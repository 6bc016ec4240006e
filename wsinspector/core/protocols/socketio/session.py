"""A Socket.IO client session on one page: the handshake, keepalive, emits and their acks,
binary attachments.

Engine.IO v4 has the server ping and the client answer; an unanswered ping closes the
connection after pingInterval + pingTimeout, so every ping is answered as it is read. On v3
the client pings (engine.ClientPings, ticked by the driver). Acknowledgement ids are
numbered for the page's lifetime, not per connection, so that an answer always finds the one
event it belongs to, even across reconnects.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass

from engineio import packet as eio
from socketio import packet as sio

from wsinspector.core.protocols.base import BODY, Composed, ComposeError, Outgoing, Reading
from wsinspector.core.protocols.params import Params, json_param
from wsinspector.core.protocols.socketio import codec
from wsinspector.core.protocols.socketio.attachments import Attachments
from wsinspector.core.protocols.socketio.engine import ClientPings, engine_version


@dataclass(slots=True)
class Ack:
    """An emitted event that asked for an acknowledgement, and its answer once it came."""

    event: str
    sent: float
    answered: float | None = None


# What read() says of an event, a connect or a disconnect (describe() says it in full):
# every Socket.IO packet but an acknowledgement, which read() times. Events are most of a
# flood and need no answer: their full reading waits for a row or the filter to ask
# (describe), 50 µs that a flood can't spend.
_ROUTINE = tuple(
    f"{eio.MESSAGE}{kind}"
    # Not CONNECT: it tells that the namespace is connected (ready()); not BINARY_EVENT: its
    # placeholders tell which binary messages follow (attachments.py).
    for kind in (sio.DISCONNECT, sio.EVENT, sio.CONNECT_ERROR)
)
_MESSAGE = Reading("message")


def create(uri: str, params: Params) -> SocketIOProtocol:
    """The session for a page's URI (as typed) and Socket.IO settings; raises
    ProtocolSettingsError for settings that can't be read."""
    auth = json_param(params, "auth", "Socket.IO auth payload")
    namespace = params.get("namespace", "/").strip() or "/"
    return SocketIOProtocol(namespace, auth, engine_version(uri, params))


class SocketIOProtocol:
    """One page's Socket.IO session (base.WireProtocol, base.Keepalive)."""

    name = "socketio"
    # base.Skimming: the driver skips routine messages before they are decoded.
    routine = tuple(prefix.encode() for prefix in _ROUTINE)
    routine_reading = _MESSAGE

    def __init__(self, namespace: str = "/", auth: object = None, version: int = 4) -> None:
        self.namespace = namespace or "/"
        self.auth = auth
        self.version = version
        self.acks: dict[int, Ack] = {}
        self.open_data: object = None
        # The server accepted the namespace connect on this connection.
        self.connected = False
        self._next_ack = 0
        self._pings = ClientPings()
        self._attachments = Attachments()

    def ready(self) -> bool:
        """base.Handshaking: the namespace is connected."""
        return self.connected

    def on_open(self) -> list[Outgoing]:
        self.connected = False
        # The client speaks first only after the server's open packet (read below).
        self._pings.reset()
        self._attachments.reset()
        return []

    def tick(self, now: float) -> tuple[list[Outgoing], str]:
        """As base.Keepalive.tick: Engine.IO v3's pings (v4's are the server's)."""
        return self._pings.tick(now) if self.version == 3 else ([], "")

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        """As base.WireProtocol.read; a message needing no answer is only summed up."""
        if isinstance(data, str):
            head = data[:1]
            if head == codec.PING:
                # The keepalive, answered before anything is decoded.
                return Reading("ping", value=data[1:] or None), [Outgoing(codec.PONG + data[1:])]
            if data.startswith(_ROUTINE):
                return _MESSAGE, []
        else:
            self._read_attachment(data)
        reading = self.describe(data, True)
        if reading.problem or isinstance(data, bytes):
            return reading, []
        try:
            packet = codec.decode(data, self.version)
        except (ValueError, json.JSONDecodeError):
            return reading, []
        return reading, self._answer(data, packet)

    def _read_attachment(self, data: bytes) -> None:
        with contextlib.suppress(ValueError):  # not Socket.IO: describe() says why
            self._attachments.read(codec.attachment_body(data, self.version))

    def _answer(self, data: str, packet: codec.Decoded) -> list[Outgoing]:
        if packet.eio_type == eio.OPEN:
            self.open_data = packet.data
            if self.version == 3:
                self._pings.opened(packet.data, time.monotonic())
                # A v2 server connects the client to / by itself (a second connect would
                # make a second socket) and reads no auth payload: that goes in the query.
                if self.namespace == "/":
                    return []
                return [Outgoing(codec.encode_connect(self.namespace, None))]
            return [Outgoing(codec.encode_connect(self.namespace, self.auth))]
        if packet.eio_type == eio.PONG:
            self._pings.ponged()
        if packet.sio_type in codec.BINARY_TYPES and packet.attachments:
            self._attachments.expect(data, codec.event_name(packet), packet.attachments)
        if packet.sio_type == sio.CONNECT and packet.namespace == self.namespace:
            self.connected = True
        if packet.sio_type in (sio.ACK, sio.BINARY_ACK) and packet.ack_id is not None:
            ack = self.acks.get(packet.ack_id)
            if ack is not None and ack.answered is None:
                ack.answered = time.monotonic()
        return []

    def compose(self, composed: Composed) -> list[Outgoing]:
        event = str(composed.get("event", "")).strip()
        if not event:
            raise ComposeError("event", "Name the event to emit")
        body = str(composed.get(BODY, "")).strip()
        try:
            value = codec.with_bytes(json.loads(body)) if body else None
        except json.JSONDecodeError as exc:
            raise ComposeError(BODY, f"The arguments are not JSON: {exc}") from exc
        except ValueError as exc:
            raise ComposeError(BODY, f"The arguments' {exc}") from exc
        args: list[object] = [] if value is None else value if isinstance(value, list) else [value]
        namespace = str(composed.get("namespace", "") or self.namespace).strip() or "/"
        if not namespace.startswith("/"):
            raise ComposeError("namespace", "A namespace starts with /")
        ack_id = None
        if composed.get("ack"):
            ack_id = self._next_ack
            self._next_ack += 1
            self.acks[ack_id] = Ack(event, time.monotonic())
        packet, bodies = codec.encode_event(event, args, namespace, ack_id)
        if bodies:
            self._attachments.sent(
                packet, event if namespace == "/" else f"{namespace} {event}", bodies
            )
        attachments = [Outgoing(codec.wire_attachment(body, self.version)) for body in bodies]
        return [Outgoing(packet), *attachments]

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        if isinstance(data, bytes):
            return self._describe_attachment(data, incoming)
        binary = data[1:2] in ("5", "6")
        attachments = self._attachments.of_packet(data, incoming) if binary else None
        reading = codec.reading(data, self.version, attachments)
        if reading.kind != "ack" or not incoming:
            return reading
        ack = self.acks.get(_ack_id(reading.name))
        if ack is None:
            return reading
        took = (
            f" after {(ack.answered - ack.sent) * 1000:.0f} ms" if ack.answered is not None else ""
        )
        return Reading(
            "ack",
            f"{ack.event} {reading.name}",
            reading.value,
            detail=f"the acknowledgement of {ack.event!r}{took}",
        )

    def _describe_attachment(self, data: bytes, incoming: bool) -> Reading:
        reading = codec.reading(data, self.version)
        if reading.problem:
            return reading
        tie = self._attachments.tie(codec.attachment_body(data, self.version), incoming)
        if tie is None:
            return reading
        return Reading(
            "attachment",
            tie.event,
            reading.value,
            detail=f"binary attachment {tie.index + 1} of {tie.count} of {tie.event!r}",
        )


def _ack_id(name: str) -> int:
    try:
        return int(name.lstrip("#"))
    except ValueError:
        return -1
