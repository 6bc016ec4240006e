"""The Cookies tab from the window: rows pasted from a browser's request reach the server in
the Cookie header, and a Set-Cookie is kept for the next connection only when opted in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QPushButton, QTableWidget
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

REQUEST = "GET /socket HTTP/1.1\nHost: h\nCookie: sid=abc123; theme=dark\nUpgrade: websocket\n"


@pytest.fixture
def clipboard() -> Iterator[None]:
    board = QGuiApplication.clipboard()
    previous = board.text()
    yield
    board.setText(previous)


def rows(window: MainWindow) -> list[tuple[str, str]]:
    table = find(window, QTableWidget, "cookiesTable")
    cells = [[table.item(r, c) for c in range(2)] for r in range(table.rowCount())]
    return [(name.text(), value.text()) for name, value in cells if name and value]


def test_pasted_cookies_reach_the_server(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot, clipboard: None
) -> None:
    QGuiApplication.clipboard().setText(REQUEST)
    qtbot.mouseClick(find(window, QPushButton, "cookiePasteButton"), Qt.MouseButton.LeftButton)
    assert rows(window) == [("sid", "abc123"), ("theme", "dark")]
    connect_to(qtbot, window, recording_server.url("/echo"))
    qtbot.waitUntil(lambda: recording_server.connections != [])
    assert dict(recording_server.connections[-1].headers)["Cookie"] == "sid=abc123; theme=dark"


SETS = "/echo?set_cookie=session%3Ds1%3B%20HttpOnly"


def test_set_cookie_is_kept_only_when_opted_in(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    page = window.current_page()
    connect_to(qtbot, window, recording_server.url(SETS))
    qtbot.waitUntil(lambda: page.connection.last_handshake is not None)
    assert rows(window) == []  # not opted in
    page.close_connection()
    qtbot.waitUntil(lambda: not page.controller.is_running)
    find(window, QCheckBox, "keepSetCookieCheck").setChecked(True)
    connect_to(qtbot, window, recording_server.url(SETS))
    qtbot.waitUntil(lambda: rows(window) == [("session", "s1")])
    page.close_connection()
    qtbot.waitUntil(lambda: not page.controller.is_running)
    connect_to(qtbot, window, recording_server.url("/echo"))
    qtbot.waitUntil(lambda: len(recording_server.connections) == 3)
    assert dict(recording_server.connections[-1].headers)["Cookie"] == "session=s1"
