"""Auto-reconnect as the user sees it: the status label's state, attempt and countdown."""

from __future__ import annotations

from helpers.servers import RecordingServer
from helpers.ui import find, log_rows, stays
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.log.events import StateEvent
from wsinspector.qt import MainWindow

WAIT_MS = 5000


def status(window: MainWindow) -> QLabel:
    return find(window, QLabel, "connectionStatusLabel")


def enable_reconnect(
    window: MainWindow, first: float, longest: float, jitter: bool = False, attempts: int = 0
) -> None:
    find(window, QCheckBox, "autoReconnectCheck").setChecked(True)
    find(window, QDoubleSpinBox, "reconnectInitialDelaySpin").setValue(first)
    find(window, QDoubleSpinBox, "reconnectMaxDelaySpin").setValue(longest)
    find(window, QCheckBox, "reconnectJitterCheck").setChecked(jitter)
    find(window, QSpinBox, "reconnectMaxAttemptsSpin").setValue(attempts)


def click(qtbot: QtBot, window: MainWindow, name: str) -> None:
    qtbot.mouseClick(find(window, QPushButton, name), Qt.MouseButton.LeftButton)


def wait_in_a_long_backoff(server: RecordingServer, window: MainWindow, qtbot: QtBot) -> None:
    """Every handshake answered 503: after the first one the window waits 30 s to retry."""
    server.reject_next(1000, 503)
    find(window, QLineEdit, "uriEdit").setText(server.url("/echo"))
    enable_reconnect(window, first=30, longest=60)
    click(qtbot, window, "connectButton")
    qtbot.waitUntil(lambda: status(window).property("state") == "reconnecting", timeout=WAIT_MS)


def test_server_restart_reconnects_and_resends_on_connect_messages(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    attempts: list[int] = []
    window.current_page().controller.state_changed.connect(
        lambda event: attempts.append(event.attempt) if event.state == "reconnecting" else None
    )
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    enable_reconnect(window, first=0.05, longest=0.2)
    find(window, QPlainTextEdit, "onConnectMessagesEdit").setPlainText('{"subscribe": "prices"}')
    click(qtbot, window, "connectButton")
    qtbot.waitUntil(lambda: status(window).property("state") == "open", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(recording_server.connections[0].received) == 1, timeout=WAIT_MS)

    recording_server.stop()
    qtbot.waitUntil(lambda: status(window).property("state") == "reconnecting", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: status(window).property("attempt") >= 3, timeout=WAIT_MS)
    assert "last error" in status(window).text()
    recording_server.start()
    qtbot.waitUntil(lambda: status(window).property("state") == "open", timeout=WAIT_MS)

    assert status(window).property("attempt") == 0
    assert attempts[:3] == [1, 2, 3]
    qtbot.waitUntil(
        lambda: recording_server.connections[-1].received == ['{"subscribe": "prices"}'],
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(
        lambda: any("reconnected after" in row for row in log_rows(window)), timeout=WAIT_MS
    )
    find(window, QPlainTextEdit, "messageEdit").setPlainText("after the restart")
    click(qtbot, window, "sendButton")
    qtbot.waitUntil(
        lambda: sum("after the restart" in row for row in log_rows(window)) == 2, timeout=WAIT_MS
    )
    # The handshake pane shows the new connection's handshake.
    request = find(window, QPlainTextEdit, "requestHeadersView").toPlainText()
    assert request.startswith("GET /echo HTTP/1.1")


def test_close_button_stops_a_pending_reconnect_at_once(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    wait_in_a_long_backoff(recording_server, window, qtbot)
    assert status(window).property("attempt") == 1
    assert "in 30.0 s" in status(window).text() or "in 29." in status(window).text()
    assert "503" in status(window).text()

    click(qtbot, window, "closeButton")
    qtbot.waitUntil(lambda: status(window).property("state") == "closed", timeout=1000)
    assert status(window).property("attempt") == 0
    # The session's task has ended: it can make no further attempt.
    page = window.current_page()
    qtbot.waitUntil(lambda: not page.is_running, timeout=1000)
    # And nothing starts another one: no handshake, no state change, for a while.
    stays(
        qtbot,
        lambda: (
            recording_server.handshake_attempts == 1
            and status(window).property("state") == "closed"
            and not page.is_running
        ),
        300,
    )


def test_forbidden_is_not_retried(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/reject?status=403&body=no"))
    enable_reconnect(window, first=0.05, longest=0.1)
    click(qtbot, window, "connectButton")
    qtbot.waitUntil(lambda: status(window).property("state") == "failed", timeout=WAIT_MS)
    assert "403" in status(window).text()
    assert recording_server.handshake_attempts == 1


def test_closing_the_window_during_backoff_quits_at_once(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    wait_in_a_long_backoff(recording_server, window, qtbot)
    with qtbot.waitSignal(window.closed_for_good, timeout=1000):
        window.close()
    assert isinstance(window.current_page().log[-1], StateEvent)
    assert window.current_page().log[-1].state == "closed"
