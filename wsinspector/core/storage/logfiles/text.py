"""Logs for people and spreadsheets: a CSV table and a text transcript.

The CSV's type and direction columns are in the codec's stable names (codec.py), which
scripts may filter on; its payload column is the log's wording.payload_text (text, hex for
binary, the summary for other events). Each transcript line is the log's
wording.transcript_line, as the log shows it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import chain, islice, repeat
from operator import add, floordiv, itemgetter, le, mul, sub
from typing import IO, Final, cast

from wsinspector.core.log.eventlog import Entry, MessageEntry, to_event
from wsinspector.core.log.events import Event
from wsinspector.core.log.wording import event_size, payload_text, transcript_line
from wsinspector.core.storage.logfiles.codec import (
    BINARY,
    DIRECTION_OF_INCOMING,
    TEXT,
    direction_name,
    type_name,
)
from wsinspector.core.storage.logfiles.common import EntryLog, redact_event
from wsinspector.core.text.formatting import is_utf8

CSV_COLUMNS: Final = ("time", "connection", "direction", "type", "size", "payload")
# Most characters in a cell: spreadsheets cut there (Excel, LibreOffice), and the csv module
# (131,072) and duckdb refused a 1 MiB binary message's 3 MiB hex cell. A longer payload is
# cut and the cell says so, pointing to JSON Lines for the whole of it.
CELL_LIMIT: Final = 32_767


def cut_cell(text: str, size: int | None = None) -> str:
    """`text` if it fits in a cell, else its start and a note saying where and why it was cut;
    `size`: the payload's bytes, named in the note."""
    if len(text) <= CELL_LIMIT:
        return text
    whole = f"{size:,} bytes" if size is not None else f"{len(text):,} characters"
    note = f" … [cut here: {whole} in all; a JSON Lines export keeps the whole payload]"
    return text[: CELL_LIMIT - len(note)] + note


class _IsoTimes:
    """Local ISO 8601 times with milliseconds and the UTC offset: 2024-05-01T12:34:56.789+02:00.

    Formatting a datetime per row would be most of a CSV export's time; a flood's messages
    share their seconds, so each second is formatted once. The millisecond is the one the
    log's time column shows (datetime.fromtimestamp: the fraction rounded half to even to the
    microsecond, then cut to the millisecond).
    """

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        # second → (its local date and time, its UTC offset), as UTF-8
        self.seconds: dict[int, tuple[bytes, bytes]] = {}

    def second(self, second: int) -> tuple[bytes, bytes]:
        parts = self.seconds.get(second)
        if parts is None:
            if len(self.seconds) > 4096:
                self.seconds.clear()
            moment = datetime.fromtimestamp(second).astimezone()
            offset = moment.strftime("%z")
            parts = (f"{moment:%Y-%m-%dT%H:%M:%S}".encode(), f"{offset[:3]}:{offset[3:]}".encode())
            self.seconds[second] = parts
        return parts

    def __call__(self, wall: float) -> bytes:
        second = math.floor(wall)
        micro = round((wall - second) * 1_000_000)
        if micro >= 1_000_000:
            second += 1
            micro -= 1_000_000
        parts = self.second(second)
        return parts[0] + _MILLIS[micro // 1000] + parts[1]


_MILLIS: Final = tuple(f".{ms:03d}".encode() for ms in range(1000))
_DIRECTIONS: Final = tuple(name.encode() for name in DIRECTION_OF_INCOMING)
_KINDS: Final = (BINARY.encode(), TEXT.encode())  # by a message tuple's `text`


def _quoted(text: str) -> bytes:
    return b'"' + text.replace('"', '""').encode() + b'"'


def _all_utf8(payloads: list[bytes]) -> bool:
    """Whether every payload is valid UTF-8, in one decode: a newline between two payloads
    ends any sequence the first leaves open, so no two can make up a character together."""
    try:
        b"\n".join(payloads).decode()
    except UnicodeDecodeError:
        return False
    return True


# Columns of MessageEntry tuples, read by map(): no Python code per row.
_CONN, _INCOMING, _TEXT, _DATA, _WALL = (itemgetter(i) for i in range(5))
# Stands for the quotes around each payload while the payloads' own quotes are doubled: a
# byte that valid UTF-8 never holds.
_QUOTE: Final = b"\xff"


def _millisecond(wall: float) -> int:
    """Milliseconds since the epoch, as the log's time column shows them (see _IsoTimes)."""
    second = int(wall)
    return second * 1000 + round((wall - second) * 1_000_000) // 1000


# Rows per millisecond from which a chunk's times are found by searching, not row by row.
_DENSE: Final = 16


def _row_starts(walls: list[float], iso: _IsoTimes) -> Iterable[bytes]:
    """Each row's time column, after the end of the row before it (a _QUOTE and CRLF).

    `walls` are not negative. A flood has dozens of rows in each millisecond and its times
    only grow: then each millisecond's rows are found by a binary search, which costs a few
    calls of _millisecond per millisecond instead of one per row. Otherwise each row's
    millisecond is worked out column by column, with the arithmetic of _millisecond.
    """
    texts: dict[int, bytes] = {}

    def text(key: int) -> bytes:
        second, millis = divmod(key, 1000)
        head, offset = iso.second(second)
        texts[key] = piece = _QUOTE + b"\r\n" + head + _MILLIS[millis] + offset
        return piece

    count = len(walls)
    span = (walls[-1] - walls[0]) * 1000 + 1
    if count >= _DENSE * span and all(map(le, walls, islice(walls, 1, None))):
        keys: list[int] = []
        lengths: list[int] = []
        start = 0
        guess = _DENSE
        while start < count:
            key = _millisecond(walls[start])
            end = min(count, start + guess)
            stop = bisect_right(walls, key, start + 1, end, key=_millisecond)
            if stop == end < count:
                stop = bisect_right(walls, key, end, count, key=_millisecond)
            keys.append(key)
            lengths.append(stop - start)
            guess = 2 * (stop - start) + 1
            start = stop
        return chain.from_iterable(map(repeat, map(text, keys), lengths))
    seconds = list(map(int, walls))
    millis = map(
        floordiv, map(round, map(mul, map(sub, walls, seconds), repeat(1e6))), repeat(1000)
    )
    keys = list(map(add, map(mul, seconds, repeat(1000)), millis))
    for key in set(keys):
        text(key)
    return map(texts.__getitem__, keys)


def _text_message_rows(part: Sequence[Entry], iso: _IsoTimes) -> bytes | None:
    """The CSV rows of `part`, if it holds only text messages that are valid UTF-8 (a flood's
    chunks); None otherwise, and write_csv's loop writes them row by row.

    The same bytes as that loop, at a third of its cost or less: every step is a C-level pass
    over a column (map, join, replace), and each row is three pieces joined once: its time
    (see _row_starts), the columns between (connection, direction, type, size, the opening
    quote) and the payload. The payloads' quotes are doubled in one replace over the
    whole chunk; the quotes around them are written as _QUOTE until then.
    """
    if set(map(type, part)) != {tuple}:
        return None
    part = cast("Sequence[MessageEntry]", part)
    if not all(map(_TEXT, part)):
        return None
    payloads: list[bytes] = list(map(_DATA, part))
    if not all(map(bytes.isascii, payloads)) and not _all_utf8(payloads):
        return None
    walls: list[float] = list(map(_WALL, part))
    if min(walls) < 0:
        return None
    sizes = list(map(len, payloads))
    if max(sizes) > CELL_LIMIT:  # bytes ≥ characters: only then may a cell need cutting
        return None
    conns = list(map(_CONN, part))
    incoming = list(map(_INCOMING, part))
    if len(set(conns)) == 1 and len(set(incoming)) == 1:
        middle = b",%d,%b,%b," % (conns[0], _DIRECTIONS[incoming[0]], _KINDS[True])
        by_size = {size: middle + b"%d,%b" % (size, _QUOTE) for size in set(sizes)}
        middles = map(by_size.__getitem__, sizes)
    else:
        keys = list(zip(conns, incoming, sizes, strict=True))
        by_key = {
            (conn, inward, size): b",%d,%b,%b,%d,%b"
            % (conn, _DIRECTIONS[inward], _KINDS[True], size, _QUOTE)
            for conn, inward, size in set(keys)
        }
        middles = map(by_key.__getitem__, keys)
    pieces: list[bytes] = [b""] * (3 * len(part))
    pieces[0::3] = _row_starts(walls, iso)
    pieces[1::3] = middles
    pieces[2::3] = payloads
    # [3:]: the first row has no row before it to end.
    rows = b"".join(pieces)[3:].replace(b'"', b'""').replace(_QUOTE, b'"')
    return rows + b'"\r\n'


def write_csv(out: IO[bytes], log: EntryLog, *, redact: bool, chunk: int) -> Iterator[int]:
    """UTF-8 CSV (RFC 4180: CRLF line ends, the payload always quoted) with a header row.

    Written by hand, as bytes, rather than with the csv module, which takes several times
    longer per row: only the payload column can hold commas, quotes or line breaks, and a
    text payload that is valid UTF-8 is already its own UTF-8 encoding.
    """
    iso = _IsoTimes()
    seconds = iso.seconds
    out.write((",".join(CSV_COLUMNS) + "\r\n").encode())
    entries = log.entries()
    total = len(entries)
    for first in range(0, total, chunk):
        part = entries[first : first + chunk]
        rows = _text_message_rows(part, iso)
        if rows is not None:
            out.write(rows)
            yield min(first + chunk, total)
            continue
        all_utf8 = _all_utf8([e[3] for e in part if e.__class__ is tuple and e[2]])
        lines: list[bytes] = []
        append = lines.append
        # Each millisecond's time column, made once: a flood has dozens of rows in each.
        times: dict[int, bytes] = {}
        for entry in part:
            if entry.__class__ is tuple:
                conn, incoming, text, data, wall, _mono = entry
                # _IsoTimes.__call__, inline: a call per row costs more than the rest of it.
                second = int(wall)
                millis = round((wall - second) * 1_000_000) // 1000
                time = times.get(second * 1000 + millis)
                if time is None:
                    parts = seconds.get(second)
                    if parts is None or millis >= 1000 or wall < 0:
                        time = iso(wall)
                    else:
                        time = parts[0] + _MILLIS[millis] + parts[1]
                        times[second * 1000 + millis] = time
                if text and (all_utf8 or is_utf8(data)):
                    if len(data) > CELL_LIMIT:
                        data_text = cut_cell(data.decode(), len(data))
                        payload = data_text.encode().replace(b'"', b'""')
                    else:
                        payload = data.replace(b'"', b'""')
                elif 3 * len(data) - 1 > CELL_LIMIT:  # "de ad": 3 characters a byte
                    # Only the bytes that can show are turned into hex.
                    shown = data[: CELL_LIMIT // 3 + 1].hex(" ")
                    payload = cut_cell(shown, len(data)).encode()
                else:  # binary, or text that is not UTF-8: hex
                    payload = data.hex(" ").encode()
                append(
                    b'%b,%d,%b,%b,%d,"%b"\r\n'
                    % (time, conn, _DIRECTIONS[incoming], _KINDS[text], len(data), payload)
                )
            else:
                event: Event = entry  # type: ignore[assignment]
                if redact:
                    event = redact_event(event)
                size = event_size(event)
                append(
                    iso(event.wall)
                    + f",{event.conn},{direction_name(event)},{type_name(event)},"
                    f"{'' if size is None else size},".encode()
                    + _quoted(cut_cell(payload_text(event), size))
                    + b"\r\n"
                )
        out.write(b"".join(lines))
        yield min(first + chunk, total)


def write_txt(out: IO[bytes], log: EntryLog, *, redact: bool, chunk: int) -> Iterator[int]:
    """One wording.transcript_line per event; yields events written."""
    entries = log.entries()
    total = len(entries)
    for first in range(0, total, chunk):
        lines: list[str] = []
        for entry in entries[first : first + chunk]:
            event = to_event(entry)
            if redact and entry.__class__ is not tuple:
                event = redact_event(event)
            lines.append(transcript_line(event))
        lines.append("")
        out.write("\n".join(lines).encode())
        yield min(first + chunk, total)
