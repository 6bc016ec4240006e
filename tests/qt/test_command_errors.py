"""What goes wrong in a command the user gave: their doing in their words, a bug as a crash.

The page's controller runs sends, pings and closes as tasks (controller._guard). A UserError
is said next to the composer as its message; any other exception, a ValueError too, is a bug:
reported the way every unexpected error is (the banner and the log file), not shown as if
the user had typed something wrong.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, stays
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.app.crashlog import CrashReporter
from wsinspector.core.app.errors import InputError, UserError
from wsinspector.qt import MainWindow
from wsinspector.qt.workspace.log_filter import parse_connections

WAIT_MS = 5000


@pytest.fixture
def crashes(window: MainWindow, qloop: qasync.QEventLoop) -> Iterator[CrashReporter]:
    reporter = window.report_crashes(qloop)
    yield reporter
    reporter.uninstall()


def send_raising(
    qtbot: QtBot, window: MainWindow, server: RecordingServer, error: Exception
) -> None:
    connect_to(qtbot, window, server.url("/silent"))
    session = window.current_page().controller.session
    assert session is not None

    async def send_text(_text: str) -> None:
        raise error

    session.send_text = send_text  # type: ignore[method-assign]
    find(window, QPlainTextEdit, "messageEdit").setPlainText("hello")
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


def test_a_plain_value_error_in_a_send_is_reported_as_unexpected(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot, crashes: CrashReporter
) -> None:
    send_raising(qtbot, window, recording_server, ValueError("index out of step"))
    banner_label = find(window, QLabel, "errorBannerLabel")
    qtbot.waitUntil(find(window, QFrame, "errorBanner").isVisible, timeout=WAIT_MS)
    assert banner_label.text() == (
        "Unexpected error: ValueError: index out of step. wsinspector keeps running."
    )
    error = find(window, QLabel, "composerErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert error.text() == "Failed: ValueError: index out of step"


def test_a_user_error_in_a_send_is_said_in_its_words(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot, crashes: CrashReporter
) -> None:
    send_raising(qtbot, window, recording_server, UserError("Not sent: the server is busy"))
    error = find(window, QLabel, "composerErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert error.text() == "Not sent: the server is busy"
    stays(qtbot, lambda: not find(window, QFrame, "errorBanner").isVisible(), 200)


def test_a_connection_list_that_cant_be_read_is_an_input_error() -> None:
    with pytest.raises(InputError, match="“3-1” is not a connection number or range"):
        parse_connections("3-1")
