"""The main window driven through the contract's objectNames against real loopback servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.servers import RecordingServer
from helpers.ui import find, log_rows, open_settings_tab, set_headers, settings_tabs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.app.paths import config_dir
from wsinspector.core.log.events import StateEvent
from wsinspector.qt import MainWindow

WAIT_MS = 5000


def state_of(window: MainWindow) -> str:
    return str(find(window, QLabel, "connectionStatusLabel").property("state"))


def click(qtbot: QtBot, window: MainWindow, name: str) -> None:
    button = find(window, QPushButton, name)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_state(qtbot: QtBot, window: MainWindow, state: str) -> None:
    qtbot.waitUntil(lambda: state_of(window) == state, timeout=WAIT_MS)


def test_connect_shows_handshake_sends_and_closes(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    assert state_of(window) == "idle"
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    find(window, QLineEdit, "originEdit").setText("https://inspector.example")
    find(window, QLineEdit, "subprotocolsEdit").setText("chat.v2, chat.v1")
    set_headers(window, [("X-Trace", "abc"), ("", "ignored"), ("X-Trace", "def")])
    find(window, QLineEdit, "userAgentEdit").setText("wsinspector-test/1.0")

    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")

    request = find(window, QPlainTextEdit, "requestHeadersView").toPlainText()
    assert request.splitlines()[0] == "GET /echo HTTP/1.1"
    for line in (
        "Origin: https://inspector.example",
        "Sec-WebSocket-Protocol: chat.v2, chat.v1",
        "X-Trace: abc",
        "X-Trace: def",
        "User-Agent: wsinspector-test/1.0",
    ):
        assert line in request.splitlines()
    response = find(window, QPlainTextEdit, "responseHeadersView").toPlainText()
    assert response.splitlines()[0] == "HTTP/1.1 101 Switching Protocols"
    seen = recording_server.connections[0]
    assert [value for name, value in seen.headers if name == "X-Trace"] == ["abc", "def"]
    assert seen.header("Origin") == "https://inspector.example"

    find(window, QPlainTextEdit, "messageEdit").setPlainText("hello over the wire")
    click(qtbot, window, "sendButton")
    qtbot.waitUntil(
        lambda: sum("hello over the wire" in row for row in log_rows(window)) == 2,
        timeout=WAIT_MS,
    )
    assert recording_server.connections[0].received == ["hello over the wire"]

    find(window, QSpinBox, "closeCodeSpin").setValue(4000)
    find(window, QLineEdit, "closeReasonEdit").setText("bye")
    click(qtbot, window, "closeButton")
    wait_state(qtbot, window, "closed")
    qtbot.waitUntil(lambda: seen.close_code is not None, timeout=WAIT_MS)
    assert (seen.close_code, seen.close_reason) == (4000, "bye")
    assert "4000" in find(window, QLabel, "connectionStatusLabel").text()
    qtbot.waitUntil(
        lambda: any("close" in row and "4000" in row for row in log_rows(window)),
        timeout=WAIT_MS,
    )


@pytest.fixture
def common_umask() -> Iterator[None]:
    """The usual umask, under which a file created without a mode is readable by all."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_recent_uris_with_their_tokens_are_kept_from_other_users(
    common_umask: None, recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo?access_token=s3cret"))
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")
    settings = config_dir() / "window.ini"
    # The window's settings remember the URI (QSettings writes them from the event loop).
    qtbot.waitUntil(lambda: "s3cret" in read_or_empty(settings), timeout=WAIT_MS)
    assert oct(settings.stat().st_mode & 0o777) == "0o600"


def read_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def test_user_agent_removed(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    find(window, QCheckBox, "sendUserAgentCheck").setChecked(False)
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")
    assert recording_server.connections[0].header("User-Agent") is None
    request = find(window, QPlainTextEdit, "requestHeadersView").toPlainText()
    assert "User-Agent" not in request


def test_invalid_input_is_explained_and_nothing_is_sent(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText("http://127.0.0.1:1/")
    set_headers(window, [("Bad Name", "x"), ("Host", "evil.example")])
    find(window, QLineEdit, "subprotocolsEdit").setText("ok, not ok")
    click(qtbot, window, "connectButton")

    uri_error = find(window, QLabel, "uriError")
    assert uri_error.isVisible() and "ws://" in uri_error.text()
    headers_error = find(window, QLabel, "headersError")
    assert headers_error.isVisible()
    assert "Bad Name" in headers_error.text() and "Host" in headers_error.text()
    # The other problem is on another settings tab: marked, and shown when opened.
    assert "⚠ Handshake" in settings_tabs(window)
    open_settings_tab(window, "Handshake")
    assert find(window, QLabel, "subprotocolsError").isVisible()

    # Fixing the URI alone is not enough: the headers still hold the connection back.
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    click(qtbot, window, "connectButton")
    assert not find(window, QLabel, "uriError").isVisible()
    assert find(window, QLabel, "headersError").isVisible()

    # Nothing happens, and only the event loop can show it: a connection started by either
    # click would run there. Fix the rest and connect; once that connection is open, anything
    # the earlier clicks started has run, and it would be in the log and at the server.
    headers = find(window, QAbstractItemView, "headersTable").model()
    assert headers.removeRows(0, headers.rowCount())
    find(window, QLineEdit, "subprotocolsEdit").setText("chat")
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")
    states = [
        (event.conn, event.state.value)
        for event in window.current_page().log
        if isinstance(event, StateEvent)
    ]
    assert states == [(1, "connecting"), (1, "open")]
    assert recording_server.handshake_attempts == 1


def test_rejected_handshake_shows_status_and_body(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(
        recording_server.url("/reject?status=403&body=members%20only")
    )
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "failed")
    response = find(window, QPlainTextEdit, "responseHeadersView").toPlainText()
    assert response.splitlines()[0] == "HTTP/1.1 403 Forbidden"
    assert "members only" in response
    request = find(window, QPlainTextEdit, "requestHeadersView").toPlainText()
    assert request.startswith("GET /reject?status=403")
    assert "403" in find(window, QLabel, "connectionStatusLabel").text()


def test_send_is_disabled_while_disconnected_and_the_draft_is_kept(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    editor = find(window, QPlainTextEdit, "messageEdit")
    editor.setPlainText("draft")
    assert not find(window, QPushButton, "sendButton").isEnabled()
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")
    assert find(window, QPushButton, "sendButton").isEnabled()
    assert editor.toPlainText() == "draft"


def test_invalid_json_is_not_sent(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QComboBox

    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")
    find(window, QComboBox, "messageFormatCombo").setCurrentText("JSON")
    find(window, QPlainTextEdit, "messageEdit").setPlainText('{"a": 1,}')
    click(qtbot, window, "sendButton")
    error = find(window, QLabel, "composerErrorLabel")
    assert error.isVisible() and "invalid JSON" in error.text()
    find(window, QPlainTextEdit, "messageEdit").setPlainText('{"a": [1, 2]}')
    click(qtbot, window, "sendButton")
    # The valid message goes after the invalid one on the same connection: once it is at the
    # server, the invalid one would be there too, had it been sent.
    seen = recording_server.connections[0]
    qtbot.waitUntil(lambda: '{"a": [1, 2]}' in seen.received, timeout=WAIT_MS)
    assert seen.received == ['{"a": [1, 2]}']


def test_closing_the_window_closes_the_connection_cleanly(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
    click(qtbot, window, "connectButton")
    wait_state(qtbot, window, "open")
    with qtbot.waitSignal(window.closed_for_good, timeout=2000):
        window.close()
    assert not window.isVisible()
    seen = recording_server.connections[0]
    qtbot.waitUntil(lambda: seen.close_code is not None, timeout=2000)
    assert seen.close_code == 1001


def test_a_second_connection_gets_the_next_number(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    from wsinspector.core.log.events import HandshakeEvent

    for _ in range(2):
        find(window, QLineEdit, "uriEdit").setText(recording_server.url("/echo"))
        click(qtbot, window, "connectButton")
        wait_state(qtbot, window, "open")
        click(qtbot, window, "closeButton")
        wait_state(qtbot, window, "closed")
    assert [
        event.conn for event in window.current_page().log if isinstance(event, HandshakeEvent)
    ] == [1, 2]
