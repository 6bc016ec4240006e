"""A page that speaks SignalR in the window, against the scripted hub of
tests/helpers/signalr_hub.py (the JSON hub protocol, negotiate over HTTP): the user picks
SignalR, invokes a hub method from the composer and sees its completion, and sees the
server's invocations with their kind and target."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from helpers.signalr_hub import Hub, running
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.log.wording import RECEIVED_ARROW
from wsinspector.qt import MainWindow

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    """The hub on a loop of its own thread: the window's qasync loop is the test's."""
    hub = Hub()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()

    async def serve() -> None:
        async with running(hub):
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the hub did not start"
    yield hub
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def rows_with(window: MainWindow, *words: str) -> list[str]:
    return [row for row in log_rows(window) if all(word in row for word in words)]


def call(qtbot: QtBot, window: MainWindow, method: str, mode: str, arguments: str) -> None:
    find(window, QLineEdit, "hubMethodEdit").setText(method)
    combo = find(window, QComboBox, "signalrModeCombo")
    combo.setCurrentIndex(combo.findText(mode))
    find(window, QPlainTextEdit, "messageEdit").setPlainText(arguments)
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


def test_a_signalr_page_invokes_a_hub_method_and_receives_invocations(
    window: MainWindow, qtbot: QtBot, hub: Hub
) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.clear()
    qtbot.keyClicks(uri, hub.http_uri)  # an http:// URI: the box proposes Socket.IO
    protocol = find(window, QComboBox, "protocolCombo")
    index = protocol.findText("SignalR")
    protocol.setCurrentIndex(index)
    protocol.activated.emit(index)  # the user's pick
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)
    assert hub.negotiations, "negotiate was not asked"
    qtbot.waitUntil(
        lambda: bool(rows_with(window, RECEIVED_ARROW, "| handshake |")), timeout=WAIT_MS
    )

    call(qtbot, window, "echo", "Invoke", '["hi there"]')
    qtbot.waitUntil(
        lambda: bool(rows_with(window, RECEIVED_ARROW, "| completion |", "hi there")),
        timeout=WAIT_MS,
    )
    # The completion names the method it answers and the time it took.
    completion = rows_with(window, RECEIVED_ARROW, "| completion |", "hi there")[0]
    assert "echo" in completion and " ms" in completion, completion

    call(qtbot, window, "broadcast", "Send", '["news", 3]')
    qtbot.waitUntil(
        lambda: bool(rows_with(window, RECEIVED_ARROW, "| invocation |", "message", "news")),
        timeout=WAIT_MS,
    )
    # Pinged by the hub every 0.2 s, each a row of its own kind.
    qtbot.waitUntil(lambda: bool(rows_with(window, RECEIVED_ARROW, "| ping |")), timeout=WAIT_MS)
    assert label.property("state") == "open"
