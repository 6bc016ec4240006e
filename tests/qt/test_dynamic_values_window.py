"""Dynamic values from the window: the page's counter advances per message and the log shows
what was really sent, never the reference."""

from __future__ import annotations

from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow


def test_the_log_shows_the_values_sent(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    for _ in range(2):
        find(window, QPlainTextEdit, "messageEdit").setPlainText("n={{$counter}}")
        qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(recording_server.connections[-1].received) == 2)
    assert recording_server.connections[-1].received == ["n=1", "n=2"]
    page = window.current_page()
    qtbot.waitUntil(lambda: page.log.counters.messages_in == 2)
    page.model.flush()
    rows = log_rows(window)
    assert sum("n=1" in row for row in rows) == 2  # sent and echoed
    assert sum("n=2" in row for row in rows) == 2
    assert not any("$counter" in row for row in rows)
