"""Event records: everything a session observes, as immutable values.

Every record carries the connection number it belongs to (1, 2, 3 … within a session, so
exports can tell reconnects apart) and two timestamps: `wall` (seconds since the epoch, for
people and exports) and `mono` (time.monotonic(), for durations).

Message payloads are kept as the bytes that crossed the wire (after permessage-deflate
decoding): a text message is decoded only when somebody looks at it, so a flood costs no
decoding and a text frame with invalid UTF-8 is shown as it is instead of being lost.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class ConnState(enum.StrEnum):
    """The states the window shows; values are the contract's `state` property."""

    IDLE = "idle"
    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    RECONNECTING = "reconnecting"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Event:
    conn: int
    wall: float
    mono: float


@dataclass(frozen=True, slots=True)
class MessageEvent(Event):
    """A whole data message. `text` tells a TEXT message from a BINARY one."""

    direction: Direction
    text: bool
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def decoded(self) -> str | None:
        """The text of a TEXT message, or None when it is not valid UTF-8 (or is BINARY)."""
        if not self.text:
            return None
        try:
            return self.data.decode()
        except UnicodeDecodeError:
            return None


_new_object = object.__new__


def _slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    for klass in cls.__mro__:
        if name in vars(klass):
            setter: Callable[[object, object], None] = vars(klass)[name].__set__
            return setter
    raise AttributeError(name)


_set_conn = _slot_setter(MessageEvent, "conn")
_set_wall = _slot_setter(MessageEvent, "wall")
_set_mono = _slot_setter(MessageEvent, "mono")
_set_direction = _slot_setter(MessageEvent, "direction")
_set_text = _slot_setter(MessageEvent, "text")
_set_data = _slot_setter(MessageEvent, "data")


def message_event(
    conn: int, direction: Direction, text: bool, data: bytes, wall: float, mono: float
) -> MessageEvent:
    """Build a MessageEvent on the hot path.

    Equal to `MessageEvent(...)`, at half the cost: a frozen dataclass's __init__ goes through
    object.__setattr__ once per field, which is most of a flood's per-message overhead.
    """
    event: MessageEvent = _new_object(MessageEvent)
    _set_conn(event, conn)
    _set_wall(event, wall)
    _set_mono(event, mono)
    _set_direction(event, direction)
    _set_text(event, text)
    _set_data(event, data)
    return event


class ControlKind(enum.StrEnum):
    PING = "ping"
    PONG = "pong"


@dataclass(frozen=True, slots=True)
class ControlEvent(Event):
    """A ping or pong frame. `rtt` is the round trip of a ping this client sent, on its pong."""

    direction: Direction
    kind: ControlKind
    data: bytes
    rtt: float | None = None
    keepalive: bool = False


@dataclass(frozen=True, slots=True)
class StateEvent(Event):
    """The connection moved to `state`.

    While reconnecting, `attempt` is the number of the attempt under way or waited for
    (the first connection is attempt 0), `delay` the wait before it in seconds, and
    `error` the last failure in words.
    """

    state: ConnState
    attempt: int = 0
    delay: float | None = None
    error: str = ""
    uri: str = ""


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class HandshakeEvent(Event):
    """The opening handshake: the request as sent and the response as received.

    For a rejected handshake `accepted` is False and `body` holds the response body.
    A response that never came (refused, timed out) leaves status_line empty. The CONNECT to
    an HTTP proxy is logged as one too, before the WebSocket handshake (`proxy_hop`).
    """

    request_line: str
    request_headers: Headers
    status_line: str
    response_headers: Headers
    body: bytes = b""
    accepted: bool = True
    status_code: int | None = None
    subprotocol: str | None = None
    extensions: str = ""

    @property
    def proxy_hop(self) -> bool:
        """The CONNECT to an HTTP proxy before the WebSocket handshake (whose request is a
        GET): it opens the way, it is not the connection's handshake."""
        return self.request_line.startswith("CONNECT ")


@dataclass(frozen=True, slots=True)
class CloseEvent(Event):
    """The connection closed.

    `code`/`reason` are the close frame that ended it (received if any, else sent);
    `initiator` is "client", "server" or "" when nobody sent a close frame (the TCP
    connection just went away, 1006); `clean` is True for a completed closing handshake
    with a normal code.
    """

    code: int
    reason: str
    initiator: str
    clean: bool
    sent_code: int | None = None
    sent_reason: str = ""
    received_code: int | None = None
    received_reason: str = ""


class ErrorKind(enum.StrEnum):
    """Failures the window offers a remedy for; OTHER for the rest."""

    OTHER = ""
    TLS_UNTRUSTED = "tls-untrusted"


@dataclass(frozen=True, slots=True)
class ErrorEvent(Event):
    """Something failed. `kind` tells the failures that have a remedy in one click."""

    message: str
    detail: str = ""
    kind: ErrorKind = ErrorKind.OTHER


@dataclass(frozen=True, slots=True)
class NoteEvent(Event):
    """A line for people in the log, e.g. the separator "reconnected after 2 attempts"."""

    text: str
    separator: bool = False


CLOSE_CODE_NAMES: Final[dict[int, str]] = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status received",
    1006: "abnormal closure",
    1007: "invalid frame payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
    1015: "TLS handshake failure",
}


def close_code_name(code: int | None) -> str:
    if code is None:
        return "no close frame"
    if code in CLOSE_CODE_NAMES:
        return CLOSE_CODE_NAMES[code]
    if 3000 <= code < 4000:
        return "registered"
    if 4000 <= code < 5000:
        return "private use"
    return "unknown"
