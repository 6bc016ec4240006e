"""Chunk rows into the events table: one way for the writer thread and the migration.

A chunk whose payloads are Parts (big messages, packing.py) gets its room reserved with
zeroblob() and its payloads written one by one through SQLite's incremental blob I/O, which
Python's sqlite3 runs with the GIL released: the event loop goes on receiving meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

from wsinspector.core.storage.capture.packing import CHUNK_COLUMNS, PAYLOADS_COLUMN, ChunkRow, Parts


def _insert(payloads: str) -> str:
    values = ["?"] * len(CHUNK_COLUMNS.split(","))
    values[PAYLOADS_COLUMN] = payloads
    return f"INSERT INTO events ({CHUNK_COLUMNS}) VALUES ({', '.join(values)})"


INSERT_CHUNK: Final = _insert("?")
_RESERVE_CHUNK: Final = _insert("zeroblob(?)")


def insert_chunks(connection: sqlite3.Connection, rows: Sequence[ChunkRow]) -> None:
    """Insert `rows` in their order (key order: appended to the table's b-tree)."""
    joined: list[ChunkRow] = []
    for row in rows:
        parts = row[PAYLOADS_COLUMN]
        if not isinstance(parts, Parts):
            joined.append(row)
            continue
        if joined:
            connection.executemany(INSERT_CHUNK, joined)
            joined = []
        connection.execute(
            _RESERVE_CHUNK, (*row[:PAYLOADS_COLUMN], parts.size, *row[PAYLOADS_COLUMN + 1 :])
        )
        with connection.blobopen("events", "payloads", row[0]) as blob:
            for payload in parts.payloads:
                blob.write(payload)
    if joined:
        connection.executemany(INSERT_CHUNK, joined)
