"""Repeat sending from the window (issue 22): K times with its own status, until stopped with
the stop button, and the window stays responsive at 1 ms (a QTimer's lateness stays bounded)."""

from __future__ import annotations

import time

from helpers.node import node_server
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows, stays
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

TICK_MS = 20
# Generous for a shared 2-core CI machine; a loop starved by the repeat is late by seconds.
MOST_LATENESS_S = 0.25


def schedule(window: MainWindow, interval_ms: int, times: int, text: str) -> None:
    toggle = find(window, QToolButton, "repeatToggleButton")
    if not toggle.isChecked():
        toggle.click()
    assert find(window, QSpinBox, "repeatIntervalSpin").isVisible()
    find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
    find(window, QSpinBox, "repeatIntervalSpin").setValue(interval_ms)
    find(window, QSpinBox, "repeatTimesSpin").setValue(times)


def test_k_times_with_its_own_status(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    assert find(window, QComboBox, "repeatSourceCombo").currentText() == "Composer"
    assert not find(window, QPushButton, "repeatButton").isEnabled()  # not connected yet
    connect_to(qtbot, window, recording_server.url("/"))
    schedule(window, 5, 3, "tick {{$counter}}")
    qtbot.mouseClick(find(window, QPushButton, "repeatButton"), Qt.MouseButton.LeftButton)
    status = find(window, QLabel, "repeatStatusLabel")
    qtbot.waitUntil(lambda: status.text() == "Sent 3: done")
    qtbot.waitUntil(lambda: len(recording_server.connections[-1].received) == 3)
    assert recording_server.connections[-1].received == ["tick 1", "tick 2", "tick 3"]
    assert find(window, QPushButton, "repeatButton").isEnabled()
    assert not find(window, QPushButton, "repeatStopButton").isEnabled()


def test_an_empty_composer_is_said(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/"))
    schedule(window, 5, 3, "")
    qtbot.mouseClick(find(window, QPushButton, "repeatButton"), Qt.MouseButton.LeftButton)
    status = find(window, QLabel, "repeatStatusLabel")
    assert status.text() == "Not repeated: the composer is empty"


def test_the_window_stays_responsive_at_1_ms_until_stopped(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    schedule(window, 1, 0, "flood {{$counter}}")
    lateness: list[float] = []
    last = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        lateness.append(now - last[0] - TICK_MS / 1000)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    qtbot.mouseClick(find(window, QPushButton, "repeatButton"), Qt.MouseButton.LeftButton)
    page = window.current_page()
    # Long enough to flood: hundreds of messages out and echoed back while the timer ticks.
    qtbot.waitUntil(
        lambda: page.log.counters.messages_in >= 500 and len(lateness) >= 25, timeout=20_000
    )
    stop = find(window, QPushButton, "repeatStopButton")
    assert stop.isEnabled()
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    timer.stop()
    status = find(window, QLabel, "repeatStatusLabel")
    qtbot.waitUntil(lambda: status.text().endswith(": stopped"))
    assert max(lateness) < MOST_LATENESS_S, sorted(lateness)[-5:]
    sent = page.log.counters.messages_out
    stays(qtbot, lambda: page.log.counters.messages_out == sent, 100)


def test_a_socketio_page_repeats_its_event_not_the_raw_text(
    window: MainWindow, qtbot: QtBot
) -> None:
    """A page that speaks a protocol repeats the protocol composer's message: three `echo`
    events asking for an acknowledgement, each answered (not three raw `["n"]` texts, which
    a Socket.IO server drops). The first is started as soon as the page is open, before the
    namespace is connected: it waits for that, as socket.io-client's emits do."""
    with node_server("socketio_server.js") as port:
        # Typed, as the user does: the page proposes Socket.IO from what was typed.
        uri_edit = find(window, QLineEdit, "uriEdit")
        uri_edit.clear()
        qtbot.keyClicks(uri_edit, f"http://127.0.0.1:{port}")
        assert "Socket.IO" in find(window, QComboBox, "protocolCombo").currentText()
        find(window, QLineEdit, "eventNameEdit").setText("echo")
        find(window, QCheckBox, "ackCheck").setChecked(True)
        schedule(window, 5, 3, '["n {{$counter}}"]')
        connect_to(qtbot, window, uri_edit.text())
        qtbot.mouseClick(find(window, QPushButton, "repeatButton"), Qt.MouseButton.LeftButton)
        status = find(window, QLabel, "repeatStatusLabel")
        qtbot.waitUntil(lambda: status.text() == "Sent 3: done", timeout=10_000)

        def answered() -> list[str]:
            return [row for row in log_rows(window) if "| ack |" in row and "echo" in row]

        qtbot.waitUntil(lambda: len(answered()) == 3, timeout=10_000)
        assert [any(f"n {n}" in row for row in answered()) for n in (1, 2, 3)] == [True] * 3
