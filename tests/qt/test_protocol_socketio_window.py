"""A Socket.IO page against a Socket.IO v2 server (Engine.IO v3, tests/node/socketio_v2_server.js,
300 ms ping interval), as the user meets it: the version chosen in the protocol's settings,
the page's own pings keeping it open, a binary event read as one event."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from helpers.node import node_server
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
)
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


def keepalive_tickers() -> list[asyncio.Task[object]]:
    """The ProtocolDriver keepalive tasks still alive on the loop."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done()
        and getattr(task.get_coro(), "__qualname__", "") == "ProtocolDriver._tick"
    ]


def test_closing_a_socketio_tab_ends_its_keepalive(
    window: MainWindow, qtbot: QtBot, port: int
) -> None:
    before = keepalive_tickers()
    find(window, QAction, "actionNewConnection").trigger()
    page = find(window, QTabWidget, "connectionTabs").currentWidget()
    qtbot.keyClicks(find(page, QLineEdit, "uriEdit"), f"http://127.0.0.1:{port}")
    find(page, QComboBox, "socketioVersionCombo").setCurrentText("3")
    qtbot.mouseClick(find(page, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    status = find(page, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: status.property("state") == "open", timeout=WAIT_MS)
    assert len(keepalive_tickers()) == len(before) + 1
    find(window, QAction, "actionCloseConnection").trigger()
    # A closed page's ticker would wake every tick for good, holding its session and log.
    qtbot.waitUntil(lambda: len(keepalive_tickers()) == len(before), timeout=WAIT_MS)
