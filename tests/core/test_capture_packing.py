"""Messages stored packed (a run of them per database row): a session reads back exactly across
chunk boundaries, search finds matches inside a chunk and only within one payload, and a
version 1 capture (a row per message) is repacked when opened."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import orjson
import pytest

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, NoteEvent, StateEvent
from wsinspector.core.storage.capture import SCHEMA_VERSION, CaptureStore
from wsinspector.core.storage.capture.packing import CHUNK_BYTES, CHUNK_ROWS
from wsinspector.core.storage.logfiles.codec import to_record


@pytest.fixture
def store(tmp_path: Path) -> CaptureStore:
    capture = CaptureStore.open(tmp_path / "capture.sqlite3")
    yield capture  # type: ignore[misc]
    capture.close()


def ids_of(log: EventLog) -> list[int]:
    return list(range(log.first_id, log.next_id))


def rows_in_file(store: CaptureStore) -> int:
    with sqlite3.connect(store.path) as connection:
        count: int = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    connection.close()
    return count


def mixed_log(log: EventLog) -> None:
    """Text and binary runs longer than a chunk, a message bigger than a chunk's bytes, runs
    of big messages, a second connection's messages inside a run, and other events between
    messages."""
    wall, mono = 1_700_000_000.0, 100.0
    log.append(StateEvent(1, wall, mono, ConnState.OPEN, uri="ws://h/"))
    for n in range(CHUNK_ROWS + 700):
        log.append_message(1, n % 3 == 0, True, f"text {n} é".encode(), wall + n, mono + n / 7)
    for n in range(CHUNK_ROWS * 2 + 5):
        data = bytes([n % 256, 0, 255]) * (n % 5)  # empty ones too
        log.append_message(1 + n % 2, n % 2 == 0, False, data, wall - n, mono)
    log.append_message(1, True, True, b"x" * (CHUNK_BYTES + 10), wall, mono)
    log.append_message(1, True, True, b"after the big one", wall, mono)
    for n in range(160):  # big ones: their chunks are written a payload at a time
        size = 9_000 + 97 * n
        text = n < 100
        data = (chr(65 + n % 26) * size).encode() if text else bytes([n % 256, 7]) * (size // 2)
        log.append_message(1, n % 2 == 0, text, data, wall + n, mono + n)
    log.append(NoteEvent(1, wall, mono, "between"))
    log.append_message(1, False, False, b"\x00\x01", wall, mono)
    log.append(NoteEvent(1, wall, mono, "right after"))
    log.append(NoteEvent(1, wall, mono, "and another"))
    for n in range(10):
        log.append_message(1, True, True, f"tail {n}".encode(), wall, mono)


def test_a_mixed_session_reads_back_exactly_across_chunk_boundaries(
    store: CaptureStore,
) -> None:
    log = EventLog(None)
    recorder = store.start_recording(log, uri="ws://h/", until_end=False)
    mixed_log(log)
    recorder.stop()
    events = store.session_events(recorder.session_id)
    entries = list(log.entries())
    assert len(events) == len(entries)
    # Packed: far fewer rows than events.
    assert rows_in_file(store) < len(entries) // 100
    stored = events.entries()
    assert list(stored) == entries  # message tuples equal field for field, in order
    assert list(events.ids) == list(ids_of(log))
    for start, stop in ((CHUNK_ROWS - 3, CHUNK_ROWS + 3), (0, len(entries)), (5, 4200)):
        assert stored[start:stop] == entries[start:stop]
        assert events.ids[start:stop] == ids_of(log)[start:stop]
    for index in (0, 1, CHUNK_ROWS, CHUNK_ROWS + 1, len(entries) - 15, -1):
        assert stored[index] == entries[index]
        assert events.ids[index] == ids_of(log)[index]
    (info,) = store.sessions()
    messages = [e for e in entries if type(e) is tuple]
    assert info.messages_in == sum(1 for m in messages if m[1])
    assert info.bytes_in + info.bytes_out == sum(len(m[3]) for m in messages)
    others = store.other_events(recorder.session_id)
    assert [row for row, _ in others] == [
        row for row, entry in enumerate(entries) if type(entry) is not tuple
    ]
    notes = [e.text for _, e in others if isinstance(e, NoteEvent)]
    assert notes == ["between", "right after", "and another"]
    assert [stored[row] for row, _ in others] == [entries[row] for row, _ in others]


def test_search_finds_a_match_inside_a_chunk_and_never_across_two_payloads(
    store: CaptureStore,
) -> None:
    log = EventLog(None)
    recorder = store.start_recording(log, uri="ws://h/", until_end=False)
    for n in range(1000):
        log.append_message(1, n % 2 == 0, True, f"row {n};".encode(), 1000.0 + n, 0.0)
    # "ab" + "cd": the chunk's bytes hold "abcd", no message does; the search goes on
    # in the same chunk and finds the real one after it.
    log.append_message(1, True, True, b"xxab", 5000.0, 0.0)
    log.append_message(1, False, True, b"cdyy", 5001.0, 0.0)
    log.append_message(1, True, True, b"a text with a NUL \x00 in it", 5002.0, 0.0)
    log.append_message(1, False, True, b"then ABCD here", 5003.0, 0.0)
    log.append_message(1, True, False, b"binary abcd is not searched", 5004.0, 0.0)
    log.append_message(1, True, True, b"and abcd at the end", 5005.0, 0.0)
    recorder.stop()
    assert rows_in_file(store) == 3  # text, the binary one, text
    hits = store.search("row 517;")
    assert [(h.row, h.event_id, h.wall, h.incoming) for h in hits] == [
        (517, ids_of(log)[517], 1517.0, False)
    ]
    (hit,) = hits
    assert hit.preview[hit.match_start : hit.match_start + hit.match_length] == "row 517;"
    found = store.search("abcd")
    assert [h.row for h in found] == [1003, 1005]
    assert found[0].preview == "then ABCD here" and found[0].match_start == 5
    assert store.search(";row") == []  # across every pair of payloads, never within one
    # A NUL character in a text message hides nothing after it in its chunk (SQLite's LIKE
    # would stop there).
    assert [h.row for h in store.search("THEN abcd")] == [1003]


def test_search_without_ascii_letters_matches_inside_chunks_with_case_folding(
    store: CaptureStore,
) -> None:
    log = EventLog(None)
    recorder = store.start_recording(log, uri="ws://h/", until_end=False)
    for n in range(300):
        log.append_message(1, True, True, f"gruss {n}".encode(), 0.0, 0.0)
    log.append_message(1, True, True, "Grüße aus STRASSE".encode(), 0.0, 0.0)
    recorder.stop()
    assert [h.row for h in store.search("STRAßE")] == [300]
    assert [h.row for h in store.search("grÜSSE")] == [300]


V1_DDL = (
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
        redacted INTEGER NOT NULL DEFAULT 1
    )
    """,
    "CREATE INDEX sessions_started ON sessions(started)",
    """
    CREATE TABLE events (
        key INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL,
        conn INTEGER NOT NULL,
        incoming INTEGER,
        text INTEGER,
        payload BLOB,
        wall REAL NOT NULL,
        mono REAL NOT NULL,
        record TEXT
    )
    """,
    "CREATE INDEX events_others ON events(key) WHERE record IS NOT NULL",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def write_v1(path: Path, logs: list[EventLog], jump: int = 0) -> None:
    """A capture as version 1 wrote it: a row per event, keyed session << 32 | row; the ids
    of the last session's second half are `jump` higher (events the log dropped unrecorded)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
    for statement in V1_DDL:
        connection.execute(statement)
    connection.execute("BEGIN")
    for number, log in enumerate(logs, 1):
        connection.execute(
            "INSERT INTO sessions (id, uri, started, events) VALUES (?, 'ws://old/', ?, ?)",
            (number, time.time() - 100 + number, len(log)),
        )
        ids = ids_of(log)
        if number == len(logs):
            ids = ids[: len(ids) // 2] + [i + jump for i in ids[len(ids) // 2 :]]
        for row, (event_id, entry) in enumerate(zip(ids, log.entries(), strict=True)):
            key = number << 32 | row
            if type(entry) is tuple:
                conn, incoming, text, data, wall, mono = entry
                connection.execute(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (key, event_id, conn, incoming, text, data, wall, mono),
                )
            else:
                connection.execute(
                    "INSERT INTO events VALUES (?, ?, ?, NULL, NULL, NULL, ?, ?, ?)",
                    (
                        key,
                        event_id,
                        entry.conn,  # type: ignore[union-attr]
                        entry.wall,  # type: ignore[union-attr]
                        entry.mono,  # type: ignore[union-attr]
                        orjson.dumps(to_record(entry, event_id)).decode(),  # type: ignore[arg-type]
                    ),
                )
    connection.execute("PRAGMA user_version = 1")
    connection.execute("COMMIT")
    connection.close()


def test_a_version_1_capture_is_repacked_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "capture.sqlite3"
    first, second = EventLog(None), EventLog(None)
    mixed_log(first)
    for n in range(50):
        second.append_message(3, True, True, f"old needle {n}".encode(), 10.0 + n, 1.0)
    write_v1(path, [first, second], jump=1000)
    store = CaptureStore.open(path)
    try:
        assert store.set_aside is None, store.problem
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            assert "events_v1" not in tables and "events_others" in tables
            assert connection.execute("SELECT count(*) FROM events").fetchone()[0] < 20
        connection.close()
        for number, log in ((1, first), (2, second)):
            events = store.session_events(number)
            assert list(events.entries()) == list(log.entries())
        assert list(store.session_events(1).ids) == ids_of(first)
        assert list(store.session_events(2).ids) == [*range(1, 26), *range(1026, 1051)]
        assert [row for row, _ in store.other_events(1)] == [
            row for row, e in enumerate(first.entries()) if type(e) is not tuple
        ]
        assert [(h.session_id, h.row) for h in store.search("OLD NEEDLE 42")] == [(2, 42)]
        # Recording goes on in the repacked file.
        log = EventLog(None)
        recorder = store.start_recording(log, uri="ws://new/", until_end=False)
        log.append_message(1, True, True, b"new", 0.0, 0.0)
        recorder.stop()
        assert [h.session_id for h in store.search("new")] == [recorder.session_id]
    finally:
        store.close()
