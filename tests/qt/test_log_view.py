"""The message log as a user works with it: arrows, selection, copying, resending, following."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000
DIRECTION_COLUMN = 2


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


def echoed(qtbot: QtBot, window: MainWindow, *texts: str) -> None:
    """Send each text and wait until it is in the log twice (sent and echoed)."""
    for text in texts:
        send(qtbot, window, text)
    qtbot.waitUntil(
        lambda: all(sum(text in row for row in log_rows(window)) == 2 for text in texts),
        timeout=WAIT_MS,
    )


def rows_with(window: MainWindow, text: str) -> list[int]:
    return [i for i, row in enumerate(log_rows(window)) if text in row]


def select(view: QTableView, rows: list[int]) -> None:
    selection = view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(
            view.model().index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def test_sent_and_received_rows_differ_at_a_glance_selected_or_not(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    echoed(qtbot, window, "hello")
    view = find(window, QTableView, "messageLog")
    model = view.model()
    sent, received = rows_with(window, "hello")
    arrows = [str(model.index(row, DIRECTION_COLUMN).data()) for row in (sent, received)]
    # Text, not an icon: drawn in the selection's colour on a selected row instead of vanishing.
    assert arrows == ["↑", "↓"]
    background = Qt.ItemDataRole.BackgroundRole
    assert model.index(sent, 5).data(background) != model.index(received, 5).data(background)


def test_ctrl_c_copies_the_payloads_of_all_selected_rows(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    echoed(qtbot, window, "first line", '{"n": 2}')
    view = find(window, QTableView, "messageLog")
    received = [rows_with(window, "first line")[1], rows_with(window, '{"n": 2}')[1]]
    select(view, received)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == 'first line\n{"n": 2}'


def test_context_menu_copies_as_json_and_resends_into_the_composer(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    echoed(qtbot, window, "again please")
    view = find(window, QTableView, "messageLog")
    select(view, [rows_with(window, "again please")[1]])
    menu = view.context_menu()  # type: ignore[attr-defined]
    actions = {action.objectName(): action for action in menu.findChildren(QAction)}
    assert set(actions) >= {
        "logCopyPayloadAction",
        "logCopyJsonAction",
        "logResendAction",
        "logSavePayloadAction",
    }
    actions["logCopyJsonAction"].trigger()
    record = json.loads(QGuiApplication.clipboard().text())
    assert record["data"] == "again please" and record["direction"] == "received"
    assert isinstance(record["id"], int)
    find(window, QPlainTextEdit, "messageEdit").clear()
    actions["logResendAction"].trigger()
    assert find(window, QPlainTextEdit, "messageEdit").toPlainText() == "again please"
    assert find(window, QComboBox, "messageFormatCombo").currentText() == "Text"


def test_follow_pauses_for_a_selection_and_jump_to_newest_brings_it_back(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1280, 800)
    connect_to(qtbot, window, recording_server.url("/echo"))
    view = find(window, QTableView, "messageLog")
    bar = view.verticalScrollBar()
    burst = [f"message {i:02d}." for i in range(40)]
    echoed(qtbot, window, *burst[:20])
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=WAIT_MS)

    # The user selects a row: following pauses, the row stays selected and in view.
    chosen = rows_with(window, "message 03.")[0]
    select(view, [chosen])
    value = bar.value()
    echoed(qtbot, window, *burst[20:])
    jump = find(window, QPushButton, "jumpToNewestButton")
    qtbot.waitUntil(lambda: jump.isVisible() and "new)" in jump.text(), timeout=WAIT_MS)
    assert bar.value() == value
    assert view.selectionModel().isRowSelected(chosen)

    qtbot.mouseClick(jump, Qt.MouseButton.LeftButton)
    assert bar.value() == bar.maximum() and not jump.isVisible()


def test_reticking_follow_jumps_to_the_newest_row(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1280, 800)
    connect_to(qtbot, window, recording_server.url("/echo"))
    follow = find(window, QCheckBox, "followCheck")
    follow.setChecked(False)
    view = find(window, QTableView, "messageLog")
    bar = view.verticalScrollBar()
    echoed(qtbot, window, *(f"row {i:02d}." for i in range(40)))
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=WAIT_MS)
    bar.setValue(0)
    follow.setChecked(True)
    assert bar.value() == bar.maximum()


def test_a_full_log_says_how_many_older_events_it_dropped(
    recording_server: RecordingServer,
    qloop: object,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtmodeltester: ModelTester,
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "window.ini").write_text("[log]\ncapacity=20\n")
    monkeypatch.setenv("WSINSPECTOR_CONFIG_DIR", str(config))
    window = MainWindow()
    window.show()
    # The live model, fed by its timer, through the drops: every change it announces checked.
    qtmodeltester.check(find(window, QTableView, "messageLog").model())
    try:
        connect_to(qtbot, window, recording_server.url("/echo"))
        for i in range(15):
            send(qtbot, window, f"n{i:02d}.")
        qtbot.waitUntil(
            lambda: sum("n14." in row for row in log_rows(window)) == 2, timeout=WAIT_MS
        )
        rows = log_rows(window)
        log = find(window, QTableView, "messageLog").model().log  # type: ignore[attr-defined]
        # 3 events before the messages (connecting, handshake, open) + 30 messages, 20 kept.
        assert "older events dropped (the live log keeps the newest 20)" in rows[0]
        assert f"── {log.dropped} older" in rows[0]
        assert log.dropped + len(log) == 33 and 20 <= len(log) <= 22
        assert len(rows) == 1 + len(log)
    finally:
        window.close()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
        window.deleteLater()
