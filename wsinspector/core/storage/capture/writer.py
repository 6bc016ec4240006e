"""The capture's one writer thread: batches of events in, one transaction per turn out.

Recorders (on the event loop) hand over slices of their log, as the log stores them (message
tuples and the rare event records), and return at once; every row is built and written here:
runs of messages packed into chunks (packing.py), the other events a row each.
Whatever is queued when the thread wakes goes into a single transaction, so a flood costs a
few commits a second whatever its rate.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import orjson

from wsinspector.core.app.background import give_way_to_the_loop
from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import Event
from wsinspector.core.storage.capture.inserting import insert_chunks
from wsinspector.core.storage.capture.packing import CHUNK_ROWS, ChunkRow, pack
from wsinspector.core.storage.capture.schema import ROW_BITS, connect
from wsinspector.core.storage.logfiles.codec import to_record
from wsinspector.core.storage.logfiles.common import redact_event

_LOG = logging.getLogger(__name__)

# How much lower than the window the writer thread runs (Linux nice steps). In a flood on two
# cores the server, the event loop and the writer compete; what the writer has queued waits in
# memory (the log holds the same payloads) and is committed once the flood leaves it a core.
WRITER_NICENESS = 10

INSERT_OTHER: Final = (
    "INSERT INTO events (key, event_id, count, conn, wall, record) VALUES (?, ?, 1, ?, ?, ?)"
)


@dataclass(slots=True)
class EventsJob:
    """Rows `first_row` … of a session: `entries` (as the log stores them) with ids
    `first_id` …; `redact` hides secrets in the events that are not messages."""

    session: int
    first_row: int
    first_id: int
    entries: Sequence[Entry]
    redact: bool


@dataclass(slots=True)
class EndJob:
    """The session ended (or its recording stopped) at `ended` with these words."""

    session: int
    ended: float
    words: str


@dataclass(slots=True)
class Barrier:
    """Done once everything queued before it is committed."""

    done: threading.Event = field(default_factory=threading.Event)


class _Stop:
    pass


Job = EventsJob | EndJob | Barrier | _Stop


@dataclass(slots=True)
class _Totals:
    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    rows: int = 0


class Writer:
    """Owns the thread and its connection. put() from any thread; stop() drains and joins."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        # The last write failure in words ("" while all is well): the disk may fill up.
        self.error = ""
        self.committed_rows = 0
        # Jobs handed over and jobs written (or failed), so a window can tell without waiting
        # whether anything is still to be committed; the lock because put() may be on any thread.
        self._counts_lock = threading.Lock()
        self._handed = 0
        self._written = 0
        self._thread = threading.Thread(target=self._run, name="wsinspector-capture", daemon=True)
        self._thread.start()

    def put(self, job: Job) -> None:
        with self._counts_lock:
            self._handed += 1
        self._queue.put(job)

    @property
    def settled(self) -> bool:
        """True when every job put() so far is written: a sync() would not wait."""
        with self._counts_lock:
            return self._written == self._handed or not self._thread.is_alive()

    def sync(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is committed; False on timeout."""
        if not self._thread.is_alive():
            return True
        barrier = Barrier()
        self._queue.put(barrier)
        return barrier.done.wait(timeout)

    def stop(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._queue.put(_Stop())
            self._thread.join(timeout)

    # -- the thread ----------

    def _run(self) -> None:
        give_way_to_the_loop(WRITER_NICENESS)
        connection = connect(self._path)
        try:
            while True:
                jobs = [self._queue.get()]
                while True:
                    try:
                        jobs.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._write(connection, jobs)
                with self._counts_lock:  # sync()'s barriers and stop() are not put()
                    self._written += sum(isinstance(job, EventsJob | EndJob) for job in jobs)
                for job in jobs:
                    if isinstance(job, Barrier):
                        job.done.set()
                if any(isinstance(job, _Stop) for job in jobs):
                    return
        finally:
            connection.close()

    def _write(self, connection: sqlite3.Connection, jobs: list[Job]) -> None:
        totals: dict[int, _Totals] = {}
        ends = [job for job in jobs if isinstance(job, EndJob)]
        work = [job for job in jobs if isinstance(job, EventsJob)]
        if not work and not ends:
            return
        try:
            connection.execute("BEGIN IMMEDIATE")
            for job in work:
                self._insert(connection, job, totals.setdefault(job.session, _Totals()))
            for session, total in totals.items():
                connection.execute(
                    "UPDATE sessions SET messages_in = messages_in + ?,"
                    " messages_out = messages_out + ?, bytes_in = bytes_in + ?,"
                    " bytes_out = bytes_out + ?, events = events + ? WHERE id = ?",
                    (
                        total.messages_in,
                        total.messages_out,
                        total.bytes_in,
                        total.bytes_out,
                        total.rows,
                        session,
                    ),
                )
            for end in ends:
                connection.execute(
                    "UPDATE sessions SET ended = ?, end_words = ? WHERE id = ?",
                    (end.ended, end.words, end.session),
                )
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            self.error = f"recording failed: {exc}"
            _LOG.warning("capture: %s", self.error)
            return
        self.error = ""
        self.committed_rows += sum(total.rows for total in totals.values())

    @staticmethod
    def _insert(connection: sqlite3.Connection, job: EventsJob, total: _Totals) -> None:
        entries = job.entries
        base = job.session << ROW_BITS
        start = 0
        # Where the events that are not messages are: found at C speed, as they are rare.
        types = list(map(type, entries))
        others = (
            []
            if types.count(tuple) == len(types)
            else [index for index, kind in enumerate(types) if kind is not tuple]
        )
        chunks: list[ChunkRow] = []
        for stop in [*others, len(entries)]:
            # A run of messages: packed into chunks at C speed, a chunk's worth at a time. Each
            # C call holds the GIL throughout, and a flood's hand-over is tens of thousands of
            # messages: packed whole, the event loop waited for it 10-30 ms (issue 20).
            for first in range(start, stop, CHUNK_ROWS):
                last = min(stop, first + CHUNK_ROWS)
                rows, messages_in, bytes_in, size = pack(
                    entries[first:last],  # type: ignore[arg-type]
                    base + job.first_row + first,
                    job.first_id + first,
                )
                chunks += rows
                total.messages_in += messages_in
                total.messages_out += last - first - messages_in
                total.bytes_in += bytes_in
                total.bytes_out += size - bytes_in
                time.sleep(0)  # the GIL to whoever waits for it (the event loop)
            if stop < len(entries):
                if chunks:  # rows go in key order
                    insert_chunks(connection, chunks)
                    chunks = []
                event: Event = entries[stop]  # type: ignore[assignment]
                stored = redact_event(event) if job.redact else event
                connection.execute(
                    INSERT_OTHER,
                    (
                        base + job.first_row + stop,
                        job.first_id + stop,
                        event.conn,
                        event.wall,
                        orjson.dumps(to_record(stored, job.first_id + stop)).decode(),
                    ),
                )
            start = stop + 1
        if chunks:
            insert_chunks(connection, chunks)
        total.rows += len(entries)
