"""A page that speaks a protocol, as the user meets it in the window, against real servers:
the Node servers of tests/node/ (socket.io v4 with a 300 ms ping interval, graphql-ws, the
legacy subscriptions-transport-ws),
mosquitto (MQTT) and RabbitMQ's web-stomp (STOMP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.node import node_server
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.log.wording import RECEIVED_ARROW
from wsinspector.qt import MainWindow

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def socketio_port() -> Iterator[int]:
    with node_server("socketio_server.js") as port:
        yield port


@pytest.fixture(scope="module")
def graphql_port() -> Iterator[int]:
    with node_server("graphql_server.js") as port:
        yield port


@pytest.fixture(scope="module")
def graphql_legacy_port() -> Iterator[int]:
    with node_server("graphql_legacy_server.js", "200") as port:
        yield port


def type_uri_and_connect(qtbot: QtBot, window: MainWindow, uri: str) -> None:
    edit = find(window, QLineEdit, "uriEdit")
    edit.clear()
    qtbot.keyClicks(edit, uri)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)


def rows_with(window: MainWindow, *words: str) -> list[str]:
    return [row for row in log_rows(window) if all(word in row for word in words)]


def test_a_socketio_page_receives_emits_with_ack_and_stays_open(
    window: MainWindow, qtbot: QtBot, socketio_port: int
) -> None:
    type_uri_and_connect(qtbot, window, f"http://127.0.0.1:{socketio_port}")
    assert "Socket.IO" in find(window, QComboBox, "protocolCombo").currentText()
    qtbot.waitUntil(lambda: bool(rows_with(window, "event", "welcome", "world")), timeout=WAIT_MS)
    find(window, QLineEdit, "eventNameEdit").setText("echo")
    find(window, QCheckBox, "ackCheck").setChecked(True)
    find(window, QPlainTextEdit, "messageEdit").setPlainText('["hi", 2]')
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(rows_with(window, "| ack |", "echo", "hi")), timeout=WAIT_MS)
    assert " ms" in rows_with(window, "| ack |", "echo", "hi")[0]
    # Pinged every 300 ms, dropped after 300 ms more unanswered: ten pings is three seconds.
    qtbot.waitUntil(lambda: len(rows_with(window, "| ping |")) >= 10, timeout=WAIT_MS)
    assert find(window, QLabel, "connectionStatusLabel").property("state") == "open"


def test_a_graphql_subscription_streams_to_completion(
    window: MainWindow, qtbot: QtBot, graphql_port: int
) -> None:
    find(window, QLineEdit, "subprotocolsEdit").setText("")
    qtbot.keyClicks(find(window, QLineEdit, "subprotocolsEdit"), "graphql-transport-ws")
    type_uri_and_connect(qtbot, window, f"ws://127.0.0.1:{graphql_port}/graphql")
    assert "GraphQL" in find(window, QComboBox, "protocolCombo").currentText()
    qtbot.waitUntil(lambda: bool(rows_with(window, "connection_ack")), timeout=WAIT_MS)
    message = find(window, QPlainTextEdit, "messageEdit")
    message.setPlainText("subscription Count($from: Int!) { countdown(from: $from) ")
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: bool(find(window, QLabel, "composerErrorLabel").text()), timeout=WAIT_MS
    )
    message.setPlainText("subscription Count($from: Int!) { countdown(from: $from) }")
    find(window, QPlainTextEdit, "variablesEdit").setPlainText('{"from": 3}')
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(rows_with(window, "complete", "Count #1")), timeout=WAIT_MS)
    assert len(rows_with(window, "next", "Count #1", "countdown")) == 3


def test_a_legacy_graphql_subscription_streams_and_one_is_stopped(
    window: MainWindow, qtbot: QtBot, graphql_legacy_port: int
) -> None:
    find(window, QLineEdit, "subprotocolsEdit").setText("")
    qtbot.keyClicks(find(window, QLineEdit, "subprotocolsEdit"), "graphql-ws")
    type_uri_and_connect(qtbot, window, f"ws://127.0.0.1:{graphql_legacy_port}/graphql")
    assert "GraphQL" in find(window, QComboBox, "protocolCombo").currentText()
    qtbot.waitUntil(lambda: bool(rows_with(window, "connection_ack")), timeout=WAIT_MS)
    message = find(window, QPlainTextEdit, "messageEdit")
    message.setPlainText("subscription Count($from: Int!) { countdown(from: $from) }")
    find(window, QPlainTextEdit, "variablesEdit").setPlainText('{"from": 3}')
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(rows_with(window, "complete", "Count #1")), timeout=WAIT_MS)
    assert len(rows_with(window, "next", "Count #1", "countdown")) == 3
    message.setPlainText("subscription { forever }")
    find(window, QPlainTextEdit, "variablesEdit").setPlainText("")
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows_with(window, "next", "forever #2")) >= 2, timeout=WAIT_MS)
    stop = find(window, QPushButton, "stopOperationButton")
    qtbot.waitUntil(stop.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(rows_with(window, "complete", "forever #2")), timeout=WAIT_MS)
    assert not stop.isEnabled()
    qtbot.waitUntil(lambda: bool(rows_with(window, "keep-alive")), timeout=WAIT_MS)


def send(qtbot: QtBot, window: MainWindow, body: str = "") -> None:
    find(window, QPlainTextEdit, "messageEdit").setPlainText(body)
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


@pytest.mark.timeout(600)
def test_an_mqtt_page_receives_what_it_publishes_at_each_qos(
    window: MainWindow, qtbot: QtBot, mosquitto_uri: str
) -> None:
    qtbot.keyClicks(find(window, QLineEdit, "subprotocolsEdit"), "mqtt")
    find(window, QLineEdit, "mqttClientIdEdit").setText("wsi-page")
    type_uri_and_connect(qtbot, window, mosquitto_uri)
    assert "MQTT" in find(window, QComboBox, "protocolCombo").currentText()
    qtbot.waitUntil(lambda: bool(rows_with(window, "CONNACK")), timeout=WAIT_MS)
    action = find(window, QComboBox, "mqttActionCombo")
    topic = find(window, QLineEdit, "topicEdit")
    qos = find(window, QComboBox, "qosCombo")
    for level in (0, 1, 2):
        action.setCurrentIndex(action.findText("Subscribe"))
        topic.setText(f"wsi/page/{level}")
        qos.setCurrentIndex(level)
        send(qtbot, window)
    qtbot.waitUntil(lambda: len(rows_with(window, "SUBACK")) == 3, timeout=WAIT_MS)
    action.setCurrentIndex(action.findText("Publish"))
    for level in (0, 1, 2):
        topic.setText(f"wsi/page/{level}")
        qos.setCurrentIndex(level)
        send(qtbot, window, f"hello {level}")
    for level in (0, 1, 2):
        qtbot.waitUntil(
            lambda level=level: bool(
                rows_with(window, RECEIVED_ARROW, "PUBLISH", f"wsi/page/{level}", f"hello {level}")
            ),
            timeout=WAIT_MS,
        )
    # The QoS 2 handshake, done by the page and shown as rows.
    qtbot.waitUntil(lambda: bool(rows_with(window, "PUBCOMP")), timeout=WAIT_MS)
    assert rows_with(window, "PUBACK") and rows_with(window, "PUBREC")


@pytest.mark.timeout(600)
def test_a_stomp_page_subscribes_and_receives_what_it_sends(
    window: MainWindow, qtbot: QtBot, stomp_broker_uri: str
) -> None:
    qtbot.keyClicks(find(window, QLineEdit, "subprotocolsEdit"), "v12.stomp")
    find(window, QLineEdit, "stompLoginEdit").setText("guest")
    find(window, QLineEdit, "stompPasscodeEdit").setText("guest")
    type_uri_and_connect(qtbot, window, stomp_broker_uri)
    assert "STOMP" in find(window, QComboBox, "protocolCombo").currentText()
    qtbot.waitUntil(lambda: bool(rows_with(window, "CONNECTED")), timeout=WAIT_MS)
    command = find(window, QComboBox, "stompCommandCombo")
    destination = find(window, QLineEdit, "destinationEdit")
    command.setCurrentIndex(command.findText("SUBSCRIBE"))
    queue = "/queue/wsi-page"
    destination.setText(queue)
    find(window, QPlainTextEdit, "stompHeadersEdit").setPlainText("receipt: r1")
    send(qtbot, window)
    qtbot.waitUntil(lambda: bool(rows_with(window, "RECEIPT", "r1")), timeout=WAIT_MS)
    command.setCurrentIndex(command.findText("SEND"))
    find(window, QPlainTextEdit, "stompHeadersEdit").setPlainText("")
    send(qtbot, window, "hello broker")
    qtbot.waitUntil(
        lambda: bool(rows_with(window, RECEIVED_ARROW, "MESSAGE", queue, "hello broker")),
        timeout=WAIT_MS,
    )
    # What CONNECT said is shown, but not the passcode.
    assert rows_with(window, "CONNECT", '"passcode": "(sent)"')
    assert not rows_with(window, '"passcode": "guest"')
