"""Exporting and importing logs from the window, as a user would: files, formats, Cancel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.servers import RecordingServer
from helpers.ui import find, log_rows, set_headers, without_wire_sizes
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.storage.profiles import ProfileStore
from wsinspector.qt import MainWindow

WAIT_MS = 10_000


def trigger(window: MainWindow, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), ""))


def open_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))


def chat(qtbot: QtBot, window: MainWindow, server: RecordingServer, *texts: str) -> None:
    """Connect to the echo server with a secret header, send `texts`, wait for the echoes."""
    find(window, QLineEdit, "uriEdit").setText(server.url("/echo?token=abc123"))
    set_headers(window, [("Authorization", "Bearer hunter2")])
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)
    log = window.current_page().log
    for text in texts:
        find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
        qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: log.counters.messages_in == len(texts), timeout=WAIT_MS)


def test_jsonl_export_then_import_shows_the_same_rows_in_a_read_only_tab(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    chat(qtbot, window, recording_server, "hello", '{"n": 1}')
    window.current_page().model.flush()
    rows = log_rows(window)
    target = tmp_path / "chat.jsonl"
    save_as(monkeypatch, target)
    trigger(window, "actionExportLog")
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    status = find(window, QLabel, "exportStatusLabel")
    qtbot.waitUntil(lambda: "Exported" in status.text(), timeout=WAIT_MS)

    open_file(monkeypatch, target)
    trigger(window, "actionImportLog")
    tabs = find(window, QTabWidget, "connectionTabs")
    qtbot.waitUntil(lambda: tabs.count() == 2, timeout=WAIT_MS)
    imported = tabs.widget(1)
    assert tabs.currentIndex() == 1 and tabs.tabText(1) == "▤ chat.jsonl"
    qtbot.waitUntil(lambda: len(log_rows(imported)) == len(rows), timeout=WAIT_MS)
    # Same rows, but the secrets went out redacted: the header and the token in the URI. The
    # file keeps payloads, not the frames they crossed in: the live page's wire sizes
    # ("5 B +40%" with permessage-deflate) are not in it.
    redacted = [
        row.replace("hunter2", "<redacted>").replace("abc123", "<redacted>")
        for row in without_wire_sizes(rows)
    ]
    assert log_rows(imported) == redacted
    # A read-only page has no live widgets at all, hidden or not.
    assert imported.findChild(QPushButton, "connectButton") is None
    assert imported.findChild(QPlainTextEdit, "messageEdit") is None


def test_har_export_writes_chrome_shaped_messages_with_secrets_redacted(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    chat(qtbot, window, recording_server, "ping me")
    target = tmp_path / "chat.har"
    save_as(monkeypatch, target)
    trigger(window, "actionExportLog")
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    har = json.loads(target.read_text())
    (entry,) = har["log"]["entries"]
    assert entry["_resourceType"] == "websocket"
    assert entry["response"]["status"] == 101
    messages = entry["_webSocketMessages"]
    assert [(m["type"], m["opcode"], m["data"]) for m in messages] == [
        ("send", 1, "ping me"),
        ("receive", 1, "ping me"),
    ]
    assert isinstance(messages[0]["time"], float)
    text = target.read_text()
    assert "hunter2" not in text and "abc123" not in text


def test_export_of_selected_rows_writes_only_those(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    chat(qtbot, window, recording_server, "first", "second")
    window.current_page().model.flush()
    view = find(window, QTableView, "messageLog")
    rows = [i for i, row in enumerate(log_rows(window)) if "second" in row]
    for row in rows:
        view.selectionModel().select(
            view.model().index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    target = tmp_path / "picked.csv"
    save_as(monkeypatch, target)
    trigger(window, "actionExportSelectedLog")
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    lines = target.read_text().splitlines()
    assert lines[0].startswith("time,connection,direction,type,size,payload")
    assert len(lines) == 3 and all(line.endswith('"second"') for line in lines[1:])


def test_cancelling_an_export_leaves_no_file(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = window.current_page().log
    for i in range(200_000):
        log.append_message(1, True, True, b"x" * 100, float(i), float(i))
    target = tmp_path / "big.jsonl"
    save_as(monkeypatch, target)
    trigger(window, "actionExportLog")
    cancel = find(window, QPushButton, "exportCancelButton")
    qtbot.waitUntil(cancel.isVisible, timeout=WAIT_MS)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    status = find(window, QLabel, "exportStatusLabel")
    assert "cancelled" in status.text()
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("big")] == []


def test_a_malformed_log_is_named_with_its_line_and_nothing_else_changes(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    window.current_page().export_log(str(good))
    qtbot.waitUntil(good.exists, timeout=WAIT_MS)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + "{not json\n")
    open_file(monkeypatch, bad)
    trigger(window, "actionImportLog")
    qtbot.waitUntil(
        lambda: window.findChild(QMessageBox, "messageBox") is not None, timeout=WAIT_MS
    )
    box = window.findChild(QMessageBox, "messageBox")
    assert box is not None and "line 2" in box.text()
    assert find(window, QTabWidget, "connectionTabs").count() == 1
    box.close()


def test_an_imported_har_connection_opens_again_in_one_click(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    chat(qtbot, window, recording_server, "hi")
    target = tmp_path / "chat.har"
    window.action_export_secrets.setChecked(True)  # keep the header to reopen with it
    save_as(monkeypatch, target)
    trigger(window, "actionExportLog")
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    open_file(monkeypatch, target)
    trigger(window, "actionImportLog")
    tabs = find(window, QTabWidget, "connectionTabs")
    qtbot.waitUntil(lambda: tabs.count() == 2, timeout=WAIT_MS)
    reopen = find(tabs.widget(1), QPushButton, "reopenConnectionButton")
    assert reopen.isVisible()
    qtbot.mouseClick(reopen, Qt.MouseButton.LeftButton)
    assert tabs.count() == 3
    page = tabs.widget(2)
    assert find(page, QLineEdit, "uriEdit").text() == recording_server.url("/echo?token=abc123")
    headers = window.current_page().form.headers()
    assert ("Authorization", "Bearer hunter2") in headers


def test_an_imported_har_connection_becomes_a_profile_in_one_click(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture = Path(__file__).parent.parent / "fixtures"
    har = next(iter(sorted(fixture.glob("*chrome*.har"))))
    open_file(monkeypatch, har)
    trigger(window, "actionImportLog")
    tabs = find(window, QTabWidget, "connectionTabs")
    qtbot.waitUntil(lambda: tabs.count() == 2, timeout=WAIT_MS)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("From Chrome", True))
    qtbot.mouseClick(
        find(tabs.widget(1), QPushButton, "logToProfileButton"), Qt.MouseButton.LeftButton
    )
    (profile,) = ProfileStore().profiles()
    assert profile.name == "From Chrome" and profile.options.uri.startswith("ws")
