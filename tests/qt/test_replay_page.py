"""History ▸ Replay against…: a recorded session replayed from the window against the same
server (no difference) and against a changed one (the differing answers shown beside the
recording)."""

from __future__ import annotations

import asyncio
from typing import Any

from helpers.servers import RecordingServer
from helpers.widgets import find
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
)
from pytestqt.qtbot import QtBot
from websockets.asyncio.server import ServerConnection

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session
from wsinspector.qt import MainWindow
from wsinspector.qt.pages.replay_page import ReplayPage

WAIT_MS = 10000
WORDS = ["one", "two", "three"]


def record(qtbot: QtBot, store: CaptureStore, uri: str) -> int:
    """One session of the capture: WORDS sent to an echo server, then closed."""
    log = EventLog()
    options = ConnectionOptions(uri)
    recorder = store.start_recording(log, uri=uri, options=options)
    session = Session(options, log)
    session.start()
    qtbot.waitUntil(lambda: session.state is ConnState.OPEN, timeout=WAIT_MS)

    def run(coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        qtbot.waitUntil(task.done, timeout=WAIT_MS)
        task.result()

    for word in WORDS:
        run(session.send_text(word))
    qtbot.waitUntil(lambda: log.counters.messages_in == len(WORDS), timeout=WAIT_MS)
    run(session.close(1000, ""))
    qtbot.waitUntil(lambda: not recorder.recording, timeout=WAIT_MS)
    assert store.sync(5)
    assert recorder.session_id is not None
    return recorder.session_id


async def changed_echo(connection: ServerConnection, record: object) -> None:
    async for message in connection:
        await connection.send("TWO, changed" if message == "two" else message)


def diff_rows(page: ReplayPage) -> list[tuple[str, str, bool]]:
    view = find(page, QTreeWidget, "replayDiffView")
    rows = []
    for index in range(view.topLevelItemCount()):
        item = view.topLevelItem(index)
        marked = item.background(0).style() is not Qt.BrushStyle.NoBrush
        rows.append((item.text(0), item.text(1), marked))
    return rows


def test_history_replays_a_session_and_shows_the_differences_beside_the_recording(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    assert window.capture is not None and window.history_sidebar is not None
    session_id = record(qtbot, window.capture, recording_server.url("/echo"))
    sidebar = window.history_sidebar
    sidebar.refresh()
    item = sidebar.model.index_of(session_id)
    assert item is not None
    sidebar.view.setCurrentIndex(item.index())
    tabs = find(window, QTabWidget, "connectionTabs")
    before = tabs.count()
    action = sidebar.findChild(QAction, "historyReplayAction")
    assert action is not None, "the History offers Replay against…"
    action.trigger()
    assert tabs.count() == before + 1
    page = window.current_page()
    assert isinstance(page, ReplayPage)
    assert find(page, QLineEdit, "replayUriEdit").text() == recording_server.url("/echo")
    summary = find(page, QLabel, "replaySummaryLabel")
    run = find(page, QPushButton, "replayRunButton")

    run.click()
    qtbot.waitUntil(lambda: summary.text().startswith("Same answers"), timeout=WAIT_MS)
    assert summary.text() == "Same answers: 3 message(s)."
    assert [(left, right) for left, right, _ in diff_rows(page)] == [
        ("'one'", "'one'"),
        ("'two'", "'two'"),
        ("'three'", "'three'"),
    ]
    assert page.log.counters.messages_out == 3  # the replay's exchange is the page's log

    with RecordingServer(behaviour=changed_echo) as changed:
        find(page, QLineEdit, "replayUriEdit").setText(changed.url("/"))
        qtbot.waitUntil(run.isEnabled, timeout=WAIT_MS)
        run.click()
        qtbot.waitUntil(lambda: summary.text().startswith("Different"), timeout=WAIT_MS)
    assert "1 differ" in summary.text()
    rows = diff_rows(page)
    assert ("'two'", "'TWO, changed'", True) in rows
    assert [marked for *_, marked in rows].count(True) == 1
    assert page.log.counters.messages_out == 3  # each replay starts on an empty log


class _PressWhenEnabled(QObject):
    """Presses the button the moment it is enabled again, as a quick user would, and notes
    the messages sent in the page's log after the press (a new replay starts on an empty log)."""

    def __init__(self, button: QPushButton, page: ReplayPage) -> None:
        super().__init__()
        self.button = button
        self.page = page
        self.after_press: list[int] = []
        button.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        enabled = event.type() == QEvent.Type.EnabledChange and self.button.isEnabled()
        if enabled and not self.after_press:
            self.button.click()
            self.after_press.append(self.page.log.counters.messages_out)
        return False


def test_replay_can_be_pressed_again_as_soon_as_it_is_enabled(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    assert window.capture is not None
    session_id = record(qtbot, window.capture, recording_server.url("/echo"))
    page = ReplayPage.of_session(window.capture, session_id)
    qtbot.addWidget(page)
    summary = find(page, QLabel, "replaySummaryLabel")
    run = find(page, QPushButton, "replayRunButton")
    find(page, QCheckBox, "replayNoWaitCheck").setChecked(True)
    presser = _PressWhenEnabled(run, page)

    run.click()
    qtbot.waitUntil(lambda: bool(presser.after_press), timeout=WAIT_MS)
    assert presser.after_press == [0], "the press started a new replay, on an empty log"
    qtbot.waitUntil(lambda: not page.is_running and run.isEnabled(), timeout=WAIT_MS)
    assert summary.text() == "Same answers: 3 message(s)."
    assert page.log.counters.messages_out == 3
