"""Dynamic values from the window: the page's counter advances per message and the log shows
what was really sent, never the reference."""

from __future__ import annotations

import re

from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton
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


def test_the_preview_shows_the_values_the_next_send_uses(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    preview = find(window, QLabel, "messagePreviewLabel")
    edit = find(window, QPlainTextEdit, "messageEdit")
    edit.setPlainText("n={{$counter}} t={{$timestamp}}")
    qtbot.waitUntil(lambda: preview.isVisible() and "n=1" in preview.text())
    assert re.search(r"t=\d{10}", preview.text()), preview.text()
    # Previewing took no value: the first send still sends 1, and the preview moves on to 2.
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(recording_server.connections[-1].received) == 1)
    assert recording_server.connections[-1].received[0].startswith("n=1 t=")
    edit.setPlainText("n={{$counter}} {{nowhere}}")
    qtbot.waitUntil(lambda: "Undefined variable {{nowhere}}" in preview.text())
    edit.setPlainText("n={{$counter}}")
    qtbot.waitUntil(lambda: preview.text() == "Sends: n=2")
    edit.setPlainText("plain text")  # nothing to fill: no preview
    qtbot.waitUntil(lambda: not preview.isVisible())
