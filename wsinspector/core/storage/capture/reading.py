"""A recorded session read lazily: a read-only log whose rows come from SQLite page by page.

Opening a session reads one number (its last key); the first look reads the session's index
(the first row of each chunk, a few hundred numbers for a million messages); a row is read
when somebody looks at it, with the rest of its chunk (packing.py), and kept in a small cache
bounded by payload bytes. So a session of a million messages opens at once and costs a few
megabytes however it is scrolled, filtered (Predicate.scan reads it a chunk at a time) or
exported.
"""

from __future__ import annotations

import sqlite3
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Final, overload

import orjson

from wsinspector.core.log.eventlog import Entry
from wsinspector.core.storage.capture.packing import unpack
from wsinspector.core.storage.capture.schema import ROW_BITS, ROW_MASK
from wsinspector.core.storage.logfiles.codec import from_record
from wsinspector.core.storage.logfiles.common import EntryLog

# Cached chunks are dropped, oldest first, beyond this many payload bytes (at least one kept).
CACHE_BYTES: Final = 32 * 2**20
CACHE_PAGES: Final = 64

_INDEX: Final = "SELECT key, count FROM events WHERE key >= ? AND key <= ? ORDER BY key"
_SELECT: Final = (
    "SELECT event_id, count, conn, text, conns, incoming, sizes, payloads, walls, monos,"
    " wall, record FROM events WHERE key = ?"
)


def _other(conn: int, wall: float, record: str) -> Entry:
    try:
        return from_record(orjson.loads(record))
    except Exception as exc:  # a damaged row must not take the window down
        from wsinspector.core.log.events import NoteEvent

        return NoteEvent(conn, wall, 0.0, f"unreadable recorded event: {exc}")


class _Page:
    """The rows of one database row (a chunk of messages, or one other event), or of a gap
    where rows are missing: rows `first` … `first + len(entries) - 1` of the session."""

    __slots__ = ("entries", "first", "ids", "size")

    def __init__(self, first: int, ids: Sequence[int], entries: list[Entry], size: int) -> None:
        self.first = first
        self.ids = ids
        self.entries = entries
        self.size = size


class _Rows:
    """The rows of one session, read a chunk at a time, shared by the two views below.

    Its index (the first row of each chunk) is read once, on first use; a row is found in
    it by bisection."""

    def __init__(
        self, connection: sqlite3.Connection, lock: threading.RLock, session: int, count: int
    ) -> None:
        self._connection = connection
        self._lock = lock
        self._base = session << ROW_BITS
        self.count = count
        self._firsts: list[int] | None = None
        self._counts: list[int] = []
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._bytes = 0

    def _index(self) -> list[int]:
        if self._firsts is None:
            with self._lock:
                rows = self._connection.execute(
                    _INDEX, (self._base, self._base + max(0, self.count - 1))
                ).fetchall()
            self._firsts = [key & ROW_MASK for key, _ in rows]
            self._counts = [count for _, count in rows]
        return self._firsts

    def page_of(self, row: int) -> _Page:
        """The page holding `row` (0 <= row < count)."""
        firsts = self._index()
        number = bisect_right(firsts, row) - 1
        if number >= 0 and row < firsts[number] + self._counts[number]:
            return self._page(number)
        # Rows never written (a failed write): each shown as missing, keeping places.
        return _Page(row, [0], [_missing(row)], 0)

    def _page(self, number: int) -> _Page:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        first = (self._firsts or [])[number]
        count = self._counts[number]
        with self._lock:
            row = self._connection.execute(_SELECT, (self._base + first,)).fetchone()
        if row is None:  # deleted since
            entries: list[Entry] = [_missing(first + i) for i in range(count)]
            page = _Page(first, [0] * count, entries, 0)
        else:
            event_id, _, conn, text, conns, incoming, sizes, payloads, walls, monos = row[:10]
            wall, record = row[10], row[11]
            if record is not None:
                page = _Page(first, [event_id], [_other(conn, wall, record)], len(record))
            else:
                try:
                    entries = unpack(  # type: ignore[assignment]
                        count, conn, text, conns, incoming, sizes, payloads, walls, monos
                    )
                except (ValueError, TypeError):
                    entries = [_damaged(first + i) for i in range(count)]
                ids = range(event_id, event_id + count)
                page = _Page(first, ids, entries, len(payloads or b""))
        self._pages[number] = page
        self._bytes += page.size
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

    def run(self, start: int, stop: int) -> tuple[_Page, int, int]:
        """The page holding `start`, and the slice of it up to `stop`."""
        page = self.page_of(start)
        offset = start - page.first
        return page, offset, min(len(page.entries), offset + stop - start)


def _damaged(row: int) -> Entry:
    from wsinspector.core.log.events import NoteEvent

    return NoteEvent(0, 0.0, 0.0, f"recorded event {row} is damaged")


def _missing(row: int) -> Entry:
    from wsinspector.core.log.events import NoteEvent

    return NoteEvent(0, 0.0, 0.0, f"recorded event {row} is missing")


def _entries_of(page: _Page) -> Sequence[Entry]:
    return page.entries


def _ids_of(page: _Page) -> Sequence[int]:
    return page.ids


def _read[T](
    rows: _Rows, index: int | slice, column: Callable[[_Page], Sequence[T]]
) -> T | list[T]:
    """One value, or a slice, of a column of the session's pages (entries or ids)."""
    if isinstance(index, slice):
        span = rows.span(index)
        if span.step != 1:
            return [_read(rows, i, column) for i in span]  # type: ignore[misc]
        out: list[T] = []
        position = span.start
        while position < span.stop:
            page, begin, end = rows.run(position, span.stop)
            out += column(page)[begin:end]
            position += end - begin
        return out
    position = rows.index(index)
    page = rows.page_of(position)
    return column(page)[position - page.first]


class _Column[T](Sequence[T]):
    """One column (entries or ids) of a recorded session's pages, as a lazy sequence."""

    __slots__ = ("_column", "_rows")

    def __init__(self, rows: _Rows, column: Callable[[_Page], Sequence[T]]) -> None:
        self._rows = rows
        self._column = column

    def __len__(self) -> int:
        return self._rows.count

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return _read(self._rows, index, self._column)

    def __iter__(self) -> Iterator[T]:
        rows, column = self._rows, self._column
        position = 0
        while position < rows.count:
            page, begin, end = rows.run(position, rows.count)
            yield from column(page)[begin:end]
            position += end - begin


class CapturedEntries(_Column[Entry]):
    """The stored entries of a recorded session (message tuples, event records), lazily."""

    __slots__ = ()

    def __init__(self, rows: _Rows) -> None:
        super().__init__(rows, _entries_of)


class CapturedIds(_Column[int]):
    """The stable ids of a recorded session's events, lazily."""

    __slots__ = ()

    def __init__(self, rows: _Rows) -> None:
        super().__init__(rows, _ids_of)


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
