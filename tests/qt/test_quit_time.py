"""Quitting a window with nothing connected is immediate: no close handshake to wait for, so
nothing should wait for the shutdown's bound (SHUTDOWN_SECONDS, 1.8 s)."""

from __future__ import annotations

import time

import pytest
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000
# Well under the bound a page's close handshake may take, with room for a busy test machine.
IMMEDIATE_S = 0.8


def seconds_to_quit(qtbot: QtBot, window: MainWindow) -> float:
    start = time.monotonic()
    find(window, QAction, "actionQuit").trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    return time.monotonic() - start


def test_quitting_an_idle_window_is_immediate(window: MainWindow, qtbot: QtBot) -> None:
    assert seconds_to_quit(qtbot, window) < IMMEDIATE_S


@pytest.mark.parametrize("path", ["/echo", "/close?code=4000", "/drop", "/reject"])
def test_quitting_after_the_connection_ended_is_immediate(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer, path: str
) -> None:
    page = window.current_page()
    ended = {"/echo": "open", "/reject": "failed"}.get(path, "closed")
    connect_to(qtbot, page, recording_server.url(path), state=ended)
    if ended == "open":
        label = find(page, QLabel, "connectionStatusLabel")
        qtbot.mouseClick(find(page, QPushButton, "closeButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: label.property("state") == "closed", timeout=WAIT_MS)
    assert seconds_to_quit(qtbot, window) < IMMEDIATE_S
