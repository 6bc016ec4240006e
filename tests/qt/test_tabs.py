"""Connection tabs: one page per connection, opened, closed and shut down as a user would."""

from __future__ import annotations

import time
from collections.abc import Callable

from helpers.faults import FaultServer
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow
from wsinspector.qt.pages.controller import SHUTDOWN_CLOSE_TIMEOUT

WAIT_MS = 5000


def tabs(window: MainWindow) -> QTabWidget:
    return find(window, QTabWidget, "connectionTabs")


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def page(window: MainWindow, index: int) -> QWidget:
    widget = tabs(window).widget(index)
    assert widget is not None
    return widget


def test_a_new_window_has_one_page_and_findchild_finds_its_widgets(window: MainWindow) -> None:
    assert tabs(window).count() == 1
    first = page(window, 0)
    assert window.findChild(QLineEdit, "uriEdit") is first.findChild(QLineEdit, "uriEdit")
    assert tabs(window).isMovable() and tabs(window).tabsClosable()


def test_new_connection_opens_an_idle_current_page_with_its_own_log(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, page(window, 0), recording_server.url("/echo"))
    assert action(window, "actionNewConnection").shortcut().toString() == "Ctrl+T"
    action(window, "actionNewConnection").trigger()
    assert tabs(window).count() == 2 and tabs(window).currentIndex() == 1
    second = page(window, 1)
    assert find(second, QLabel, "connectionStatusLabel").property("state") == "idle"
    connect_to(qtbot, second, recording_server.url("/chat"))
    qtbot.waitUntil(lambda: any("/chat" in row for row in log_rows(second)), timeout=WAIT_MS)
    # Each page has its own log: the second page's rows are its connection's only.
    first_rows, second_rows = log_rows(page(window, 0)), log_rows(second)
    assert any("/echo" in row for row in first_rows)
    assert not any("/echo" in row for row in second_rows)
    assert any("/chat" in row for row in second_rows)
    # The tab title is host and path.
    host = recording_server.url("/").split("//", 1)[1].rstrip("/")
    assert tabs(window).tabText(1) == f"{host}/chat"


def test_close_connection_closes_the_page_and_its_connection_cleanly(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    action(window, "actionNewConnection").trigger()
    connect_to(qtbot, page(window, 1), recording_server.url("/echo"))
    assert action(window, "actionCloseConnection").shortcut().toString() == "Ctrl+W"
    action(window, "actionCloseConnection").trigger()
    assert tabs(window).count() == 1
    closed = recording_server.connections[0]
    qtbot.waitUntil(lambda: closed.close_code is not None, timeout=WAIT_MS)
    assert (closed.close_code, closed.close_reason) == (1001, "tab closed")


def test_middle_click_closes_a_tab_and_the_last_tab_leaves_a_fresh_page(
    window: MainWindow, qtbot: QtBot
) -> None:
    action(window, "actionNewConnection").trigger()
    bar = tabs(window).tabBar()
    first = page(window, 0)
    centre = QPointF(bar.tabRect(1).center())
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        QApplication.sendEvent(
            bar,
            QMouseEvent(
                kind,
                centre,
                bar.mapToGlobal(centre),
                Qt.MouseButton.MiddleButton,
                Qt.MouseButton.MiddleButton
                if kind == QEvent.Type.MouseButtonPress
                else Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
            ),
        )
    assert tabs(window).count() == 1 and page(window, 0) is first
    action(window, "actionCloseConnection").trigger()
    assert tabs(window).count() == 1 and page(window, 0) is not first
    assert find(page(window, 0), QLineEdit, "uriEdit").text() == ""


def test_tab_shows_the_state_and_actions_follow_the_current_page(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    idle_icon = tabs(window).tabIcon(0).cacheKey()
    connect_to(qtbot, page(window, 0), recording_server.url("/echo"))
    assert tabs(window).tabIcon(0).cacheKey() != idle_icon
    assert "open" in tabs(window).tabToolTip(0)
    assert not action(window, "actionConnect").isEnabled()
    assert action(window, "actionClose").isEnabled()
    action(window, "actionNewConnection").trigger()
    assert action(window, "actionConnect").isEnabled()
    assert not action(window, "actionClose").isEnabled()


def test_closing_the_window_closes_five_connections_at_once_within_2_s(
    recording_server: RecordingServer,
    fault_server_factory: Callable[..., FaultServer],
    window: MainWindow,
    qtbot: QtBot,
) -> None:
    deaf = fault_server_factory("deaf")
    for index in range(5):
        if index:
            action(window, "actionNewConnection").trigger()
        uri = deaf.url("/") if index == 2 else recording_server.url(f"/echo{index}")
        connect_to(qtbot, page(window, index), uri)
    started = time.monotonic()
    window.close()
    # At once: the four servers that answer get their close frame while the deaf one is
    # still being waited for (SHUTDOWN_CLOSE_TIMEOUT, 1.5 s), not one after the other.
    qtbot.waitUntil(
        lambda: all(c.close_code is not None for c in recording_server.connections),
        timeout=WAIT_MS,
    )
    all_closed = time.monotonic() - started
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    elapsed = time.monotonic() - started
    assert [c.close_code for c in recording_server.connections] == [1001] * 4
    assert all_closed < SHUTDOWN_CLOSE_TIMEOUT, f"closed one by one ({all_closed:.2f} s)"
    assert elapsed < 2.0, f"the window took {elapsed:.2f} s to close"
