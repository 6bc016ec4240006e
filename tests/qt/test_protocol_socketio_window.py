"""A Socket.IO page against a Socket.IO v2 server (Engine.IO v3, tests/node/socketio_v2_server.js,
300 ms ping interval), as the user meets it: the version chosen in the protocol's settings,
the page's own pings keeping it open, a binary event read as one event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.node import node_server
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("socketio_v2_server.js") as server_port:
        yield server_port


def rows_with(window: MainWindow, *words: str) -> list[str]:
    return [row for row in log_rows(window) if all(word in row for word in words)]


def test_a_socketio_v2_page_pings_by_itself_and_reads_binary_events(
    window: MainWindow, qtbot: QtBot, port: int
) -> None:
    qtbot.keyClicks(find(window, QLineEdit, "uriEdit"), f"http://127.0.0.1:{port}")
    assert "Socket.IO" in find(window, QComboBox, "protocolCombo").currentText()
    find(window, QComboBox, "socketioVersionCombo").setCurrentText("3")
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    status = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: status.property("state") == "open", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(rows_with(window, "event", "welcome", "world")), timeout=WAIT_MS)
    find(window, QLineEdit, "eventNameEdit").setText("blob")
    find(window, QPlainTextEdit, "messageEdit").setPlainText("3")
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: bool(rows_with(window, "| event |", "blob", "<3 bytes: 00 01 02>")),
        timeout=WAIT_MS,
    )
    assert rows_with(window, "| attachment |", "attachment 2 of 2 of 'blob'")
    # The server drops a client that has not pinged for 600 ms: five pongs is 1.5 s alive.
    qtbot.waitUntil(lambda: len(rows_with(window, "| pong |")) >= 5, timeout=WAIT_MS)
    assert status.property("state") == "open"
