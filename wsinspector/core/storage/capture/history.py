"""What the History asks of the capture beyond the store: a cheap "did anything change?",
sessions grouped by day, search on a connection of its own, and a session as a profile.

Search runs in a worker thread; SQLite connections belong to one thread, so each search
opens its own (a fraction of a millisecond) and closes it, and the store's connection, which
the log view reads pages through, is never held up by a long scan.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from wsinspector.core.storage.capture.schema import connect
from wsinspector.core.storage.capture.search import SearchHit, search_text
from wsinspector.core.storage.capture.store import CaptureStore, SessionInfo
from wsinspector.core.storage.logfiles import EntryLog, connections_of
from wsinspector.core.websocket.options import ConnectionOptions

# What changes when a session starts, ends or is deleted, and not while messages arrive (the
# writer updates the counts of a session being recorded several times a second).
_SIGNATURE = "SELECT count(*), max(id), count(ended), total(ended), total(id) FROM sessions"

Signature = tuple[object, ...]


def sessions_signature(path: Path | str) -> Signature:
    """A few numbers that change when a session starts, ends or goes; () if unreadable."""
    try:
        connection = connect(path)
    except sqlite3.Error:
        return ()
    try:
        row = connection.execute(_SIGNATURE).fetchone()
        return tuple(row) if row is not None else ()
    except sqlite3.Error:
        return ()
    finally:
        connection.close()


def by_day(
    sessions: Iterable[SessionInfo], today: date | None = None
) -> list[tuple[date, list[SessionInfo]]]:
    """Sessions (newest first) in groups of the local day they started on, newest day first."""
    groups: list[tuple[date, list[SessionInfo]]] = []
    for info in sessions:
        day = datetime.fromtimestamp(info.started).date()
        if groups and groups[-1][0] == day:
            groups[-1][1].append(info)
        else:
            groups.append((day, [info]))
    return groups


def search_capture(
    path: Path | str,
    text: str,
    limit: int = 200,
    cancelled: Callable[[], bool] | None = None,
) -> list[SearchHit]:
    """store.search on a connection of the calling thread (run it in a worker thread)."""
    connection = connect(path)
    try:
        return search_text(connection, text, limit, cancelled)
    finally:
        connection.close()


def session_options(store: CaptureStore, session_id: int) -> ConnectionOptions | None:
    """The options to open a recorded session's connection again, for a profile: the options
    recorded with it (secrets stay "<redacted>" unless they were recorded), else what its
    handshake sent. None when the session is gone or says neither."""
    info = store.session(session_id)
    if info is None:
        return None
    if info.options:
        from wsinspector.core.storage.profiles.format import ProfileFormatError, options_from_json

        with contextlib.suppress(ProfileFormatError):
            return options_from_json(dict(info.options))
    others = [entry for _row, entry in store.other_events(session_id)]
    found = connections_of(EntryLog([0] * len(others), others))
    if found:
        return next(iter(found.values()))
    return ConnectionOptions(uri=info.uri) if info.uri else None
