"""The capture database's file: its schema, its versions and migrations, and what is done with a
file that can't be used.

Version history (PRAGMA user_version):
  1: sessions, events (a row per message, other events as JSON Lines records), meta.
  2: messages packed, a run of them per row (packing.py); other events keep a row each.
  3: sessions.pid, the recording process: a session with no end whose process is gone was
     cut short (killed), not still recording.

Rows of events are keyed `session << 32 | row` (of their first event): a session's rows lie
together in the table's own B-tree (no second index to keep up while recording), the chunk
holding an event is the last key at or before its place, and a session is read or deleted as
one range of keys.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from wsinspector.core.app.errors import UserError
from wsinspector.core.app.private_files import keep_private
from wsinspector.core.storage.capture.migration import repack_v1

SCHEMA_VERSION: Final = 3
FILE_NAME: Final = "capture.sqlite3"

# Rows of one session: keys session << ROW_BITS | row.
ROW_BITS: Final = 32
ROW_MASK: Final = (1 << ROW_BITS) - 1

# How long a connection waits for another one's write (the writer thread's transactions
# last milliseconds; a delete of a big session may take a second).
BUSY_TIMEOUT_MS: Final = 10_000

_SESSIONS: Final = (
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uri TEXT NOT NULL,
        profile TEXT NOT NULL DEFAULT '',
        started REAL NOT NULL,
        ended REAL,
        messages_in INTEGER NOT NULL DEFAULT 0,
        messages_out INTEGER NOT NULL DEFAULT 0,
        bytes_in INTEGER NOT NULL DEFAULT 0,
        bytes_out INTEGER NOT NULL DEFAULT 0,
        events INTEGER NOT NULL DEFAULT 0,
        end_words TEXT NOT NULL DEFAULT '',
        options TEXT NOT NULL DEFAULT '{}',
        redacted INTEGER NOT NULL DEFAULT 1,
        pid INTEGER
    )
    """,
    "CREATE INDEX sessions_started ON sessions(started)",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

# key: session << 32 | row of the first event. A chunk of messages (packing.py) fills the
# columns from count to monos and leaves record NULL; another event (rare) has count 1, its
# JSON Lines record, and the message columns NULL.
_EVENTS_V2: Final = (
    """
    CREATE TABLE events (
        key INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL,
        count INTEGER NOT NULL,
        conn INTEGER NOT NULL,
        text INTEGER,
        conns BLOB,
        incoming BLOB,
        sizes BLOB,
        payloads BLOB,
        walls BLOB,
        monos BLOB,
        wall REAL NOT NULL,
        record TEXT
    )
    """,
    # Only the rare non-message events: the handshake of a million-message session is
    # found without a scan, and recording costs no index entry.
    "CREATE INDEX events_others ON events(key) WHERE record IS NOT NULL",
)


def _v1_to_v2(connection: sqlite3.Connection) -> None:
    """Repack version 1's row per message into chunks, session by session."""
    repack_v1(connection, _EVENTS_V2)


def _create(connection: sqlite3.Connection) -> None:
    for statement in (*_SESSIONS, *_EVENTS_V2):
        connection.execute(statement)


def _v2_to_v3(connection: sqlite3.Connection) -> None:
    """Sessions name the process recording them (unknown for the ones already there)."""
    connection.execute("ALTER TABLE sessions ADD COLUMN pid INTEGER")


# MIGRATIONS[n] takes a database of version n to version n + 1; a new file (version 0) is
# made at the current version at once.
MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
}


class CaptureFileError(UserError):
    """The capture file can't be used (not a database, damaged, too new, not readable)."""


@dataclass(frozen=True, slots=True)
class Opened:
    """A database ready for use, and what was done to get it."""

    connection: sqlite3.Connection
    path: Path
    set_aside: Path | None = None
    problem: str = ""


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection with the settings every user of the file shares (WAL, autocommit)."""
    connection = sqlite3.connect(
        os.fspath(path), isolation_level=None, check_same_thread=False, timeout=0
    )
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # No auto-vacuum: the pages of removed sessions stay in the file and are reused by
        # the next ones. Incremental auto-vacuum (set before WAL mode, in a new file) let the
        # file shrink, but its pointer maps made each commit of a recording flood heavier:
        # the loop's lag p99 passed 16 ms in 3 of 9 Node floods, never without it (README,
        # Performance, issue 20's fourth pass). And asking for it of a file with pages
        # waits for the write lock, which a recording's writer holds through each commit.
        connection.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL loses nothing committed when the process is killed; only a
        # power cut may take the last transactions (and never damages the file).
        connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CaptureFileError(
            f"it was written by a newer wsinspector (capture format {version}; this one"
            f" reads up to {SCHEMA_VERSION})"
        )
    if version == SCHEMA_VERSION:
        return
    if version == 0:
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise CaptureFileError("it is an SQLite database of some other program")
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated it while this one waited for the lock.
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            _create(connection)
            version = SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](connection)
            version += 1
        connection.execute(f"PRAGMA user_version = {version}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _open_checked(path: Path) -> sqlite3.Connection:
    try:
        connection = connect(path)
    except sqlite3.Error as exc:
        raise CaptureFileError(f"it can't be opened ({exc})") from None
    try:
        _migrate(connection)
        # Reading the tables proves more than the header: a damaged first page fails here.
        connection.execute("SELECT count(*) FROM sessions").fetchone()
    except CaptureFileError:
        connection.close()
        raise
    except sqlite3.Error as exc:
        connection.close()
        raise CaptureFileError(f"it is damaged or not a capture database ({exc})") from None
    return connection


def set_aside_path(path: Path, now: float | None = None) -> Path:
    """Where an unusable file goes: beside it, named with the time it was set aside."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    candidate = path.with_name(f"{path.stem}.unusable-{stamp}{path.suffix}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}.unusable-{stamp}-{number}{path.suffix}")
    return candidate


def keep_capture_private(path: Path) -> None:
    """The capture holds every message's payload, whatever the redaction of headers and query
    values leaves in it (a login message's password, a token in a JSON body): the user's
    alone, with its -wal and -shm files (SQLite gives them the main file's mode)."""
    keep_private(path)
    for suffix in ("-wal", "-shm"):
        keep_private(path.with_name(path.name + suffix), create=False)


def open_database(path: Path, rename: Callable[[Path, Path], None] = os.replace) -> Opened:
    """Open (creating and migrating as needed) the capture database at `path`.

    A file that can't be used is renamed beside it (with its -wal and -shm files) and a new
    database is started; Opened.problem says why in words and Opened.set_aside where it went.
    CaptureFileError when even a new database can't be made there (a folder without write
    permission).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    keep_capture_private(path)
    try:
        return Opened(_open_checked(path), path)
    except CaptureFileError as exc:
        problem = str(exc)
    aside = set_aside_path(path)
    try:
        rename(path, aside)
    except OSError as exc:
        raise CaptureFileError(
            f"{path} can't be used: {problem}; and it can't be set aside: {exc.strerror or exc}"
        ) from None
    for suffix in ("-wal", "-shm"):
        companion = Path(os.fspath(path) + suffix)
        if companion.exists():
            with contextlib.suppress(OSError):
                rename(companion, Path(os.fspath(aside) + suffix))
    keep_capture_private(path)
    return Opened(_open_checked(path), path, aside, problem)
