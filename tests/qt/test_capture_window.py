"""Every connection recorded: quit, open a new window on the same data folder, reopen it."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows, set_headers, without_wire_sizes
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.app.paths import data_dir
from wsinspector.core.log.events import MessageEvent
from wsinspector.core.storage.capture import FILE_NAME
from wsinspector.qt import MainWindow

WAIT_MS = 10_000


def quit_window(qtbot: QtBot, window: MainWindow) -> None:
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)


def chat(qtbot: QtBot, window: MainWindow, server: RecordingServer, texts: list[str]) -> None:
    """On the current page: connect with secrets, send `texts`, wait for the echoes."""
    page = window.current_page()
    set_headers(page, [("Authorization", "Bearer hunter2")])
    connect_to(qtbot, page, server.url("/echo?token=abc123"))
    log = page.log
    for text in texts:
        find(page, QPlainTextEdit, "messageEdit").setPlainText(text)
        qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: log.counters.messages_in == len(texts), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.model.shown == len(log), timeout=WAIT_MS)


def test_a_session_recorded_before_quitting_opens_in_a_new_window_with_every_message(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    texts = [f"message number {n}" for n in range(25)]
    assert find(window.current_page(), QCheckBox, "recordCheck").isChecked()
    chat(qtbot, window, recording_server, texts)
    # The capture keeps payloads, not the frames they went in: no wire sizes once recorded.
    live_rows = without_wire_sizes(log_rows(window.current_page()))
    quit_window(qtbot, window)

    second = MainWindow()
    second.show()
    try:
        assert second.capture is not None
        (info,) = second.capture.sessions()
        assert (info.messages_out, info.messages_in) == (25, 25)
        assert "abc123" not in info.uri and "hunter2" not in json.dumps(info.options)
        page = second.open_captured_session(info.id)
        assert page.read_only
        rows = log_rows(page)
        # Every message each way, in order, and the connection's events around them.
        assert [row for row in rows if "message number" in row] == [
            row for row in live_rows if "message number" in row
        ]
        # What the live log showed, then the close the quit sent (1001), secrets redacted.
        assert [row.split(" | ", 1)[1] for row in rows[: len(live_rows)]] == [
            row.split(" | ", 1)[1].replace("abc123", "<redacted>") for row in live_rows
        ]
        assert any(" | close | " in row and "1001" in row for row in rows[len(live_rows) :])
        assert info.end_words.startswith("Closed by the client: 1001")
        # The handshake pane shows the recorded handshake, its secret redacted.
        request = page.handshake_pane.request_view.toPlainText()
        assert "Authorization: <redacted>" in request and "hunter2" not in request
    finally:
        quit_window(qtbot, second)
        second.deleteLater()


def test_a_recorded_session_filters_and_exports_and_opens_with_a_row_selected(
    window: MainWindow,
    qtbot: QtBot,
    recording_server: RecordingServer,
    tmp_path: Path,
) -> None:
    chat(qtbot, window, recording_server, ["apple", "banana", "cherry"])
    window.current_page().close_connection()
    page = window.current_page()
    qtbot.waitUntil(lambda: page.recorder is None or not page.recorder.recording, timeout=WAIT_MS)
    assert window.capture is not None
    window.capture.sync()
    (hit, *_rest) = window.capture.search("BANANA")
    captured = window.open_captured_session(hit.session_id, hit.row)
    view = find(captured, QTableView, "messageLog")
    (selected,) = view.selectionModel().selectedRows()
    assert "banana" in log_rows(captured)[selected.row()]

    find(captured, QLineEdit, "logFilterEdit").setText("an")
    qtbot.waitUntil(
        lambda: (
            sum("banana" in row for row in log_rows(captured)) == 2 and len(log_rows(captured)) == 2
        ),
        timeout=WAIT_MS,
    )

    target = tmp_path / "session.jsonl"
    captured.export_log(str(target))
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    lines = [json.loads(line) for line in target.read_text().splitlines()[1:]]
    live = [e.data.decode() for e in page.log if isinstance(e, MessageEvent)]
    assert sorted(live) == ["apple", "apple", "banana", "banana", "cherry", "cherry"]
    assert [line["data"] for line in lines if line["type"] == "text"] == live


def test_switching_record_off_keeps_the_connection_out_of_the_capture(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    find(window.current_page(), QCheckBox, "recordCheck").setChecked(False)
    chat(qtbot, window, recording_server, ["private"])
    assert window.capture is not None
    window.capture.sync()
    assert window.capture.sessions() == []
    assert window.capture.search("private") == []


@pytest.mark.parametrize("garbage", [b"this is not a database" * 100])
def test_an_unusable_capture_file_is_set_aside_and_recording_goes_on(
    qloop: object, qtbot: QtBot, recording_server: RecordingServer, garbage: bytes
) -> None:
    store_path = data_dir() / FILE_NAME
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(garbage)
    window = MainWindow()
    window.show()
    try:
        assert window.capture is not None
        assert "set aside" in window.capture_problem
        assert window.capture.set_aside is not None
        assert window.capture.set_aside.read_bytes() == garbage
        chat(qtbot, window, recording_server, ["still recorded"])
        window.capture.sync()
        assert window.capture.search("still recorded")
    finally:
        quit_window(qtbot, window)
        window.deleteLater()


def test_the_older_events_dropped_row_opens_the_whole_session_from_the_capture(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    window._settings.setValue("log/capacity", 40)
    page = window.new_page()
    assert page.log.capacity == 40
    chat(qtbot, window, recording_server, [f"burst {n}" for n in range(30)])
    view = find(page, QTableView, "messageLog")
    qtbot.waitUntil(lambda: "older events dropped" in log_rows(page)[0], timeout=WAIT_MS)
    tabs_before = window.tabs.count()
    first = view.model().index(0, 5)
    view.selectRow(0)
    menu = view.context_menu()
    names = [action.objectName() for action in menu.actions()]
    assert "logOpenWholeSessionAction" in names
    menu.close()
    view.doubleClicked.emit(first)
    qtbot.waitUntil(lambda: window.tabs.count() == tabs_before + 1, timeout=WAIT_MS)
    whole = window.current_page()
    assert whole.read_only
    rows = log_rows(whole)
    assert sum("burst" in row for row in rows) == 60  # 30 sent, 30 echoed: none dropped


def test_opening_a_session_still_being_recorded_never_blocks_the_window(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    chat(qtbot, window, recording_server, ["before"])
    page = window.current_page()
    assert page.recorder is not None and window.capture is not None
    # Another process (a `wsinspector record`) holds the capture's write lock: the writer
    # thread waits for it, so what is recorded from now on is not committed yet.
    other = sqlite3.connect(data_dir() / FILE_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        find(page, QPlainTextEdit, "messageEdit").setPlainText("while locked")
        qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.log.counters.messages_in == 2, timeout=WAIT_MS)
        tabs = window.tabs.count()
        started = time.monotonic()
        window.open_history_session(page.recorder.session_id)
        # The GUI thread went on at once (it used to wait up to 2 s for the writer).
        assert time.monotonic() - started < 1.0
    finally:
        other.execute("COMMIT")
        other.close()
    qtbot.waitUntil(lambda: window.tabs.count() == tabs + 1, timeout=WAIT_MS)
    opened = window.current_page()
    assert opened.read_only
    # Nothing recorded before the click is missing from the page.
    assert sum("while locked" in row for row in log_rows(opened)) == 2
