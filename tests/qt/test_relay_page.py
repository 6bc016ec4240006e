"""Relay pages as a user drives them: Connection ▸ New relay page, Start, a client, intercept.

The clients are websockets' sync client on a thread and Node's `ws` in a subprocess, so the Qt
loop (which runs the relay) keeps turning while qtbot waits.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from helpers.node import CLIENT, ensure_node_ws
from helpers.servers import RecordingServer
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTreeView,
    QWidget,
)
from pytestqt.qtbot import QtBot
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from wsinspector.qt import MainWindow
from wsinspector.qt.pages.page import Page

WAIT_MS = 10000


def open_relay(window: MainWindow, qtbot: QtBot, upstream: str) -> tuple[QWidget, str]:
    action = window.findChild(QAction, "actionNewRelay")
    assert action is not None
    action.trigger()
    tabs = find(window, QTabWidget, "connectionTabs")
    page = tabs.currentWidget()
    assert page is not None and page.objectName() == "relayPage"
    assert find(page, QLineEdit, "listenEdit").text() == "127.0.0.1:0"
    find(page, QLineEdit, "upstreamEdit").setText(upstream)
    qtbot.mouseClick(find(page, QPushButton, "listenButton"), Qt.MouseButton.LeftButton)
    label = find(page, QLabel, "listenAddressLabel")
    qtbot.waitUntil(lambda: label.text().startswith("ws://127.0.0.1:"), timeout=WAIT_MS)
    return page, label.text()


@contextmanager
def client_thread(address: str, *words: str) -> Iterator[list[str]]:
    """websockets' sync client on a thread: sends each word and waits for its answer."""
    answers: list[str] = []

    def talk() -> None:
        with connect(address, open_timeout=5, close_timeout=1) as client:
            talk_with(client)

    def talk_with(client: ClientConnection) -> None:
        for word in words:
            client.send(word)
            answers.append(str(client.recv(timeout=WAIT_MS / 1000)))

    thread = threading.Thread(target=talk, daemon=True)
    thread.start()
    try:
        yield answers
    finally:
        thread.join(WAIT_MS / 1000)


def test_a_client_through_a_relay_page_shows_both_legs_in_one_log(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    page, address = open_relay(window, qtbot, recording_server.url("/echo"))
    with client_thread(address, "hello relay", "second") as answers:
        qtbot.waitUntil(lambda: len(answers) == 2, timeout=WAIT_MS)
    assert answers == ["hello relay", "second"]
    qtbot.waitUntil(lambda: sum("second" in row for row in log_rows(page)) == 2, timeout=WAIT_MS)
    rows = log_rows(page)
    hello = [row for row in rows if "hello relay" in row]
    # Once on the app's leg (connection 1) toward the upstream, once back on the upstream's (2),
    # the Conn column naming the legs.
    assert [row.split(" | ")[1] for row in hello] == ["app #1", "upstream #1"]
    assert any("app ↔ relay" in row for row in rows)
    assert sum("101" in row for row in rows) >= 2  # both handshakes


def test_a_held_message_is_edited_in_the_page_before_node_ws_gets_it(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    node = ensure_node_ws()
    page, address = open_relay(window, qtbot, recording_server.url("/echo"))
    find(page, QLineEdit, "interceptFilterEdit").setText("secret")
    find(page, QCheckBox, "interceptCheck").setChecked(True)
    process = subprocess.Popen(
        [node, str(CLIENT), address, "plain", "my secret", "last"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = find(page, QListWidget, "heldView")
        qtbot.waitUntil(lambda: held.count() == 1, timeout=WAIT_MS)
        editor = find(page, QPlainTextEdit, "heldEdit")
        assert editor.toPlainText() == "my secret"
        editor.setPlainText("my <edited>")
        qtbot.mouseClick(find(page, QPushButton, "forwardEditedButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=WAIT_MS)
        out, _ = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["message"] for r in records if "message" in r] == ["plain", "my <edited>", "last"]
    assert recording_server.last.received == ["plain", "my <edited>", "last"]
    assert held.count() == 0
    qtbot.waitUntil(
        lambda: any("edited before going on" in r for r in log_rows(page)), timeout=WAIT_MS
    )


def test_closing_the_tab_forwards_what_is_held_then_closes_both_legs(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    page, address = open_relay(window, qtbot, recording_server.url("/silent"))
    find(page, QCheckBox, "interceptCheck").setChecked(True)
    closed: list[int | None] = []

    def talk() -> None:
        with connect(address, open_timeout=5, close_timeout=1) as client:
            client.send("last words")
            with contextlib.suppress(ConnectionClosed):
                client.recv(timeout=WAIT_MS / 1000)
            closed.append(client.close_code)

    thread = threading.Thread(target=talk, daemon=True)
    thread.start()
    held = find(page, QListWidget, "heldView")
    qtbot.waitUntil(lambda: held.count() == 1, timeout=WAIT_MS)
    assert recording_server.last.received == []
    action = window.findChild(QAction, "actionCloseConnection")
    assert action is not None
    action.trigger()
    qtbot.waitUntil(lambda: bool(closed), timeout=WAIT_MS)
    thread.join(5)
    assert closed == [1001]
    qtbot.waitUntil(recording_server.last.closed.is_set, timeout=WAIT_MS)
    assert recording_server.last.received == ["last words"]
    assert recording_server.last.close_code == 1001


def test_relay_settings_are_saved_in_a_profile_and_reopen_a_relay_page(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = window.findChild(QAction, "actionNewRelay")
    assert action is not None
    action.trigger()
    tabs = find(window, QTabWidget, "connectionTabs")
    page = tabs.currentWidget()
    find(page, QLineEdit, "upstreamEdit").setText("wss://upstream.example/feed")
    find(page, QLineEdit, "listenEdit").setText("127.0.0.1:9123")
    find(page, QSpinBox, "faultCodeSpin").setValue(4000)
    find(page, QLineEdit, "interceptFilterEdit").setText("secret")
    find(page, QComboBox, "interceptDirectionCombo").setCurrentText("App → upstream")
    find(page, QCheckBox, "interceptCheck").setChecked(True)
    find(page, QComboBox, "proxyCombo").setCurrentIndex(
        find(page, QComboBox, "proxyCombo").findText("Custom", Qt.MatchFlag.MatchContains)
    )
    find(page, QLineEdit, "proxyEdit").setText("http://127.0.0.1:3128")
    find(page, QLineEdit, "clientCertEdit").setText("/certs/me.pem")
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Feed relay", True))
    save = window.findChild(QAction, "actionSaveProfile")
    assert save is not None
    save.trigger()

    view = find(window, QTreeView, "profilesView")
    rows = [view.model().index(r, 0).data() for r in range(view.model().rowCount())]
    assert "Feed relay" in rows
    view.activated.emit(view.model().index(rows.index("Feed relay"), 0))
    reopened = tabs.currentWidget()
    assert reopened is not page and reopened.objectName() == "relayPage"
    assert find(reopened, QLineEdit, "upstreamEdit").text() == "wss://upstream.example/feed"
    assert find(reopened, QLineEdit, "listenEdit").text() == "127.0.0.1:9123"
    assert find(reopened, QSpinBox, "faultCodeSpin").value() == 4000
    assert find(reopened, QCheckBox, "interceptCheck").isChecked()
    assert find(reopened, QLineEdit, "interceptFilterEdit").text() == "secret"
    assert find(reopened, QComboBox, "interceptDirectionCombo").currentText() == "App → upstream"
    assert find(reopened, QLineEdit, "proxyEdit").text() == "http://127.0.0.1:3128"
    assert find(reopened, QLineEdit, "clientCertEdit").text() == "/certs/me.pem"


def test_the_status_strip_shows_clients_rates_and_the_last_fault(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    page, address = open_relay(window, qtbot, recording_server.url("/echo"))
    status = find(page, QLabel, "relayStatusLabel")
    rate = find(page, QLabel, "rateLabel")
    assert rate.isVisibleTo(page) and "↓ 0 msg/s" in rate.text()
    closed: list[int | None] = []
    talking = threading.Event()
    talking.set()

    def talk() -> None:
        # Messages go both ways until the rate view has sampled some.
        with connect(address, open_timeout=5, close_timeout=1) as client:
            with contextlib.suppress(ConnectionClosed):  # the drop may come at any point
                while talking.is_set():
                    client.send("a message")
                    client.recv(timeout=WAIT_MS / 1000)
                client.recv(timeout=WAIT_MS / 1000)
            closed.append(client.close_code)

    thread = threading.Thread(target=talk, daemon=True)
    thread.start()
    try:
        qtbot.waitUntil(lambda: "1 client relayed" in status.text(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "↓ 0 msg/s" not in rate.text(), timeout=WAIT_MS)
    finally:
        talking.clear()
    recording_server.drop_connections()
    qtbot.waitUntil(lambda: bool(closed), timeout=WAIT_MS)
    thread.join(5)
    assert closed == [1011]
    qtbot.waitUntil(lambda: "0 clients relayed" in status.text(), timeout=WAIT_MS)
    assert "last fault: the relay ↔ upstream leg ended first" in status.text()


def test_every_page_kind_opens_through_the_windows_add_page(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    added: list[str] = []
    add_page = window.add_page

    def spy(page: Page) -> None:
        added.append(page.objectName())
        add_page(page)

    monkeypatch.setattr(window, "add_page", spy)
    for name in ("actionNewConnection", "actionNewRelay"):
        action = window.findChild(QAction, name)
        assert action is not None
        action.trigger()
    assert added == ["connectionPage", "relayPage"]
    assert find(window, QTabWidget, "connectionTabs").currentWidget().objectName() == "relayPage"
