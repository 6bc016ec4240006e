"""wsinspector's own log format: JSON Lines, lossless, one event per line (docs/log-format.md).

Line 1 is a header ({"format": "wsinspector-log", "version": 1, ...}); every other line is
one event: what "Copy as JSON" gives (describe.event_record: id, time, connection, type,
direction, data or data_base64, size, summary) plus the fields that rebuild the record
exactly (mono, and each event type's own fields). Floats are written in their shortest
exact form, payloads as text when they are valid UTF-8, else as base64.
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import batched
from operator import attrgetter
from typing import IO, Annotated, Any, Final

import msgspec
import orjson

from wsinspector import __version__
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
    NoteEvent,
    StateEvent,
)
from wsinspector.core.log.wording import event_record
from wsinspector.core.storage.logfiles.common import (
    BATCH,
    LATEST_WALL,
    EntryLog,
    LogFileError,
    json_kind,
    redact_event,
    wall_out_of_range,
)

FORMAT_NAME: Final = "wsinspector-log"
FORMAT_VERSION: Final = 1
# How often read_jsonl() calls its checkpoint.
CHECKPOINT_LINES: Final = 50_000

_NL: Final = orjson.OPT_APPEND_NEWLINE


def header(*, redacted: bool, exported: str) -> dict[str, object]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generator": f"wsinspector {__version__}",
        "exported": exported,
        "redacted": redacted,
    }


# -- writing ----------


def _payload(record: dict[str, object], data: bytes, key: str = "data") -> None:
    try:
        record[key] = data.decode()
    except UnicodeDecodeError:
        record[key + "_base64"] = b64encode(data).decode("ascii")


def event_json(event: Event, event_id: int) -> dict[str, object]:
    """The JSON object for an event other than a message."""
    record = event_record(event, event_id)
    if isinstance(event, ControlEvent):
        _payload(record, event.data)
        record["size"] = len(event.data)
        record["rtt"] = event.rtt
        record["keepalive"] = event.keepalive
    elif isinstance(event, StateEvent):
        record["state"] = event.state.value
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
        record["kind"] = event.kind.value
    elif isinstance(event, NoteEvent):
        record["text"] = event.text
        record["separator"] = event.separator
    else:
        raise TypeError(f"can't write a {type(event).__name__} to a log file")
    record["mono"] = event.mono
    return record


def write_jsonl(
    out: IO[bytes], log: EntryLog, *, redact: bool, exported: str, chunk: int
) -> Iterator[int]:
    """Write `log` to `out`, yielding the number of events written after each chunk."""
    out.write(orjson.dumps(header(redacted=redact, exported=exported), option=_NL))
    ids = log.ids
    entries = log.entries()
    total = len(entries)
    for first in range(0, total, chunk):
        last = min(first + chunk, total)
        for start in range(first, last, BATCH):
            stop = min(start + BATCH, last)
            out.write(_encode(ids[start:stop], entries[start:stop], redact))
        yield last


class _TextLine(msgspec.Struct, gc=False):
    """A text message's line: the fields event_json() would give it, in its order.

    A Struct is made at a tuple's cost (a dict of eight keys took twice as long, half of a
    million-message export), and gc=False keeps it out of the collector's way.
    """

    id: int
    # Checked when read: a time the log can show (see common.LATEST_WALL).
    time: Annotated[float, msgspec.Meta(ge=0.0, le=LATEST_WALL)]
    connection: int
    type: str
    direction: str
    data: str
    size: int
    mono: float


_ENCODER: Final = msgspec.json.Encoder()
_DIRECTION_WORDS: Final = ("sent", "received")


def _encode(ids: Sequence[int], entries: Sequence[Entry], redact: bool) -> bytes:
    """The events' lines, each ending with a newline."""
    lines: list[object] = []
    append = lines.append
    for event_id, entry in zip(ids, entries, strict=True):
        if entry.__class__ is tuple:
            conn, incoming, text, data, wall, mono = entry
            if text:
                try:
                    append(
                        _TextLine(
                            event_id,
                            wall,
                            conn,
                            "text",
                            _DIRECTION_WORDS[incoming],
                            data.decode(),
                            len(data),
                            mono,
                        )
                    )
                    continue
                except UnicodeDecodeError:
                    pass
            append(
                {
                    "id": event_id,
                    "time": wall,
                    "connection": conn,
                    "type": "text" if text else "binary",
                    "direction": _DIRECTION_WORDS[incoming],
                    "data_base64": b64encode(data).decode("ascii"),
                    "size": len(data),
                    "mono": mono,
                }
            )
        else:
            event: Event = entry  # type: ignore[assignment]
            if redact:
                event = redact_event(event)
            append(event_json(event, event_id))
    return _ENCODER.encode_lines(lines)


# -- reading ----------


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


_DIRECTIONS: Final = {"sent": Direction.OUT, "received": Direction.IN}
_INCOMING: Final = {"sent": False, "received": True}
_STATES: Final = {state.value: state for state in ConnState}
_ERROR_KINDS: Final = {kind.value: kind for kind in ErrorKind}


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
    incoming = _choice(obj, "direction", _INCOMING)
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
    if kind == "text" or kind == "binary":
        return _message(obj, kind == "text")
    if kind == "ping":
        return _control(obj, ControlKind.PING)
    if kind == "pong":
        return _control(obj, ControlKind.PONG)
    if kind == "state":
        return _state(obj)
    if kind == "handshake":
        return _handshake(obj)
    if kind == "close":
        return _close(obj)
    if kind == "error":
        return _error(obj)
    if kind == "note":
        return _note(obj)
    raise _Bad(
        f'unknown event type "{kind}": expected text, binary, ping, pong, state, handshake,'
        " close, error or note"
    )


def event_from_json(obj: dict[str, Any]) -> Entry:
    """The entry (a message tuple or an event record) for one decoded JSON Lines record:
    the inverse of event_json(). LogFileError says which field is wrong."""
    try:
        return _entry(obj)
    except _Bad as exc:
        raise LogFileError(str(exc)) from None


def _parse(line: bytes, number: int) -> dict[str, Any]:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise LogFileError(f"line {number}: not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise LogFileError(f"line {number}: expected a JSON object, found {json_kind(obj)}")
    return obj


def read_header(line: bytes) -> dict[str, Any]:
    """Line 1; LogFileError unless it is a wsinspector log this version can read."""
    obj = _parse(line, 1)
    if obj.get("format") != FORMAT_NAME:
        raise LogFileError(
            f'line 1: not a wsinspector log (the header must have "format": "{FORMAT_NAME}")'
        )
    version = obj.get("version")
    if type(version) is not int or version < 1:
        raise LogFileError('line 1: the header\'s "version" must be a whole number from 1')
    if version > FORMAT_VERSION:
        raise LogFileError(
            f"line 1: written by a newer wsinspector (log format version {version});"
            f" this one reads version {FORMAT_VERSION}"
        )
    return obj


def read_jsonl(
    lines: Iterable[bytes], checkpoint: Callable[[int], None] | None = None
) -> tuple[dict[str, Any], list[int], list[Entry]]:
    """Parse a log's lines into its header, ids and entries (messages as tuples).

    `checkpoint(lines_read)` is called every CHECKPOINT_LINES lines (to report progress, or
    to raise and stop). Raises LogFileError naming the line for anything malformed.
    """
    ids: list[int] = []
    entries: list[Entry] = []
    head: dict[str, Any] | None = None
    next_checkpoint = CHECKPOINT_LINES
    read = 0
    for batch in batched(lines, READ_BATCH):
        first = read + 1
        read += len(batch)
        if checkpoint is not None and read >= next_checkpoint:
            checkpoint(read)
            next_checkpoint += CHECKPOINT_LINES * ((read - next_checkpoint) // CHECKPOINT_LINES + 1)
        if head is not None and _read_text_lines(batch, ids, entries):
            continue
        head = _read_each(batch, first, head, ids, entries)
    if head is None:
        raise LogFileError("the file is empty")
    return head, ids, entries


# Lines read and decoded together (see _read_text_lines).
READ_BATCH: Final = 10_000
_TEXT_LINES: Final = msgspec.json.Decoder(_TextLine)
_WORD_DIRECTIONS: Final = frozenset(_DIRECTION_WORDS)
_TYPE: Final = attrgetter("type")
_DIRECTION: Final = attrgetter("direction")
_ID: Final = attrgetter("id")


def _read_text_lines(batch: Sequence[bytes], ids: list[int], entries: list[Entry]) -> bool:
    """Read `batch` in one msgspec call if every line of it is a text message with its data
    as text (a flood's lines, written by _TextLine), and say so; else leave it to _read_each.

    Twice as fast as a dict per line: the fields are checked in C as they are decoded.
    """
    try:
        rows = _TEXT_LINES.decode_lines(b"".join(batch))
    except msgspec.DecodeError:  # a line of another kind, or malformed: _read_each says
        return False
    if (
        len(rows) != len(batch)  # blank lines
        or set(map(_TYPE, rows)) != {"text"}
        or not _WORD_DIRECTIONS.issuperset(map(_DIRECTION, rows))
    ):
        return False
    incoming_of = _INCOMING
    ids.extend(map(_ID, rows))
    entries.extend(
        [
            (
                row.connection,
                incoming_of[row.direction],
                True,
                row.data.encode(),
                row.time,
                row.mono,
            )
            for row in rows
        ]
    )
    return True


def _read_each(
    batch: Sequence[bytes],
    first: int,
    head: dict[str, Any] | None,
    ids: list[int],
    entries: list[Entry],
) -> dict[str, Any] | None:
    """Read `batch` line by line (its first line is line `first`); returns the header."""
    loads = orjson.loads
    incoming_of = _INCOMING
    for number, line in enumerate(batch, first):
        if head is None:
            if not line.strip():
                raise LogFileError(f"line {number}: empty; a log starts with its header line")
            head = read_header(line)
            continue
        # The common case first, with no more checks than it needs; anything unusual goes
        # through the validating readers below, which name what is wrong.
        try:
            obj = loads(line)
            kind = obj["type"]
            event_id = obj["id"]
            conn = obj["connection"]
            wall = obj["time"]
            mono = obj["mono"]
            data = obj.get("data")
            if (
                (kind == "text" or kind == "binary")
                and type(event_id) is int
                and type(conn) is int
                and type(wall) is float
                and type(mono) is float
                and 0.0 <= wall <= LATEST_WALL
            ):
                if type(data) is str:
                    payload = data.encode()
                elif data is None:
                    payload = b64decode(obj["data_base64"], validate=True)
                else:
                    raise TypeError
                entry = (conn, incoming_of[obj["direction"]], kind == "text", payload, wall, mono)
                ids.append(event_id)
                entries.append(entry)
                continue
        except Exception:  # the validating readers below say what is wrong
            pass
        if not line.strip():
            continue
        obj = _parse(line, number)
        try:
            event_id = _int(obj, "id")
            any_entry = _entry(obj)
        except _Bad as exc:
            raise LogFileError(f"line {number}: {exc}") from None
        ids.append(event_id)
        entries.append(any_entry)
    return head
