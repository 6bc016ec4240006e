"""An exception in a slot, a task or a thread: shown in the window, written to the state
folder's log file, and the app keeps running.

The hooks are installed the way app.main does (`window.report_crashes(loop)`), which sets
them over pytest-qt's and the qloop fixture's own, and uninstalled at the end, which puts
those back.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QMessageBox, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.app.crashlog import LOG_NAME, CrashReporter
from wsinspector.qt import MainWindow

WAIT_MS = 5000


@pytest.fixture
def crashes(window: MainWindow, qloop: qasync.QEventLoop) -> Iterator[CrashReporter]:
    reporter = window.report_crashes(qloop)
    yield reporter
    reporter.uninstall()


def log_text() -> str:
    path = Path(os.environ["WSINSPECTOR_STATE_DIR"]) / LOG_NAME
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_a_slot_a_task_and_a_thread_that_raise_are_shown_and_logged(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    crashes: CrashReporter,
    qloop: qasync.QEventLoop,
) -> None:
    banner = find(window, QFrame, "errorBanner")
    label = find(window, QLabel, "errorBannerLabel")
    assert not banner.isVisible()

    # A real slot of a real button: Connect, with one more slot that raises.
    def broken_slot() -> None:
        raise ValueError("slot went wrong")

    connect_button = find(window, QPushButton, "connectButton")
    connect_button.clicked.connect(broken_slot)
    try:
        connect_to(qtbot, window, recording_server.url("/echo"))  # still connects
    finally:
        connect_button.clicked.disconnect(broken_slot)
    qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert label.text() == (
        "Unexpected error: ValueError: slot went wrong. wsinspector keeps running."
    )

    # A task whose exception nobody retrieves.
    async def broken_task() -> None:
        raise RuntimeError("task went wrong")

    task = qloop.create_task(broken_task())
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    del task
    gc.collect()
    qtbot.waitUntil(lambda: "task went wrong" in label.text(), timeout=WAIT_MS)
    assert "(2 so far)" in label.text()

    # A thread: reported on the thread, shown on the GUI's.
    def broken_work() -> None:
        raise KeyError("thread went wrong")

    worker = threading.Thread(target=broken_work, name="broken-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "thread went wrong" in label.text(), timeout=WAIT_MS)

    # Every one is in the log file, with its traceback.
    logged = log_text()
    for words in ("ValueError: slot went wrong", "RuntimeError: task went wrong"):
        assert words in logged
    assert 'raise ValueError("slot went wrong")' in logged
    assert 'raise RuntimeError("task went wrong")' in logged
    assert "Unexpected error in thread broken-worker: KeyError" in logged

    # Details… shows the traceback and where it was written.
    qtbot.mouseClick(find(window, QPushButton, "errorDetailsButton"), Qt.MouseButton.LeftButton)
    dialog = window.findChild(QMessageBox, "errorDetailsDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    details = dialog.detailedText()
    assert "thread broken-worker" in details and 'raise KeyError("thread went wrong")' in details
    assert str(crashes.path) in details
    dialog.close()

    # The window still works: the connection echoes a message.
    find(window, QPlainTextEdit, "messageEdit").setPlainText("still alive")
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "still alive" in [m for c in recording_server.connections for m in c.received],
        timeout=WAIT_MS,
    )

    qtbot.mouseClick(find(window, QPushButton, "errorBannerCloseButton"), Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
