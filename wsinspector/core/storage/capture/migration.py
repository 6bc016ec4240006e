"""Version 1 → 2 of the capture: a row per message repacked into chunks (packing.py).

Runs once, inside the migration's transaction: the old table is read in key order and its
runs of consecutive messages (consecutive rows and ids of one session) are packed as the
writer packs them now; the other events keep a row each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

from wsinspector.core.log.eventlog import MessageEntry
from wsinspector.core.storage.capture.inserting import insert_chunks
from wsinspector.core.storage.capture.packing import CHUNK_ROWS, ChunkRow, pack

_INSERT_OTHER: Final = (
    "INSERT INTO events (key, event_id, count, conn, wall, record) VALUES (?, ?, 1, ?, ?, ?)"
)
# Messages packed at a time (then written, so memory stays small).
_RUN: Final = 8 * CHUNK_ROWS


def repack_v1(connection: sqlite3.Connection, events_v2: Sequence[str]) -> None:
    connection.execute("DROP INDEX events_others")
    connection.execute("ALTER TABLE events RENAME TO events_v1")
    for statement in events_v2:
        connection.execute(statement)
    run: list[MessageEntry] = []
    first_key = first_id = 0

    def flush() -> None:
        if run:
            rows: list[ChunkRow] = pack(run, first_key, first_id)[0]
            insert_chunks(connection, rows)
            run.clear()

    cursor = connection.execute(
        "SELECT key, event_id, conn, incoming, text, payload, wall, mono, record"
        " FROM events_v1 ORDER BY key"
    )
    for key, event_id, conn, incoming, text, payload, wall, mono, record in cursor:
        if record is not None:
            flush()
            connection.execute(_INSERT_OTHER, (key, event_id, conn, wall, record))
            continue
        follows = (
            run
            and key == first_key + len(run)
            and event_id == first_id + len(run)
            and key >> 32 == first_key >> 32
        )
        if not follows or len(run) >= _RUN:
            flush()
            first_key, first_id = key, event_id
        run.append((conn, incoming == 1, text == 1, bytes(payload or b""), wall, mono))
    flush()
    connection.execute("DROP TABLE events_v1")
