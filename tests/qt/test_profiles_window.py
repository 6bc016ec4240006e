"""Saved connections in the window: save, reopen in a new window, variables, command lines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from helpers.servers import RecordingServer
from helpers.ui import find, set_headers
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QTreeView,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.serving.settings import ServerSettings, settings_to_json
from wsinspector.core.storage.profiles import Environments, Profile, ProfileStore
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt import MainWindow
from wsinspector.qt.window.profile_pages import open_profile_named, open_saved_profile

WAIT_MS = 5000


@pytest.fixture
def windows(
    qloop: qasync.QEventLoop, qtbot: QtBot, window: MainWindow
) -> Iterator[list[MainWindow]]:
    """More windows on the same config folder as `window` (closed after the test)."""
    made: list[MainWindow] = []
    yield made
    for other in made:
        if other.isVisible():
            other.close()
            qtbot.waitUntil(lambda w=other: not w.isVisible(), timeout=WAIT_MS)  # type: ignore[misc]
        other.deleteLater()


def trigger(window: MainWindow, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def answer_name(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    asked: list[str] = []

    def get_text(*args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append(str(args[2]) if len(args) > 2 else "")
        return name, True

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    return asked


def state(root: MainWindow) -> str:
    return str(find(root, QLabel, "connectionStatusLabel").property("state"))


def test_a_saved_profile_opens_in_a_new_window_and_sends_the_same_handshake(
    recording_server: RecordingServer,
    window: MainWindow,
    windows: list[MainWindow],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ProfileStore()
    store.save_environments(Environments({"staging": {"token": "s3cr3t", "room": "lobby"}}))
    uri = recording_server.url("/chat/{{room}}")
    find(window, QLineEdit, "uriEdit").setText(uri)
    set_headers(window, [("Authorization", "Bearer {{token}}"), ("X-Trace", "a  b")])
    find(window, QLineEdit, "subprotocolsEdit").setText("chat.v1")
    asked = answer_name(monkeypatch, "Staging chat")
    trigger(window, "actionSaveProfile")
    assert asked and find(window, QTabWidget, "connectionTabs").tabText(0) == "Staging chat"

    second = MainWindow()
    windows.append(second)
    second.show()
    view = find(second, QTreeView, "profilesView")
    rows = [view.model().index(r, 0).data() for r in range(view.model().rowCount())]
    assert "Staging chat" in rows
    index = view.model().index(rows.index("Staging chat"), 0)
    view.activated.emit(index)  # double-click or Enter
    assert find(second, QLineEdit, "uriEdit").text() == uri
    find(second, QComboBox, "environmentCombo").setCurrentText("staging")
    qtbot.mouseClick(find(second, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(second) == "open", timeout=WAIT_MS)
    connection = recording_server.connections[-1]
    assert connection.route == "/chat/lobby"
    assert ("Authorization", "Bearer s3cr3t") in connection.headers
    assert ("X-Trace", "a  b") in connection.headers
    assert ("Sec-WebSocket-Protocol", "chat.v1") in connection.headers


def test_an_undefined_variable_is_shown_by_its_field_and_nothing_is_sent(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/{{nowhere}}"))
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    error = find(window, QLabel, "uriError")
    assert error.isVisible() and "nowhere" in error.text()
    assert state(window) == "idle"
    # Defined nowhere, so still nothing: a later valid connect is the only handshake.
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/ok"))
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window) == "open", timeout=WAIT_MS)
    assert recording_server.handshake_attempts == 1


def test_editing_a_saved_profile_marks_its_tab(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    find(window, QLineEdit, "uriEdit").setText("ws://127.0.0.1:9/feed")
    answer_name(monkeypatch, "Feed")
    trigger(window, "actionSaveProfile")
    tabs = find(window, QTabWidget, "connectionTabs")
    assert tabs.tabText(0) == "Feed"
    find(window, QCheckBox, "tlsVerifyCheck").setChecked(False)
    edit = find(window, QLineEdit, "originEdit")
    edit.setText("https://example.com")
    edit.textEdited.emit(edit.text())
    assert tabs.tabText(0) == "Feed •"
    trigger(window, "actionSaveProfile")  # saved under its name, nothing asked
    assert tabs.tabText(0) == "Feed"


def test_a_pasted_wscat_command_line_fills_the_form(window: MainWindow) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.setText("wscat -c wss://api.example.com/ws -H 'X-Key: abc' -o https://app.example.com -n")
    uri.textEdited.emit(uri.text())
    assert uri.text() == "wss://api.example.com/ws"
    assert find(window, QLineEdit, "originEdit").text() == "https://app.example.com"
    assert not find(window, QCheckBox, "tlsVerifyCheck").isChecked()
    assert "wscat" in find(window, QLabel, "connectionStatusLabel").text()


def test_used_uris_are_offered_as_completions(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    uri = recording_server.url("/echo")
    find(window, QLineEdit, "uriEdit").setText(uri)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window) == "open", timeout=WAIT_MS)
    trigger(window, "actionNewConnection")
    completer = window.current_page().uri_edit.completer()
    assert completer is not None
    assert uri in completer.model().stringList()  # type: ignore[attr-defined]


def test_pages_open_at_quit_come_back_not_connected(
    recording_server: RecordingServer,
    window: MainWindow,
    windows: list[MainWindow],
    qtbot: QtBot,
) -> None:
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/one"))
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window) == "open", timeout=WAIT_MS)
    trigger(window, "actionNewConnection")
    window.current_page().uri_edit.setText(recording_server.url("/two"))
    find(window.current_page(), QLineEdit, "originEdit").setText("https://unsaved.example")
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)

    second = MainWindow()
    windows.append(second)
    second.show()
    assert len(second.pages()) == 1  # a new window has one page until asked
    assert second.restore_open_pages() == 2
    first_page, second_page = second.pages()
    assert first_page.uri_edit.text() == recording_server.url("/one")
    assert second_page.uri_edit.text() == recording_server.url("/two")
    assert find(second_page, QLineEdit, "originEdit").text() == "https://unsaved.example"
    assert all(page.state.value == "idle" for page in second.pages())
    assert recording_server.handshake_attempts == 1


def test_server_and_relay_pages_open_at_quit_come_back_in_their_order(
    recording_server: RecordingServer,
    window: MainWindow,
    windows: list[MainWindow],
    qtbot: QtBot,
) -> None:
    server = settings_to_json(ServerSettings(path="/saved"))
    mock = window.store.save(Profile("Mock", ConnectionOptions(""), server=server))
    open_saved_profile(window, mock)
    find(window.current_page(), QLineEdit, "serverPathEdit").setText("/unsaved")
    trigger(window, "actionNewRelay")
    relay = window.current_page()
    find(relay, QLineEdit, "upstreamEdit").setText(recording_server.url("/echo"))
    find(relay, QSpinBox, "faultCodeSpin").setValue(4001)
    window.close_page_at(0)  # the empty connection page the window opened with
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)

    second = MainWindow()
    windows.append(second)
    second.show()
    assert second.restore_open_pages() == 2
    server_page, relay_page = second.pages()  # and no empty connection page before them
    assert server_page.objectName() == "serverPage" and relay_page.objectName() == "relayPage"
    assert find(server_page, QLineEdit, "serverPathEdit").text() == "/unsaved"
    assert getattr(server_page, "profile", None) == mock  # Save still overwrites “Mock”
    assert find(relay_page, QLineEdit, "upstreamEdit").text() == recording_server.url("/echo")
    assert find(relay_page, QSpinBox, "faultCodeSpin").value() == 4001
    assert find(server_page, QPushButton, "listenButton").text() == "Start"  # not listening


def test_a_server_profile_opened_by_name_in_a_new_window_is_its_only_tab(
    window: MainWindow,
) -> None:
    server = settings_to_json(ServerSettings(path="/mock"))
    window.store.save(Profile("Mock", ConnectionOptions(""), server=server))
    page = open_profile_named(window, "Mock")  # as `wsinspector --profile Mock` does
    assert window.pages() == [page]  # the new window's empty connection page made way
    assert find(page, QLineEdit, "serverPathEdit").text() == "/mock"


def test_page_variables_fill_placeholders_and_are_saved_with_the_profile(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = window.current_page()
    page.profile_binding.variables.add_row("room", "kitchen", secret=True)
    find(window, QLineEdit, "uriEdit").setText(recording_server.url("/rooms/{{room}}"))
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window) == "open", timeout=WAIT_MS)
    assert recording_server.connections[-1].route == "/rooms/kitchen"
    answer_name(monkeypatch, "Rooms")
    trigger(window, "actionSaveProfile")
    (saved,) = ProfileStore().profiles()
    assert saved.variables == {"room": "kitchen"} and saved.secrets.variables == {"room"}


def test_the_environments_dialog_saves_and_every_page_can_choose_them(
    window: MainWindow, qtbot: QtBot
) -> None:
    trigger(window, "actionNewConnection")
    qtbot.mouseClick(find(window, QToolButton, "environmentsButton"), Qt.MouseButton.LeftButton)
    dialog = window.findChild(QDialog, "environmentsDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.accepted_environments.emit(Environments({"prod": {"host": "example.com"}}))  # type: ignore[attr-defined]
    dialog.close()
    assert ProfileStore().load_environments().names() == ["prod"]
    for page in window.pages():
        combo = find(page, QComboBox, "environmentCombo")
        assert [combo.itemText(i) for i in range(combo.count())] == ["No environment", "prod"]
