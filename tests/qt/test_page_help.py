"""Words and one-click remedies where a new user stumbled: stale status, TLS, URIs, empty panes."""

from __future__ import annotations

from collections.abc import Callable

from helpers.faults import FaultServer
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000


def status(window: MainWindow) -> QLabel:
    return find(window, QLabel, "connectionStatusLabel")


def test_cancelling_a_new_connection_does_not_show_the_last_close(
    recording_server: RecordingServer,
    fault_server_factory: Callable[..., FaultServer],
    window: MainWindow,
    qtbot: QtBot,
) -> None:
    connect_to(qtbot, window, recording_server.url("/close?code=4001&reason=first"), "closed")
    qtbot.waitUntil(lambda: "4001" in status(window).text(), timeout=WAIT_MS)
    silent = fault_server_factory("hang")
    connect_to(qtbot, window, silent.url("/"), "connecting")
    qtbot.mouseClick(find(window, QPushButton, "closeButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status(window).property("state") == "closed", timeout=WAIT_MS)
    assert status(window).text() == "Stopped by you while connecting."


def test_untrusted_certificate_offers_both_remedies_with_the_certificate(
    tls_server: TlsServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, tls_server.server.url("/echo"), "failed")
    assert "certificate not trusted" in status(window).text()
    use_ca = find(window, QPushButton, "useCaFileButton")
    skip = find(window, QPushButton, "skipVerificationButton")
    assert use_ca.isVisible() and skip.isVisible()
    certificate = find(window, QLabel, "certificateLabel")
    qtbot.waitUntil(lambda: "Subject:" in certificate.text(), timeout=WAIT_MS)
    assert "issued by" in certificate.text() and "expires" in certificate.text()
    qtbot.mouseClick(skip, Qt.MouseButton.LeftButton)  # one click: connected, with a warning
    qtbot.waitUntil(lambda: status(window).property("state") == "open", timeout=WAIT_MS)
    assert find(window, QLabel, "tlsWarningLabel").isVisible()
    assert not skip.isVisible() and not certificate.isVisible()


def test_a_uri_without_scheme_offers_ws_in_one_click(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    bare = recording_server.url("/echo").removeprefix("ws://")
    find(window, QLineEdit, "uriEdit").setText(bare)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    fix = find(window, QPushButton, "uriFixButton")
    assert fix.isVisible() and fix.text() == f"Use ws://{bare}"
    assert f"did you mean ws://{bare}" in find(window, QLabel, "uriError").text()
    qtbot.mouseClick(fix, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status(window).property("state") == "open", timeout=WAIT_MS)
    assert find(window, QLineEdit, "uriEdit").text() == f"ws://{bare}"


def test_a_new_page_explains_its_empty_panes_and_counts_zero(window: MainWindow) -> None:
    body = find(window, QPlainTextEdit, "detailBody")
    assert body.toPlainText() == "" and "Select a row" in body.placeholderText()
    counters = find(window, QLabel, "countersLabel").text()
    assert "↑ 0 msgs · 0 B" in counters and "↓ 0 msgs · 0 B" in counters


def test_composer_says_how_to_send_once_open(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    edit = find(window, QPlainTextEdit, "messageEdit")
    assert edit.placeholderText().startswith("Connect to send")
    connect_to(qtbot, window, recording_server.url("/echo"), "open")
    assert "Ctrl+Enter" in edit.placeholderText()


def test_shortcuts_are_in_the_menus_and_ctrl_l_focuses_the_uri(
    window: MainWindow, qtbot: QtBot
) -> None:
    def shortcut(name: str) -> str:
        action = window.findChild(QAction, name)
        assert action is not None, name
        return action.shortcut().toString()

    assert shortcut("actionConnect") and shortcut("actionClose")
    assert shortcut("actionFocusUri") == "Ctrl+L"
    window.activateWindow()
    find(window, QPlainTextEdit, "messageEdit").setFocus()
    action = window.findChild(QAction, "actionFocusUri")
    assert action is not None
    action.trigger()
    uri = find(window, QLineEdit, "uriEdit")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is uri, timeout=WAIT_MS)
