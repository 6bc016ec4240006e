"""A Socket.IO client session on one page: the handshake, keepalive, emits and their acks.

Engine.IO v4 has the server ping and the client answer; an unanswered ping closes the
connection after pingInterval + pingTimeout, so every ping is answered as it is read.
Acknowledgement ids are numbered for the page's lifetime, not per connection, so that an
answer always finds the one event it belongs to, even across reconnects.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from engineio import packet as eio
from socketio import packet as sio

from wsinspector.core.protocols.base import BODY, Composed, ComposeError, Outgoing, Reading
from wsinspector.core.protocols.socketio import codec

DEFAULT_PATH = "/socket.io/"


def socketio_uri(uri: str) -> str:
    """The websocket transport's URI for what the user typed: http(s):// is accepted as
    Postman does, the path defaults to /socket.io/, and EIO=4&transport=websocket are added."""
    parts = urlsplit(uri.strip())
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme.lower(), parts.scheme.lower())
    path = parts.path if parts.path not in ("", "/") else DEFAULT_PATH
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("EIO", "4")
    query["transport"] = "websocket"
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))


@dataclass(slots=True)
class Ack:
    """An emitted event that asked for an acknowledgement, and its answer once it came."""

    event: str
    sent: float
    answered: float | None = None


# What read() says of an event, a connect or a disconnect (describe() says it in full).
_MESSAGE = Reading("message")


class SocketIOProtocol:
    """One page's Socket.IO session (base.WireProtocol)."""

    name = "socketio"

    def __init__(self, namespace: str = "/", auth: object = None) -> None:
        self.namespace = namespace or "/"
        self.auth = auth
        self.acks: dict[int, Ack] = {}
        self.open_data: object = None
        # The server accepted the namespace connect on this connection.
        self.connected = False
        self._next_ack = 0

    def ready(self) -> bool:
        """base.Handshaking: the namespace is connected."""
        return self.connected

    def on_open(self) -> list[Outgoing]:
        self.connected = False
        # The client speaks first only after the server's open packet (read below).
        return []

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        """As base.WireProtocol.read; a message needing no answer is only summed up."""
        if isinstance(data, str):
            head = data[:1]
            if head == codec.PING:
                # The keepalive, answered before anything is decoded.
                return Reading("ping", value=data[1:] or None), [Outgoing(codec.PONG + data[1:])]
            if head == "4" and data[1:2] not in ("0", "3", "6"):
                # Events are most of a flood and need no answer: their full reading waits
                # for a row or the filter to ask (describe), 50 µs that a flood can't spend.
                return _MESSAGE, []
        reading = self.describe(data, True)
        if reading.problem or isinstance(data, bytes):
            return reading, []
        try:
            packet = codec.decode(data)
        except (ValueError, json.JSONDecodeError):
            return reading, []
        if packet.eio_type == eio.OPEN:
            self.open_data = packet.data
            return reading, [Outgoing(codec.encode_connect(self.namespace, self.auth))]
        if packet.sio_type == sio.CONNECT and packet.namespace == self.namespace:
            self.connected = True
        if packet.sio_type in (sio.ACK, sio.BINARY_ACK) and packet.ack_id is not None:
            ack = self.acks.get(packet.ack_id)
            if ack is not None and ack.answered is None:
                ack.answered = time.monotonic()
                reading = self.describe(data, True)
        return reading, []

    def compose(self, composed: Composed) -> list[Outgoing]:
        event = str(composed.get("event", "")).strip()
        if not event:
            raise ComposeError("event", "Name the event to emit")
        body = str(composed.get(BODY, "")).strip()
        try:
            value = json.loads(body) if body else None
        except json.JSONDecodeError as exc:
            raise ComposeError(BODY, f"The arguments are not JSON: {exc}") from exc
        args: list[object] = [] if value is None else value if isinstance(value, list) else [value]
        namespace = str(composed.get("namespace", "") or self.namespace).strip() or "/"
        if not namespace.startswith("/"):
            raise ComposeError("namespace", "A namespace starts with /")
        ack_id = None
        if composed.get("ack"):
            ack_id = self._next_ack
            self._next_ack += 1
            self.acks[ack_id] = Ack(event, time.monotonic())
        return [Outgoing(part) for part in codec.encode_event(event, args, namespace, ack_id)]

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        reading = codec.reading(data)
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


def _ack_id(name: str) -> int:
    try:
        return int(name.lstrip("#"))
    except ValueError:
        return -1
