"""The capture store: every recorded session in one SQLite file, and what the History asks of it.

    store = CaptureStore.open_default()            # data_dir()/capture.sqlite3
    recorder = store.start_recording(log, uri=..., profile=..., options=...)
    ...                                            # the connection runs; the log grows
    recorder.stop()                                # or it stops by itself when the connection ends
    for info in store.sessions(): ...              # newest first
    events = store.session_events(info.id)         # a lazy, read-only log for the log view
    hits = store.search("needle", limit=200)       # across every session's text messages
    store.close()

Writes go through one writer thread (see writer.py); everything else here runs on the
caller's thread over a second connection, guarded by a lock, so a History in the window and a
page's export may both read. Several processes may share the file (the window and a headless
`wsinspector record`): SQLite's WAL mode lets them.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson

from wsinspector.core.app.paths import data_dir
from wsinspector.core.log.eventlog import Entry, EventLog
from wsinspector.core.storage.capture.reading import CapturedEvents
from wsinspector.core.storage.capture.recorder import Recorder
from wsinspector.core.storage.capture.schema import (
    BUSY_TIMEOUT_MS,
    FILE_NAME,
    ROW_BITS,
    ROW_MASK,
    Opened,
    open_database,
)
from wsinspector.core.storage.capture.search import SearchHit, search_text
from wsinspector.core.storage.capture.wording import capture_set_aside_words, retention_words
from wsinspector.core.storage.capture.writer import Writer
from wsinspector.core.storage.logfiles.codec import from_record
from wsinspector.core.storage.logfiles.common import redact_headers, redact_uri
from wsinspector.core.websocket.options import ConnectionOptions

DEFAULT_MAX_BYTES: Final = 2 * 2**30
DEFAULT_MAX_AGE_DAYS: Final = 30.0
_DAY: Final = 86_400.0
# After a delete, the file is rewritten without its freed pages (VACUUM) when what is left
# is at most this much: a rewrite costs what is left (tens of milliseconds for this much, on
# the thread that deleted), and what is freed beside more stays for later sessions to reuse.
COMPACT_AT_MOST: Final = 32 * 2**20


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One recorded session, as the History lists it.

    `ended` is None while it is being recorded, or when the recording process was killed;
    `end_words` say how it ended ("Closed by the server: 1000 normal closure", "Failed: …").
    """

    id: int
    uri: str
    profile: str
    started: float
    ended: float | None
    messages_in: int
    messages_out: int
    bytes_in: int
    bytes_out: int
    events: int
    end_words: str
    options: Mapping[str, object]
    redacted: bool
    # True while a process (this one or another) is recording it; a session with no end and
    # no recording process left was cut short.
    recording: bool = False


@dataclass(frozen=True, slots=True)
class Retention:
    """How much the capture keeps: at most `max_bytes`, nothing older than `max_age_days`
    (None: no limit). The oldest sessions go first."""

    max_bytes: int | None = DEFAULT_MAX_BYTES
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS


def options_record(options: ConnectionOptions | None, *, redact: bool) -> dict[str, object]:
    """The options as the profiles file writes them, secrets redacted unless `redact` is off."""
    if options is None:
        return {}
    from wsinspector.core.storage.profiles.format import options_to_json

    record = dict(options_to_json(options))
    if redact:
        record["uri"] = redact_uri(options.uri)
        record["headers"] = [list(pair) for pair in redact_headers(options.headers)]
    return record


_SESSION_COLUMNS: Final = (
    "id, uri, profile, started, ended, messages_in, messages_out, bytes_in, bytes_out,"
    " events, end_words, options, redacted, pid"
)


# (capture file, session id) of every session this process records, whichever store records
# it: another window's store on the same file must not call them cut short.
_RECORDING_HERE: set[tuple[str, int]] = set()


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user counts as running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _session(row: tuple[object, ...], path: str) -> SessionInfo:
    try:
        options = orjson.loads(row[11])  # type: ignore[arg-type]
    except orjson.JSONDecodeError:
        options = {}
    return SessionInfo(
        id=row[0],  # type: ignore[arg-type]
        uri=row[1],  # type: ignore[arg-type]
        profile=row[2],  # type: ignore[arg-type]
        started=row[3],  # type: ignore[arg-type]
        ended=row[4],  # type: ignore[arg-type]
        messages_in=row[5],  # type: ignore[arg-type]
        messages_out=row[6],  # type: ignore[arg-type]
        bytes_in=row[7],  # type: ignore[arg-type]
        bytes_out=row[8],  # type: ignore[arg-type]
        events=row[9],  # type: ignore[arg-type]
        end_words=row[10],  # type: ignore[arg-type]
        options=options if isinstance(options, dict) else {},
        redacted=bool(row[12]),
        recording=row[4] is None and _still_recording(row[0], row[13], path),  # type: ignore[arg-type]
    )


def _still_recording(session_id: int, pid: int | None, path: str) -> bool:
    if pid is None:  # recorded before sessions named their process: can't tell
        return True
    if pid == os.getpid():
        return (path, session_id) in _RECORDING_HERE
    return process_alive(pid)


def _release(writer: Writer, connection: sqlite3.Connection) -> None:
    writer.stop(5.0)
    connection.close()


class CaptureStore:
    """The capture database of one process (open one per window; close it on quit)."""

    def __init__(self, opened: Opened, retention: Retention | None = None) -> None:
        self.path = opened.path
        self.retention = retention or Retention()
        # Words for the window when the file found was unusable and set aside ("" if not).
        self.problem = (
            capture_set_aside_words(str(opened.path), opened.problem, str(opened.set_aside))
            if opened.set_aside is not None
            else ""
        )
        self.set_aside = opened.set_aside
        self._connection = opened.connection
        self._lock = threading.RLock()
        # Space a delete could not give back (the file was busy then, or an earlier version
        # deleted without compacting) comes back at the next opening: before the writer
        # thread starts, whose first statements on the file would make the compaction give up.
        self._compact_if_small()
        self._writer = Writer(str(opened.path))
        self._recorders: set[Recorder] = set()
        self._closed = False
        # A store dropped without close() (a window deleted unclosed) still commits what was
        # queued and closes its file, quietly.
        self._finalizer = weakref.finalize(self, _release, self._writer, self._connection)

    # -- opening and closing ----------

    @classmethod
    def open(cls, path: str | Path, retention: Retention | None = None) -> CaptureStore:
        """Open the capture at `path`, creating it; an unusable file is set aside (see
        `problem`). schema.CaptureFileError if no database can be made there at all."""
        return cls(open_database(Path(path)), retention)

    @classmethod
    def open_default(cls, retention: Retention | None = None) -> CaptureStore:
        """The user's capture: data_dir()/capture.sqlite3 (WSINSPECTOR_DATA_DIR when set)."""
        return cls.open(data_dir() / FILE_NAME, retention)

    def close(self, timeout: float = 5.0) -> None:
        """Stop every recording (writing its end), commit everything and close the file."""
        if self._closed:
            return
        for recorder in list(self._recorders):
            recorder.stop("recording stopped: the app quit", wait=None)
        self._writer.stop(timeout)
        with self._lock:
            self._connection.close()
        self._finalizer.detach()
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def write_error(self) -> str:
        """Why the last write failed (a full disk …), or "" while recording works."""
        return self._writer.error

    def sync(self, timeout: float | None = 5.0) -> bool:
        """Hand over what every recording has and wait until it is committed (call it where
        the logs are appended to); False on timeout. Blocks: a window awaits synced()."""
        self._hand_over()
        return self._writer.sync(timeout)

    async def synced(self, timeout: float | None = 5.0) -> bool:
        """sync() without blocking the event loop: the hand-over happens here, on the loop the
        logs are appended on, and the wait in a worker thread (the writer may be busy with a
        flood, or waiting for another process's write lock, for seconds)."""
        self._hand_over()
        return await asyncio.to_thread(self._writer.sync, timeout)

    def settled(self) -> bool:
        """Hand over what every recording has; True when all of it is committed already, so
        that reading now misses nothing and sync() would not wait."""
        self._hand_over()
        return self._writer.settled

    def _hand_over(self) -> None:
        for recorder in list(self._recorders):
            recorder.flush()

    # -- recording ----------

    def start_recording(
        self,
        log: EventLog,
        *,
        uri: str,
        profile: str = "",
        options: ConnectionOptions | None = None,
        redact_secrets: bool = True,
        until_end: bool = True,
        from_id: int | None = None,
    ) -> Recorder:
        """Record what `log` gets from now on as a new session; returns its Recorder.

        Call it where the log is appended to (the event loop), just before the connection
        starts. With `until_end` the recording stops by itself when the connection ends
        (closed or failed, after any reconnects); recorder.stop() stops it sooner. Secret
        headers and query values in the options and events are stored as "<redacted>"
        unless `redact_secrets` is False. `from_id` starts the recording at an event already
        in the log (e.g. the state event that begins the connection) instead of the next one.
        """
        record = options_record(options, redact=redact_secrets)
        stored_uri = redact_uri(uri) if redact_secrets else uri
        with self._lock:
            cursor = self._connection.execute(
                "INSERT INTO sessions (uri, profile, started, options, redacted, pid)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    stored_uri,
                    profile,
                    time.time(),
                    orjson.dumps(record).decode(),
                    redact_secrets,
                    os.getpid(),
                ),
            )
            session_id = cursor.lastrowid
        assert session_id is not None
        recorder = Recorder(
            self._writer,
            log,
            session_id,
            redact=redact_secrets,
            until_end=until_end,
            from_id=from_id,
            on_stopped=self._recording_stopped,
        )
        self._recorders.add(recorder)
        _RECORDING_HERE.add((str(self.path), session_id))
        return recorder

    def _recording_stopped(self, recorder: Recorder) -> None:
        self._recorders.discard(recorder)
        _RECORDING_HERE.discard((str(self.path), recorder.session_id))

    # -- reading ----------

    def sessions(self) -> list[SessionInfo]:
        """Every recorded session, newest first."""
        with self._lock:
            rows = self._connection.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY started DESC, id DESC"
            ).fetchall()
        return [_session(row, str(self.path)) for row in rows]

    def session(self, session_id: int) -> SessionInfo | None:
        with self._lock:
            row = self._connection.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return _session(row, str(self.path)) if row is not None else None

    def session_events(self, session_id: int) -> CapturedEvents:
        """The events of a session as recorded so far: a lazy, read-only log (rows are read
        as they are looked at). KeyError for a session that is not (or no longer) there."""
        base = session_id << ROW_BITS
        with self._lock:
            exists = self._connection.execute(
                "SELECT 1 FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            # The last chunk (or other event): its first row and how many it holds.
            last = self._connection.execute(
                "SELECT key, count FROM events WHERE key >= ? AND key <= ?"
                " ORDER BY key DESC LIMIT 1",
                (base, base | ROW_MASK),
            ).fetchone()
        if exists is None:
            raise KeyError(f"no recorded session {session_id}")
        count = 0 if last is None else (last[0] & ROW_MASK) + last[1]
        return CapturedEvents(self._connection, self._lock, session_id, count)

    def other_events(self, session_id: int) -> list[tuple[int, Entry]]:
        """(row, event) of the session's events that are not messages (state, handshake,
        close …), found through their own small index: no scan of the messages."""
        base = session_id << ROW_BITS
        with self._lock:
            rows = self._connection.execute(
                "SELECT key, record FROM events WHERE record IS NOT NULL"
                " AND key >= ? AND key <= ? ORDER BY key",
                (base, base | ROW_MASK),
            ).fetchall()
        found: list[tuple[int, Entry]] = []
        for key, record in rows:
            try:
                found.append((key & ROW_MASK, from_record(orjson.loads(record))))
            except Exception:  # a damaged row: left out here, shown as such in the log
                continue
        return found

    def search(
        self, text: str, limit: int = 200, cancelled: Callable[[], bool] | None = None
    ) -> list[SearchHit]:
        """Text messages of every session containing `text` (case-insensitive), newest first."""
        with self._lock:
            return search_text(self._connection, text, limit, cancelled)

    # -- deleting and retention ----------

    def delete_session(self, session_id: int) -> None:
        """Remove a session and its events; one being recorded stops recording first."""
        for recorder in list(self._recorders):
            if recorder.session_id == session_id:
                recorder.stop("recording stopped: the session was deleted")
        self._delete([session_id])
        self._compact_if_small()

    def clear(self) -> None:
        """Remove every session that is not being recorded."""
        with self._lock:
            ids = [row[0] for row in self._connection.execute("SELECT id FROM sessions")]
        active = {recorder.session_id for recorder in self._recorders}
        self._delete([i for i in ids if i not in active])
        self._compact_if_small()

    def _delete(self, ids: list[int]) -> None:
        if not ids:
            return
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                for session_id in ids:
                    base = session_id << ROW_BITS
                    connection.execute(
                        "DELETE FROM events WHERE key >= ? AND key <= ?", (base, base | ROW_MASK)
                    )
                    connection.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def _compact_if_small(self) -> None:
        """The file without the pages the deletes freed, when what is left is small.

        The capture has no auto-vacuum (schema.connect says why), so a delete alone never
        shrinks the file: after Clear history it kept every byte it ever held. VACUUM copies
        what is left into a new file's worth of pages; the checkpoint that follows cuts the
        file to them. Neither waits: a recording's writer (this process's or another's) or a
        reader of an older snapshot holding the file makes them give up, and the pages stay
        free for the next sessions as before.
        """
        with self._lock:
            connection = self._connection
            page_size, pages, free = (
                connection.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("page_size", "page_count", "freelist_count")
            )
            if not free or (pages - free) * page_size > COMPACT_AT_MOST:
                return
            connection.execute("PRAGMA busy_timeout = 0")
            try:
                connection.execute("VACUUM")
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError:  # busy or locked: someone is using the file
                pass
            finally:
                connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def size(self) -> int:
        """Bytes in use by the capture (pages holding data, the WAL aside)."""
        with self._lock:
            pages = self._connection.execute("PRAGMA page_count").fetchone()[0]
            free = self._connection.execute("PRAGMA freelist_count").fetchone()[0]
            page_size = self._connection.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * page_size)

    def apply_retention(self, now: float | None = None) -> str:
        """Delete sessions beyond the age limit, then the oldest until the size fits.

        Sessions being recorded are kept. Returns what was removed in words (also kept for
        retention_note()), or "" when nothing was.
        """
        limits = self.retention
        now = time.time() if now is None else now
        active = {recorder.session_id for recorder in self._recorders}
        by_age: list[int] = []
        if limits.max_age_days is not None:
            cutoff = now - limits.max_age_days * _DAY
            with self._lock:
                by_age = [
                    row[0]
                    for row in self._connection.execute(
                        "SELECT id FROM sessions WHERE started < ? ORDER BY started", (cutoff,)
                    )
                    if row[0] not in active
                ]
            self._delete(by_age)
        by_size: list[int] = []
        if limits.max_bytes is not None and self.size() > limits.max_bytes:
            with self._lock:
                oldest = [
                    row[0]
                    for row in self._connection.execute(
                        "SELECT id FROM sessions ORDER BY started, id"
                    )
                    if row[0] not in active
                ]
            for session_id in oldest:
                if self.size() <= limits.max_bytes:
                    break
                self._delete([session_id])
                by_size.append(session_id)
        if by_age or by_size:
            self._compact_if_small()  # once, after the last delete
        words = retention_words(
            len(by_age), len(by_size), limits.max_age_days or 0, limits.max_bytes or 0
        )
        if words:
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(now))
            self._set_meta("retention_note", f"{stamp}: {words}")
        return words

    def retention_note(self) -> str:
        """What retention last removed, with when ("" if it never removed anything)."""
        return self._meta("retention_note")

    def _meta(self, name: str) -> str:
        with self._lock:
            row = self._connection.execute(
                "SELECT value FROM meta WHERE name = ?", (name,)
            ).fetchone()
        return str(row[0]) if row is not None else ""

    def _set_meta(self, name: str, value: str) -> None:
        with self._lock:
            self._connection.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
