"""The codec of the file formats and the capture: an event to a record and a record back,
in type names of their own.

JSON Lines files (jsonl.py), the capture's rows of events that are not messages
(capture/writer.py, capture/reading.py) and "Copy as JSON" speak these records; the CSV's
type column uses the same names. The names are pinned here (tests/core/test_codec.py) and
are not the words on screen: the log's Type column (log/wording.py) may call an event
anything without changing a file or a database. They are the words every file written so
far uses, so those keep reading.

The one field in the words on screen is `summary` (the Data column of an event that is not
a message): a copy for people reading a file, ignored when reading it.
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from collections.abc import Callable
from typing import Any, Final

import orjson

from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    ErrorKind,
    Event,
    HandshakeEvent,
    Headers,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.log.wording import event_summary
from wsinspector.core.storage.logfiles.common import LogFileError, json_kind, wall_out_of_range

# -- the stable names ----------

TEXT: Final = "text"
BINARY: Final = "binary"
CONTROL_TYPES: Final[dict[ControlKind, str]] = {ControlKind.PING: "ping", ControlKind.PONG: "pong"}
# The other events by class; a subclass takes its base's name.
EVENT_TYPES: Final[dict[type[Event], str]] = {
    StateEvent: "state",
    HandshakeEvent: "handshake",
    CloseEvent: "close",
    ErrorEvent: "error",
    NoteEvent: "note",
}
TYPE_NAMES: Final = (TEXT, BINARY, *CONTROL_TYPES.values(), *EVENT_TYPES.values())

DIRECTIONS: Final[dict[Direction, str]] = {Direction.OUT: "sent", Direction.IN: "received"}
# The same by a message tuple's `incoming`: False sent, True received.
DIRECTION_OF_INCOMING: Final = (DIRECTIONS[Direction.OUT], DIRECTIONS[Direction.IN])
STATES: Final[dict[ConnState, str]] = {
    ConnState.IDLE: "idle",
    ConnState.CONNECTING: "connecting",
    ConnState.OPEN: "open",
    ConnState.CLOSING: "closing",
    ConnState.CLOSED: "closed",
    ConnState.RECONNECTING: "reconnecting",
    ConnState.FAILED: "failed",
}
ERROR_KINDS: Final[dict[ErrorKind, str]] = {
    ErrorKind.OTHER: "",
    ErrorKind.TLS_UNTRUSTED: "tls-untrusted",
}


def type_name(event: Event) -> str:
    """The event's type in files and the capture: text, binary, ping, pong, state, …"""
    if isinstance(event, MessageEvent):
        return TEXT if event.text else BINARY
    if isinstance(event, ControlEvent):
        return CONTROL_TYPES[event.kind]
    for kind, name in EVENT_TYPES.items():
        if isinstance(event, kind):
            return name
    raise TypeError(f"a {type(event).__name__} has no type name in log files")


def direction_name(event: Event) -> str:
    """sent, received, or "" for an event that has no direction."""
    direction = getattr(event, "direction", None)
    return DIRECTIONS[direction] if isinstance(direction, Direction) else ""


# -- event to record ----------


def event_record(event: Event, event_id: int) -> dict[str, object]:
    """What "Copy as JSON" gives, and every record starts with: id, time, type and content."""
    record: dict[str, object] = {
        "id": event_id,
        "time": event.wall,
        "connection": event.conn,
        "type": type_name(event),
    }
    direction = direction_name(event)
    if direction:
        record["direction"] = direction
    if isinstance(event, MessageEvent):
        text = event.decoded()
        if text is not None:
            record["data"] = text
        else:
            record["data_base64"] = b64encode(event.data).decode("ascii")
        record["size"] = event.size
    else:
        record["summary"] = event_summary(event)
    return record


def _payload(record: dict[str, object], data: bytes, key: str = "data") -> None:
    try:
        record[key] = data.decode()
    except UnicodeDecodeError:
        record[key + "_base64"] = b64encode(data).decode("ascii")


def to_record(event: Event, event_id: int) -> dict[str, object]:
    """The record of an event other than a message (messages are written in bulk by their
    format: jsonl.py, capture/packing.py)."""
    record = event_record(event, event_id)
    if isinstance(event, ControlEvent):
        _payload(record, event.data)
        record["size"] = len(event.data)
        record["rtt"] = event.rtt
        record["keepalive"] = event.keepalive
    elif isinstance(event, StateEvent):
        record["state"] = STATES[event.state]
        record["attempt"] = event.attempt
        record["delay"] = event.delay
        record["error"] = event.error
        record["uri"] = event.uri
    elif isinstance(event, HandshakeEvent):
        record["request_line"] = event.request_line
        record["request_headers"] = event.request_headers
        record["status_line"] = event.status_line
        record["response_headers"] = event.response_headers
        _payload(record, event.body, "body")
        record["accepted"] = event.accepted
        record["status_code"] = event.status_code
        record["subprotocol"] = event.subprotocol
        record["extensions"] = event.extensions
    elif isinstance(event, CloseEvent):
        record["code"] = event.code
        record["reason"] = event.reason
        record["initiator"] = event.initiator
        record["clean"] = event.clean
        record["sent_code"] = event.sent_code
        record["sent_reason"] = event.sent_reason
        record["received_code"] = event.received_code
        record["received_reason"] = event.received_reason
    elif isinstance(event, ErrorEvent):
        record["message"] = event.message
        record["detail"] = event.detail
        record["kind"] = ERROR_KINDS[event.kind]
    elif isinstance(event, NoteEvent):
        record["text"] = event.text
        record["separator"] = event.separator
    else:
        raise TypeError(f"can't write a {type(event).__name__} to a log file")
    record["mono"] = event.mono
    return record


# -- record to event ----------


class _Bad(Exception):
    """A field that is missing or of the wrong kind; the reader adds the line number."""


_MISSING: Final = object()


def _get(obj: dict[str, Any], key: str, default: object) -> Any:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise _Bad(f'the field "{key}" is missing')
        return default
    return value


def _int(obj: dict[str, Any], key: str, default: object = _MISSING) -> Any:
    value = _get(obj, key, default)
    if value is default and default is not _MISSING:
        return value
    if type(value) is not int:
        raise _Bad(f'"{key}" must be a whole number, not {json_kind(value)}')
    return value


def _optional_int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is not int:
        raise _Bad(f'"{key}" must be a whole number or null, not {json_kind(value)}')
    return value


def _float(obj: dict[str, Any], key: str, default: object = _MISSING) -> Any:
    value = _get(obj, key, default)
    if value is default and default is not _MISSING:
        return value
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Bad(f'"{key}" must be a number, not {json_kind(value)}')


def _optional_float(obj: dict[str, Any], key: str) -> float | None:
    if obj.get(key) is None:
        return None
    value: float = _float(obj, key)
    return value


def _str(obj: dict[str, Any], key: str, default: object = _MISSING) -> Any:
    value = _get(obj, key, default)
    if not isinstance(value, str):
        raise _Bad(f'"{key}" must be a string, not {json_kind(value)}')
    return value


def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f'"{key}" must be a string or null, not {json_kind(value)}')
    return value


def _bool(obj: dict[str, Any], key: str, default: object = _MISSING) -> Any:
    value = _get(obj, key, default)
    if not isinstance(value, bool):
        raise _Bad(f'"{key}" must be true or false, not {json_kind(value)}')
    return value


def _bytes(obj: dict[str, Any], key: str, *, required: bool = True) -> bytes:
    """`key` as text (UTF-8) or `key`_base64."""
    text = obj.get(key)
    if text is not None:
        if not isinstance(text, str):
            raise _Bad(f'"{key}" must be a string, not {json_kind(text)}')
        return text.encode()
    encoded = obj.get(key + "_base64")
    if encoded is None:
        if required:
            raise _Bad(f'the field "{key}" (or "{key}_base64") is missing')
        return b""
    if not isinstance(encoded, str):
        raise _Bad(f'"{key}_base64" must be a string, not {json_kind(encoded)}')
    try:
        return b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _Bad(f'"{key}_base64" is not valid base64') from None


def _headers(obj: dict[str, Any], key: str) -> Headers:
    value = _get(obj, key, [])
    if not isinstance(value, list):
        raise _Bad(f'"{key}" must be an array of [name, value] pairs, not {json_kind(value)}')
    headers: list[tuple[str, str]] = []
    for index, pair in enumerate(value):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not isinstance(pair[0], str)
            or not isinstance(pair[1], str)
        ):
            raise _Bad(f'"{key}"[{index}] must be a [name, value] pair of strings')
        headers.append((pair[0], pair[1]))
    return tuple(headers)


def _choice[T](obj: dict[str, Any], key: str, choices: dict[str, T], default: T | None = None) -> T:
    if default is not None and key not in obj:
        return default
    value = _get(obj, key, _MISSING)
    try:
        return choices[value]
    except (KeyError, TypeError):
        names = ", ".join(f'"{name}"' for name in choices if name)
        raise _Bad(f'"{key}" must be one of {names}, not {orjson.dumps(value).decode()}') from None


_DIRECTIONS: Final = {name: direction for direction, name in DIRECTIONS.items()}
# A direction's name to a message tuple's `incoming`.
INCOMING_OF: Final = {name: bool(incoming) for incoming, name in enumerate(DIRECTION_OF_INCOMING)}
_STATES: Final = {name: state for state, name in STATES.items()}
_ERROR_KINDS: Final = {name: kind for kind, name in ERROR_KINDS.items()}
_CONTROLS: Final = {name: kind for kind, name in CONTROL_TYPES.items()}


def _common(obj: dict[str, Any]) -> tuple[int, float, float]:
    conn = _int(obj, "connection")
    wall = _float(obj, "time")
    problem = wall_out_of_range(wall)
    if problem is not None:
        raise _Bad(f'"time" must be {problem}')
    mono = _float(obj, "mono", wall)
    return conn, wall, mono


def _message(obj: dict[str, Any], text: bool) -> Entry:
    conn, wall, mono = _common(obj)
    incoming = _choice(obj, "direction", INCOMING_OF)
    return (conn, incoming, text, _bytes(obj, "data"), wall, mono)


def _control(obj: dict[str, Any], kind: ControlKind) -> Event:
    conn, wall, mono = _common(obj)
    return ControlEvent(
        conn,
        wall,
        mono,
        _choice(obj, "direction", _DIRECTIONS),
        kind,
        _bytes(obj, "data"),
        _optional_float(obj, "rtt"),
        _bool(obj, "keepalive", False),
    )


def _state(obj: dict[str, Any]) -> Event:
    conn, wall, mono = _common(obj)
    return StateEvent(
        conn,
        wall,
        mono,
        _choice(obj, "state", _STATES),
        _int(obj, "attempt", 0),
        _optional_float(obj, "delay"),
        _str(obj, "error", ""),
        _str(obj, "uri", ""),
    )


def _handshake(obj: dict[str, Any]) -> Event:
    conn, wall, mono = _common(obj)
    return HandshakeEvent(
        conn,
        wall,
        mono,
        _str(obj, "request_line"),
        _headers(obj, "request_headers"),
        _str(obj, "status_line", ""),
        _headers(obj, "response_headers"),
        _bytes(obj, "body", required=False),
        _bool(obj, "accepted", True),
        _optional_int(obj, "status_code"),
        _optional_str(obj, "subprotocol"),
        _str(obj, "extensions", ""),
    )


def _close(obj: dict[str, Any]) -> Event:
    conn, wall, mono = _common(obj)
    return CloseEvent(
        conn,
        wall,
        mono,
        _int(obj, "code"),
        _str(obj, "reason", ""),
        _str(obj, "initiator", ""),
        _bool(obj, "clean", False),
        _optional_int(obj, "sent_code"),
        _str(obj, "sent_reason", ""),
        _optional_int(obj, "received_code"),
        _str(obj, "received_reason", ""),
    )


def _error(obj: dict[str, Any]) -> Event:
    conn, wall, mono = _common(obj)
    return ErrorEvent(
        conn,
        wall,
        mono,
        _str(obj, "message"),
        _str(obj, "detail", ""),
        _choice(obj, "kind", _ERROR_KINDS, ErrorKind.OTHER),
    )


def _note(obj: dict[str, Any]) -> Event:
    conn, wall, mono = _common(obj)
    return NoteEvent(conn, wall, mono, _str(obj, "text"), _bool(obj, "separator", False))


def _entry(obj: dict[str, Any]) -> Entry:
    kind = _str(obj, "type")
    if kind in (TEXT, BINARY):
        return _message(obj, kind == TEXT)
    control = _CONTROLS.get(kind)
    if control is not None:
        return _control(obj, control)
    read = _READERS.get(kind)
    if read is not None:
        return read(obj)
    raise _Bad(
        f'unknown event type "{kind}": expected {", ".join(TYPE_NAMES[:-1])} or {TYPE_NAMES[-1]}'
    )


_READERS: Final[dict[str, Callable[[dict[str, Any]], Event]]] = {
    EVENT_TYPES[StateEvent]: _state,
    EVENT_TYPES[HandshakeEvent]: _handshake,
    EVENT_TYPES[CloseEvent]: _close,
    EVENT_TYPES[ErrorEvent]: _error,
    EVENT_TYPES[NoteEvent]: _note,
}


def from_record(obj: dict[str, Any]) -> Entry:
    """The entry (a message tuple or an event record) for one decoded record: the inverse of
    to_record() and of a message's record. LogFileError says which field is wrong."""
    try:
        return _entry(obj)
    except _Bad as exc:
        raise LogFileError(str(exc)) from None


def id_and_entry(obj: dict[str, Any]) -> tuple[int, Entry]:
    """A record's id and entry, as from_record()."""
    try:
        return _int(obj, "id"), _entry(obj)
    except _Bad as exc:
        raise LogFileError(str(exc)) from None
