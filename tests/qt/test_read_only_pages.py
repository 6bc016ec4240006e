"""Read-only pages (an imported file, a recorded session): their own look, and every event kept
through an export and an import from the window."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers.servers import RecordingServer
from helpers.ui import find
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.core.storage.logfiles import EntryLog, snapshot
from wsinspector.qt import MainWindow
from wsinspector.qt.pages.log_page import LogPage
from wsinspector.qt.window.tab_bar import state_icon

WAIT_MS = 10_000


def kinds(log: EventLog | EntryLog) -> Counter[str]:
    """How many events of each kind (messages are tuples in a log)."""
    return Counter(type(entry).__name__ for entry in snapshot(log).entries())


def image(icon: QIcon) -> QImage:
    return icon.pixmap(12, 12).toImage()


def talk_and_close(qtbot: QtBot, window: MainWindow, server: RecordingServer) -> EventLog:
    """Connect, exchange two messages, close; the live page's log."""
    find(window, QLineEdit, "uriEdit").setText(server.url("/echo"))
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)
    log = window.current_page().log
    assert isinstance(log, EventLog)
    for text in ("hello", '{"n": 1}'):
        find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
        qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: log.counters.messages_in == 2, timeout=WAIT_MS)
    qtbot.mouseClick(find(window, QPushButton, "closeButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: label.property("state") == "closed", timeout=WAIT_MS)
    return log


def export_and_import(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, target: Path
) -> LogPage:
    """Export the current page to `target` and import it, through the window's actions."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    window.action_export_log.trigger()
    status = find(window.current_page(), QLabel, "exportStatusLabel")
    qtbot.waitUntil(lambda: "Exported" in status.text(), timeout=WAIT_MS)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(target), ""))
    count = window.tabs.count()
    window.action_import_log.trigger()
    qtbot.waitUntil(lambda: window.tabs.count() == count + 1, timeout=WAIT_MS)
    page = window.current_page()
    assert isinstance(page, LogPage)
    return page


def assert_looks_read_only(window: MainWindow, page: LogPage, heading: str) -> None:
    index = window.tabs.indexOf(page)
    icon = image(window.tabs.tabIcon(index))
    assert all(icon != image(state_icon(state)) for state in ConnState)
    assert "read-only" in window.tabs.tabToolTip(index)
    header = find(page, QLabel, "connectionStatusLabel").text()
    assert header.startswith(heading), header
    assert find(page, QLabel, "logPageIcon").pixmap() is not None


def test_a_jsonl_round_trip_from_the_window_keeps_every_event_and_looks_read_only(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    log = talk_and_close(qtbot, window, recording_server)
    imported = export_and_import(qtbot, window, monkeypatch, tmp_path / "session.jsonl")
    assert kinds(imported.log) == kinds(log)
    assert kinds(log)["StateEvent"] == 4  # connecting, open, closing, closed
    assert_looks_read_only(window, imported, "Imported from session.jsonl")


def test_a_recorded_session_exported_and_imported_keeps_every_event(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    log = talk_and_close(qtbot, window, recording_server)
    assert window.capture is not None
    (info,) = window.capture.sessions()
    window.open_history_session(info.id)  # as soon as the close is in, committed or not
    qtbot.waitUntil(lambda: isinstance(window.current_page(), LogPage), timeout=WAIT_MS)
    recorded = window.current_page()
    assert isinstance(recorded, LogPage)
    assert kinds(recorded.log) == kinds(log)
    assert_looks_read_only(window, recorded, "Recorded session")

    imported = export_and_import(qtbot, window, monkeypatch, tmp_path / "recorded.jsonl")
    assert kinds(imported.log) == kinds(log)


def test_a_tab_shows_the_ampersand_of_a_query(window: MainWindow) -> None:
    page = window.live_page()
    assert page is not None
    page.set_uri("localhost:9/feed?a=1&x=2")  # a typo: the tab shows it as typed
    page.title_changed.emit()
    index = window.tabs.indexOf(page)
    # "&x" would be drawn as an underlined "x" (a shortcut), the "&" gone.
    assert window.tabs.tabText(index) == "localhost:9/feed?a=1&&x=2"
