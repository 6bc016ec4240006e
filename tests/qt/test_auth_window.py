"""The Auth tab from the window: a bearer token reaches the server, a bad choice is said next
to the field and nothing is sent, a pasted curl -u fills the tab."""

from __future__ import annotations

from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, open_settings_tab, settings_tabs
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow


def choose(window: MainWindow, label: str) -> None:
    combo = find(window, QComboBox, "authTypeCombo")
    combo.setCurrentIndex(combo.findText(label))


def test_bearer_token_from_the_window(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    combo = find(window, QComboBox, "authTypeCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "None",
        "Basic",
        "Bearer token",
        "API key in a header",
        "API key in the query",
    ]
    choose(window, "Bearer token")
    find(window, QLineEdit, "authTokenEdit").setText("w1nd0w-token")
    connect_to(qtbot, window, recording_server.url("/echo"))
    qtbot.waitUntil(lambda: recording_server.connections != [])
    headers = dict(recording_server.connections[-1].headers)
    assert headers["Authorization"] == "Bearer w1nd0w-token"


def test_bad_auth_is_said_and_nothing_is_sent(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    choose(window, "API key in the query")
    find(window, QLineEdit, "authTokenEdit").setText("k")
    connect_to(qtbot, window, recording_server.url("/echo"), state="idle")
    assert "⚠ Auth" in settings_tabs(window)
    open_settings_tab(window, "Auth")
    assert "Name the API key's query parameter" in find(window, QLabel, "authError").text()
    assert recording_server.handshake_attempts == 0


def test_a_pasted_curl_user_fills_the_auth_tab(window: MainWindow) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.setText("curl -u ann:s3cret -H 'Upgrade: websocket' https://api.example.com/ws")
    uri.textEdited.emit(uri.text())
    assert find(window, QComboBox, "authTypeCombo").currentText() == "Basic"
    assert find(window, QLineEdit, "authUsernameEdit").text() == "ann"
    assert find(window, QLineEdit, "authPasswordEdit").text() == "s3cret"
