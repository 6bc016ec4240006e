"""A page's saved protocol messages, against the real Node servers of tests/node/ (socket.io
v4, graphql-ws): a saved Socket.IO event with an ack and a {{variable}} is sent from the list
and answered; the composer saves its fields and loads them back; a GraphQL profile's
on-connect subscription streams its results once the page has connected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.node import node_server
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QListView, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.protocols.registry import GRAPHQL, SOCKETIO
from wsinspector.core.storage.profiles import MessageMode, Profile, SavedMessage
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt import MainWindow
from wsinspector.qt.pages.live_page import LivePage

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def socketio_port() -> Iterator[int]:
    with node_server("socketio_server.js") as port:
        yield port


@pytest.fixture(scope="module")
def graphql_port() -> Iterator[int]:
    with node_server("graphql_server.js") as port:
        yield port


def rows_with(window: MainWindow, *words: str) -> list[str]:
    return [row for row in log_rows(window) if all(word in row for word in words)]


def connect(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)


def open_profile(window: MainWindow, profile: Profile) -> LivePage:
    return window.open_profile(window.store.save(profile))


def test_a_saved_socketio_event_is_sent_with_its_ack_and_variables(
    window: MainWindow, qtbot: QtBot, socketio_port: int
) -> None:
    saved = SavedMessage(
        "echo",
        '["{{user}}", 2]',
        MessageMode.JSON,
        protocol=SOCKETIO,
        fields=(("event", "echo"), ("ack", True)),
    )
    options = ConnectionOptions(f"http://127.0.0.1:{socketio_port}", protocol=SOCKETIO)
    page = open_profile(
        window, Profile("sio", options, messages=(saved,), variables={"user": "ann"})
    )
    connect(qtbot, window)
    # The server's welcome comes once the namespace is connected: events go after it.
    qtbot.waitUntil(lambda: bool(rows_with(window, "event", "welcome")), timeout=WAIT_MS)
    view = find(window, QListView, "savedMessagesView")
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.mouseClick(find(window, QPushButton, "sendSavedMessageButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(rows_with(window, "| ack |", "echo", "ann")), timeout=WAIT_MS)
    assert rows_with(window, "event", "echo", "ann")
    # The composer keeps the protocol's fields when it saves, and gets them back on Load.
    find(window, QLineEdit, "eventNameEdit").setText("shout")
    find(window, QCheckBox, "ackCheck").setChecked(False)
    find(window, QPlainTextEdit, "messageEdit").setPlainText('{"loud": "{{user}}"}')
    page.saved_messages.ask_text = lambda *_args: "shout it"
    qtbot.mouseClick(find(window, QPushButton, "saveMessageButton"), Qt.MouseButton.LeftButton)
    stored = window.store.profiles()[0].messages
    assert stored[1] == SavedMessage(
        "shout it",
        '{"loud": "{{user}}"}',
        protocol=SOCKETIO,
        fields=(("event", "shout"), ("ack", False)),
    )
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.mouseClick(find(window, QPushButton, "loadSavedMessageButton"), Qt.MouseButton.LeftButton)
    assert find(window, QLineEdit, "eventNameEdit").text() == "echo"
    assert find(window, QCheckBox, "ackCheck").isChecked()
    assert find(window, QPlainTextEdit, "messageEdit").toPlainText() == '["{{user}}", 2]'


def test_a_graphql_profiles_on_connect_subscription_streams_after_connecting(
    window: MainWindow, qtbot: QtBot, graphql_port: int
) -> None:
    subscription = SavedMessage(
        "countdown",
        "subscription Count($from: Int!) { countdown(from: $from) }",
        protocol=GRAPHQL,
        fields=(("variables", '{"from": {{from}}}'),),
        on_connect=True,
    )
    options = ConnectionOptions(f"ws://127.0.0.1:{graphql_port}/graphql", protocol=GRAPHQL)
    open_profile(window, Profile("gql", options, messages=(subscription,), variables={"from": "3"}))
    assert "on connect" in find(window, QListView, "savedMessagesView").model().index(0, 0).data()
    connect(qtbot, window)
    qtbot.waitUntil(lambda: bool(rows_with(window, "complete", "Count #1")), timeout=WAIT_MS)
    assert len(rows_with(window, "next", "Count #1", "countdown")) == 3
