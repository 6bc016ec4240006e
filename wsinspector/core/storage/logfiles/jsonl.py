"""wsinspector's own log format: JSON Lines, lossless, one event per line (docs/log-format.md).

Line 1 is a header ({"format": "wsinspector-log", "version": 1, ...}); every other line is
one event: its record in the codec's stable names (codec.py: id, time, connection, type,
direction, data or data_base64, size, summary, as "Copy as JSON" gives it) plus the fields
that rebuild the event exactly (mono, and each event type's own fields). Floats are written
in their shortest exact form, payloads as text when they are valid UTF-8, else as base64.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import batched
from operator import attrgetter
from typing import IO, Annotated, Any, Final

import msgspec
import orjson

from wsinspector import __version__
from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import Event
from wsinspector.core.storage.logfiles.codec import (
    BINARY,
    DIRECTION_OF_INCOMING,
    INCOMING_OF,
    TEXT,
    id_and_entry,
    to_record,
)
from wsinspector.core.storage.logfiles.common import (
    BATCH,
    LATEST_WALL,
    EntryLog,
    LogFileError,
    json_kind,
    redact_event,
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
    """A text message's line: the fields codec.event_record() would give it, in its order.

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
                            TEXT,
                            DIRECTION_OF_INCOMING[incoming],
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
                    "type": TEXT if text else BINARY,
                    "direction": DIRECTION_OF_INCOMING[incoming],
                    "data_base64": b64encode(data).decode("ascii"),
                    "size": len(data),
                    "mono": mono,
                }
            )
        else:
            event: Event = entry  # type: ignore[assignment]
            if redact:
                event = redact_event(event)
            append(to_record(event, event_id))
    return _ENCODER.encode_lines(lines)


# -- reading ----------


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
_DIRECTION_NAMES: Final = frozenset(DIRECTION_OF_INCOMING)
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
        or set(map(_TYPE, rows)) != {TEXT}
        or not _DIRECTION_NAMES.issuperset(map(_DIRECTION, rows))
    ):
        return False
    incoming_of = INCOMING_OF
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
    incoming_of = INCOMING_OF
    text_name, message_names = TEXT, (TEXT, BINARY)
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
                kind in message_names
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
                incoming = incoming_of[obj["direction"]]
                entry = (conn, incoming, kind == text_name, payload, wall, mono)
                ids.append(event_id)
                entries.append(entry)
                continue
        except Exception:  # the validating readers below say what is wrong
            pass
        if not line.strip():
            continue
        obj = _parse(line, number)
        try:
            event_id, any_entry = id_and_entry(obj)
        except LogFileError as exc:
            raise LogFileError(f"line {number}: {exc}") from None
        ids.append(event_id)
        entries.append(any_entry)
    return head
