"""A recorded session read lazily: a read-only log whose rows come from SQLite page by page.

Opening a session reads two numbers (its first and last key); a row is read when somebody
looks at it, with the PAGE_ROWS rows around it, and kept in a small cache bounded by payload
bytes. So a session of a million messages opens at once and costs a few megabytes however it
is scrolled, filtered (Predicate.scan reads it a chunk at a time) or exported.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, Final, overload

import orjson

from wsinspector.core.capture.schema import ROW_BITS, ROW_MASK
from wsinspector.core.eventlog import Entry
from wsinspector.core.logfiles.common import EntryLog
from wsinspector.core.logfiles.jsonl import event_from_json

PAGE_ROWS: Final = 1024
# Cached pages are dropped, oldest first, beyond this many payload bytes (at least one kept).
CACHE_BYTES: Final = 32 * 2**20
CACHE_PAGES: Final = 64

_SELECT: Final = (
    "SELECT key, event_id, conn, incoming, text, payload, wall, mono, record FROM events"
    " WHERE key >= ? AND key < ? ORDER BY key"
)


def _entry(row: tuple[Any, ...]) -> Entry:
    record = row[8]
    if record is None:
        # (conn, incoming, text, data, wall, mono), the way EventLog stores a message.
        return (row[2], row[3] == 1, row[4] == 1, row[5], row[6], row[7])
    try:
        return event_from_json(orjson.loads(record))
    except Exception as exc:  # a damaged row must not take the window down
        from wsinspector.core.events import NoteEvent

        return NoteEvent(row[2], row[6], row[7], f"unreadable recorded event: {exc}")


class _Page:
    __slots__ = ("entries", "ids", "size")

    def __init__(self, ids: list[int], entries: list[Entry], size: int) -> None:
        self.ids = ids
        self.entries = entries
        self.size = size


class _Rows:
    """The rows of one session, read a page at a time, shared by the two views below."""

    def __init__(
        self, connection: sqlite3.Connection, lock: threading.RLock, session: int, count: int
    ) -> None:
        self._connection = connection
        self._lock = lock
        self._base = session << ROW_BITS
        self.count = count
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._bytes = 0

    def page(self, number: int) -> _Page:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        first = self._base + number * PAGE_ROWS
        with self._lock:
            rows = self._connection.execute(_SELECT, (first, first + PAGE_ROWS)).fetchall()
        ids: list[int] = []
        entries: list[Entry] = []
        size = 0
        expected = first
        for row in rows:
            while row[0] > expected:  # a row that is missing (never written): keep places
                ids.append(0)
                entries.append(_missing(expected & ROW_MASK))
                expected += 1
            ids.append(row[1])
            entries.append(_entry(row))
            size += len(row[5]) if row[5] is not None else len(row[8] or "")
            expected += 1
        while len(entries) < min(PAGE_ROWS, self.count - number * PAGE_ROWS):
            ids.append(0)
            entries.append(_missing(expected & ROW_MASK))
            expected += 1
        page = _Page(ids, entries, size)
        self._pages[number] = page
        self._bytes += size
        while len(self._pages) > 1 and (
            self._bytes > CACHE_BYTES or len(self._pages) > CACHE_PAGES
        ):
            _, old = self._pages.popitem(last=False)
            self._bytes -= old.size
        return page

    def index(self, index: int) -> int:
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError("event index out of range")
        return index

    def span(self, index: slice) -> range:
        return range(*index.indices(self.count))


def _missing(row: int) -> Entry:
    from wsinspector.core.events import NoteEvent

    return NoteEvent(0, 0.0, 0.0, f"recorded event {row} is missing")


class CapturedEntries(Sequence[Entry]):
    """The stored entries of a recorded session (message tuples, event records), lazily."""

    __slots__ = ("_rows",)

    def __init__(self, rows: _Rows) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return self._rows.count

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        rows = self._rows
        if isinstance(index, slice):
            span = rows.span(index)
            if span.step != 1:
                return [self[i] for i in span]
            out: list[Entry] = []
            position = span.start
            while position < span.stop:
                number, offset = divmod(position, PAGE_ROWS)
                part = rows.page(number).entries[offset : offset + span.stop - position]
                out += part
                position += len(part)
            return out
        position = rows.index(index)
        number, offset = divmod(position, PAGE_ROWS)
        return rows.page(number).entries[offset]

    def __iter__(self) -> Iterator[Entry]:
        rows = self._rows
        for number in range(0, (rows.count + PAGE_ROWS - 1) // PAGE_ROWS):
            yield from rows.page(number).entries


class CapturedIds(Sequence[int]):
    """The stable ids of a recorded session's events, lazily."""

    __slots__ = ("_rows",)

    def __init__(self, rows: _Rows) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return self._rows.count

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        rows = self._rows
        if isinstance(index, slice):
            return [self[i] for i in rows.span(index)]
        position = rows.index(index)
        number, offset = divmod(position, PAGE_ROWS)
        return rows.page(number).ids[offset]


class CapturedEvents(EntryLog):
    """A recorded session as a read-only log (an EntryLog): what the log view, the filter
    and the exporters read, with rows fetched from the capture as they are looked at.

    Its length is the number of rows recorded when it was opened.
    """

    __slots__ = ("session_id",)

    def __init__(
        self, connection: sqlite3.Connection, lock: threading.RLock, session_id: int, count: int
    ) -> None:
        rows = _Rows(connection, lock, session_id, count)
        # EntryLog's fields, lazy: ids and entries are both read through the page cache.
        self._ids = CapturedIds(rows)
        self._entries = CapturedEntries(rows)
        self.session_id = session_id
