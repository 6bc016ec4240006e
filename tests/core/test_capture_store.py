"""The capture store without a window: recording a log, reading it back lazily, search,
retention, secrets, and files that can't be used."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wsinspector.core.log import wording as log_wording
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ErrorEvent,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.log.filtering import LogFilter, compile_filter, filter_indexes
from wsinspector.core.storage.capture import CaptureStore, Retention
from wsinspector.core.storage.capture.history import sessions_signature
from wsinspector.core.storage.capture.schema import SCHEMA_VERSION
from wsinspector.core.storage.capture.wording import session_end_summary
from wsinspector.core.storage.logfiles import export_log, import_log
from wsinspector.core.websocket.options import ConnectionOptions


@pytest.fixture
def store(tmp_path: Path) -> CaptureStore:
    capture = CaptureStore.open(tmp_path / "capture.sqlite3")
    yield capture  # type: ignore[misc]
    capture.close()


def state(conn: int, value: ConnState, **fields: object) -> StateEvent:
    return StateEvent(conn, time.time(), time.monotonic(), value, **fields)  # type: ignore[arg-type]


def session(log: EventLog, messages: int, *, text: str = "message {n}", conn: int = 1) -> None:
    """A whole connection in `log`: connecting, handshake, `messages` each way, close."""
    log.append(state(conn, ConnState.CONNECTING, uri="ws://h/?token=t0ps3cret"))
    log.append(
        HandshakeEvent(
            conn,
            time.time(),
            time.monotonic(),
            "GET /?token=t0ps3cret HTTP/1.1",
            (("Authorization", "Bearer hunter2"), ("Host", "h")),
            "HTTP/1.1 101 Switching Protocols",
            (("Set-Cookie", "sid=abc"),),
        )
    )
    log.append(state(conn, ConnState.OPEN, uri="ws://h/?token=t0ps3cret"))
    for n in range(messages):
        payload = text.format(n=n).encode()
        log.append_message(conn, n % 2 == 1, True, payload, time.time(), time.monotonic())
    log.append(
        CloseEvent(
            conn, time.time(), time.monotonic(), 1000, "bye", "server", True, None, "", 1000, "bye"
        )
    )
    log.append(state(conn, ConnState.CLOSED))


def record(store: CaptureStore, messages: int, **kwargs: object) -> int:
    log = EventLog(kwargs.pop("capacity", None))  # type: ignore[arg-type]
    recorder = store.start_recording(
        log,
        uri="ws://h/?token=t0ps3cret",
        options=ConnectionOptions(
            "ws://h/?token=t0ps3cret", headers=(("Authorization", "Bearer hunter2"),)
        ),
    )
    session(log, messages, **kwargs)  # type: ignore[arg-type]
    assert not recorder.recording  # it stopped by itself when the connection closed
    store.sync()
    return recorder.session_id


def test_settled_tells_and_synced_waits_without_holding_up_the_loop(
    store: CaptureStore, tmp_path: Path
) -> None:
    log = EventLog(None)
    recorder = store.start_recording(log, uri="ws://h/")
    assert store.sync() and store.settled()
    # Another process holds the write lock: the writer thread waits for it.
    other = sqlite3.connect(tmp_path / "capture.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    session(log, 10)
    assert not store.settled()

    async def wait_while_the_loop_lets_go() -> bool:
        # Runs only if synced() leaves the loop free while it waits.
        asyncio.get_running_loop().call_soon(other.execute, "COMMIT")
        return await store.synced(5.0)

    try:
        assert asyncio.run(wait_while_the_loop_lets_go())
    finally:
        other.close()
    assert store.settled()
    assert len(store.session_events(recorder.session_id)) == len(log)


def test_a_recorded_session_reads_back_event_for_event_with_ids(store: CaptureStore) -> None:
    log = EventLog(None)
    recorder = store.start_recording(log, uri="ws://h/")
    session(log, 5000)
    store.sync()
    events = store.session_events(recorder.session_id)
    assert len(events) == len(log) == 5005
    for index in (0, 2, 3, 2500, 5003, -1):
        live, recorded = log[index], events[index]
        if isinstance(live, MessageEvent):
            assert recorded == live
        else:
            assert type(recorded) is type(live) and recorded.wall == live.wall
    assert list(events.ids) == list(range(1, 5006))
    assert events[10:13] == log[10:13]
    (info,) = store.sessions()
    assert (info.messages_in, info.messages_out, info.events) == (2500, 2500, 5005)
    assert info.end_words == "Closed by the server: 1000 normal closure “bye”"
    assert info.ended is not None


def test_the_capture_names_events_in_the_codec_not_in_the_log_words(
    store: CaptureStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = log_wording.event_type
    monkeypatch.setattr(log_wording, "event_type", lambda event: f"{shown(event)} renamed")
    session_id = record(store, 2)
    with contextlib.closing(sqlite3.connect(tmp_path / "capture.sqlite3")) as db:
        rows = db.execute("SELECT record FROM events WHERE record IS NOT NULL ORDER BY key")
        types = [json.loads(record)["type"] for (record,) in rows]
    assert types == ["state", "handshake", "state", "close", "state"]
    kinds = [type(event) for event in store.session_events(session_id)]
    assert kinds == [
        StateEvent,
        HandshakeEvent,
        StateEvent,
        *[MessageEvent] * 2,
        CloseEvent,
        StateEvent,
    ]


def test_secrets_are_redacted_in_the_session_and_its_events(store: CaptureStore) -> None:
    session_id = record(store, 3)
    (info,) = store.sessions()
    assert info.uri == "ws://h/?token=<redacted>"
    assert info.options["headers"] == [["Authorization", "<redacted>"]]
    assert info.redacted
    raw = Path(store.path).read_bytes() + Path(f"{store.path}-wal").read_bytes()
    assert b"hunter2" not in raw and b"t0ps3cret" not in raw and b"sid=abc" not in raw
    handshake = next(e for e in store.session_events(session_id) if isinstance(e, HandshakeEvent))
    assert ("Authorization", "<redacted>") in handshake.request_headers


def test_the_filter_and_the_exporters_work_on_a_recorded_session(
    store: CaptureStore, tmp_path: Path
) -> None:
    session_id = record(store, 3000, text="{n} apples")
    events = store.session_events(session_id)
    found = filter_indexes(events, compile_filter(LogFilter(text="999 APPLES")))
    assert [events[i].data for i in found] == [b"999 apples", b"1999 apples", b"2999 apples"]  # type: ignore[attr-defined]
    out = tmp_path / "session.jsonl"
    assert export_log(events, out) == 3005
    assert [e.data for e in import_log(out) if isinstance(e, MessageEvent)][-1] == b"2999 apples"


def test_search_finds_text_in_every_session_case_insensitively(store: CaptureStore) -> None:
    first = record(store, 100, text="alpha {n}")
    second = record(store, 100, text="beta {n} Grüße")
    hits = store.search("ALPHA 42")
    assert [(h.session_id, h.row) for h in hits] == [(first, 3 + 42)]
    (hit,) = hits
    assert hit.preview[hit.match_start : hit.match_start + hit.match_length] == "alpha 42"
    assert store.session_events(first)[hit.row].data == b"alpha 42"  # type: ignore[attr-defined]
    unicode = store.search("GRÜSSE", limit=5)
    assert len(unicode) == 5 and {h.session_id for h in unicode} == {second}
    assert store.search("no such text") == []
    # LIKE's wildcards in the search text are plain characters.
    signs = record(store, 10, text="{n} 50%_off \\ price")
    assert [h.row for h in store.search("7 50%_OFF \\")] == [3 + 7]
    assert store.search("5%") == [] and store.search("50_") == []
    assert {h.session_id for h in store.search("%_off")} == {signs}


def test_search_matches_as_the_log_filter_does(store: CaptureStore) -> None:
    """One search rule: an ASCII needle finds its case-folding twins in the capture too."""
    session = record(store, 10, text="{n} Hauptstraße")
    hits = store.search("HAUPTSTRASSE", limit=100)
    assert [(h.session_id, h.row) for h in hits] == [(session, 3 + n) for n in range(10)]
    hit = hits[4]
    assert hit.preview[hit.match_start : hit.match_start + hit.match_length] == "Hauptstraße"


def test_retention_by_age_removes_old_sessions_and_says_so(store: CaptureStore) -> None:
    old = record(store, 10)
    new = record(store, 10)
    month = 31 * 86_400
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE sessions SET started = started - ? WHERE id = ?", (month, old))
    connection.close()
    words = store.apply_retention()
    assert words == "Removed 1 session older than 30 days."
    assert [info.id for info in store.sessions()] == [new]
    assert "Removed 1 session older than 30 days." in store.retention_note()
    with pytest.raises(KeyError):
        store.session_events(old)


def file_pages(path: Path) -> int:
    """The pages of the capture file, as another connection reads them."""
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA page_count").fetchone()[0])
    finally:
        connection.close()


def file_bytes(path: Path) -> int:
    """What the capture takes on disk: the file and its write-ahead log."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def test_clearing_the_history_gives_the_disk_space_back(store: CaptureStore) -> None:
    for _ in range(3):
        record(store, 2000, text="{n} " + "x" * 1000)
    assert file_bytes(store.path) > 6_000_000
    store.clear()
    assert store.sessions() == []
    assert file_bytes(store.path) < 200_000
    # The file works on: a new session is recorded and read back.
    new = record(store, 10)
    assert [info.id for info in store.sessions()] == [new]
    assert len(store.session_events(new)) > 10


def test_deleting_the_big_session_gives_its_space_back_the_rest_kept(
    store: CaptureStore,
) -> None:
    small = record(store, 20)
    big = record(store, 4000, text="{n} " + "x" * 1000)
    assert file_bytes(store.path) > 4_000_000
    store.delete_session(big)
    assert file_bytes(store.path) < 200_000
    assert [info.id for info in store.sessions()] == [small]
    assert store.search("message 19")


def test_a_reader_of_the_capture_reads_on_through_a_clear_and_the_space_comes_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "capture.sqlite3"
    store = CaptureStore.open(path)
    try:
        record(store, 2000, text="{n} " + "x" * 1000)
        # Another process (a second window, `wsinspector record`) in the middle of a read.
        reading = sqlite3.connect(path, isolation_level=None)
        reading.execute("BEGIN")
        rows = reading.execute("SELECT count(*) FROM events").fetchone()[0]
        store.clear()
        assert store.sessions() == []
        assert reading.execute("SELECT count(*) FROM events").fetchone()[0] == rows
        reading.execute("COMMIT")
        reading.close()
        assert len(store.session_events(record(store, 10))) > 10
    finally:
        store.close()
    assert file_bytes(path) < 200_000


def test_space_an_earlier_version_left_in_the_file_comes_back_at_opening(
    tmp_path: Path,
) -> None:
    path = tmp_path / "capture.sqlite3"
    store = CaptureStore.open(path)
    try:
        kept = record(store, 10)
        record(store, 2000, text="{n} " + "x" * 1000)
    finally:
        store.close()
    # As the version before deleted: rows gone, their pages left free in the file.
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as earlier:
        earlier.execute("DELETE FROM events WHERE key >= ?", ((kept + 1) << 32,))
        earlier.execute("DELETE FROM sessions WHERE id != ?", (kept,))
    assert path.stat().st_size > 2_000_000
    store = CaptureStore.open(path)
    try:
        assert file_bytes(path) < 200_000
        assert [info.id for info in store.sessions()] == [kept]
        assert store.search("message 9")
    finally:
        store.close()


def test_retention_by_size_removes_the_oldest_sessions_first(tmp_path: Path) -> None:
    store = CaptureStore.open(tmp_path / "c.sqlite3", Retention(max_bytes=600_000))
    try:
        ids = [record(store, 2000, text="{n} " + "x" * 100) for _ in range(4)]
        assert store.size() > 600_000
        words = store.apply_retention()
        left = [info.id for info in store.sessions()]
        assert left == ids[::-1][: len(left)] and 0 < len(left) < 4  # newest kept
        assert store.size() <= 600_000
        assert words.startswith(f"Removed the {4 - len(left)} oldest session")
        # What is left is small: the file is cut to it.
        assert file_bytes(store.path) <= store.size() + 64 * 1024
    finally:
        store.close()


def test_the_history_reads_the_capture_while_a_recording_holds_the_write_lock(
    store: CaptureStore,
) -> None:
    record(store, 10)
    writing = sqlite3.connect(store.path, isolation_level=None)
    try:
        writing.execute("BEGIN IMMEDIATE")  # as the writer thread through each commit
        # The History's poll opens a connection of its own: it must not wait for the lock.
        assert sessions_signature(store.path)[0] == 1
    finally:
        writing.execute("ROLLBACK")
        writing.close()


def test_delete_and_clear(store: CaptureStore) -> None:
    first, second = record(store, 10), record(store, 10)
    store.delete_session(first)
    assert [info.id for info in store.sessions()] == [second]
    store.clear()
    assert store.sessions() == [] and store.search("message") == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_capture_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "capture.sqlite3"
    old = tmp_path / "old.sqlite3"
    store = CaptureStore.open(old)
    store.close()
    old.chmod(0o644)  # as earlier versions left it
    for opened in (CaptureStore.open(path), CaptureStore.open(old)):
        try:
            record(opened, 10, text="password={n}")  # what redaction can't know of
            files = [
                opened.path,
                *(opened.path.with_name(opened.path.name + s) for s in ("-wal", "-shm")),
            ]
            assert files[1].exists() and files[2].exists()
            modes = {file.name: oct(file.stat().st_mode & 0o777) for file in files}
            assert set(modes.values()) == {"0o600"}, modes
        finally:
            opened.close()


def test_a_damaged_file_is_set_aside_and_a_new_capture_started(tmp_path: Path) -> None:
    path = tmp_path / "capture.sqlite3"
    path.write_bytes(b"\x00garbage" * 1000)
    store = CaptureStore.open(path)
    try:
        assert store.set_aside is not None and store.set_aside.read_bytes() == b"\x00garbage" * 1000
        assert "can't be used" in store.problem and "set aside as" in store.problem
        assert store.sessions() == []
        record(store, 1)
        assert len(store.sessions()) == 1
    finally:
        store.close()


def test_a_capture_from_a_newer_version_is_set_aside_not_changed(tmp_path: Path) -> None:
    path = tmp_path / "capture.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE future (x)")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    store = CaptureStore.open(path)
    try:
        assert "newer wsinspector" in store.problem
        assert store.set_aside is not None
        with sqlite3.connect(store.set_aside) as kept:
            assert kept.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        kept.close()
    finally:
        store.close()


def test_a_capture_that_cannot_be_opened_is_set_aside(tmp_path: Path) -> None:
    # A folder where the file should be: SQLite can't open it, for root too (unlike a
    # file without read permission).
    path = tmp_path / "capture.sqlite3"
    path.mkdir()
    store = CaptureStore.open(path)
    try:
        assert store.set_aside is not None and store.set_aside.is_dir()
        assert "can't be opened" in store.problem or "damaged" in store.problem
        record(store, 1)
    finally:
        store.close()


def test_a_reopened_capture_keeps_its_sessions_and_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "capture.sqlite3"
    store = CaptureStore.open(path)
    record(store, 10)
    store.close()
    again = CaptureStore.open(path)
    try:
        assert again.set_aside is None and len(again.sessions()) == 1
    finally:
        again.close()


def test_events_past_a_small_log_capacity_are_all_recorded(store: CaptureStore) -> None:
    session_id = record(store, 5000, capacity=100)
    events = store.session_events(session_id)
    assert len(events) == 5005
    assert events[4003].data == b"message 4000"  # type: ignore[attr-defined]


def test_a_failed_connection_ends_in_its_error_words(store: CaptureStore) -> None:
    log = EventLog()
    recorder = store.start_recording(log, uri="ws://h/")
    log.append(state(1, ConnState.CONNECTING, uri="ws://h/"))
    log.append(ErrorEvent(1, time.time(), time.monotonic(), "connection refused"))
    log.append(state(1, ConnState.FAILED, error="connection refused"))
    store.sync()
    assert not recorder.recording
    (info,) = store.sessions()
    assert info.end_words == "Failed: connection refused"


KILLED_RECORDER = """
import os, signal, sys, time
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.log.eventlog import EventLog
store = CaptureStore.open(sys.argv[1])
log = EventLog()
store.start_recording(log, uri="ws://example.test/killed")
log.append_message(1, True, True, b"before the kill", time.time(), time.monotonic())
store.sync()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_session_whose_recording_process_was_killed_reads_cut_short(
    store: CaptureStore,
) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RECORDER, str(store.path)], timeout=30, check=False
    )
    assert killed.returncode == -9
    live = EventLog()
    recorder = store.start_recording(live, uri="ws://example.test/live")
    by_uri = {info.uri: info for info in store.sessions()}
    gone, here = by_uri["ws://example.test/killed"], by_uri["ws://example.test/live"]
    assert gone.ended is None and not gone.recording
    assert session_end_summary(gone.ended, gone.end_words, gone.recording).startswith("Cut short")
    assert here.ended is None and here.recording
    assert session_end_summary(here.ended, here.end_words, here.recording) == "Recording…"
    recorder.stop("closed")
    assert not store.session(recorder.session_id).recording  # type: ignore[union-attr]

    # A second store of this process on the same file (another window) records: not cut short.
    other = CaptureStore.open(store.path)
    try:
        elsewhere = other.start_recording(EventLog(), uri="ws://example.test/other-window")
        assert store.session(elsewhere.session_id).recording  # type: ignore[union-attr]
        elsewhere.stop("closed")
    finally:
        other.close()
    # A process id used again by this process does not bring a killed session back to life.
    with store._lock:
        store._connection.execute(
            "UPDATE sessions SET pid = ? WHERE id = ?", (os.getpid(), gone.id)
        )
    assert not store.session(gone.id).recording  # type: ignore[union-attr]
