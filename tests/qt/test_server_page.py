"""Server pages as a person meets them: Connection ▸ New server page, Start, a client that
nobody here wrote (websockets' client) connects, is listed, gets a rule's answer and a
person's, and is closed with a chosen code; the handshake can be answered with a rejection."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from helpers.node_client import NodeClientProcess
from helpers.ui import find, log_rows
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyleOptionViewItem,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from wsinspector.qt import MainWindow

WAIT_MS = 5000


def open_server_page(qtbot: QtBot, window: MainWindow) -> QWidget:
    find(window, QAction, "actionNewServer").trigger()
    page = window.tabs.currentWidget()
    assert page.objectName() == "serverPage"
    find(page, QLineEdit, "listenEdit").setText("127.0.0.1:0")
    qtbot.mouseClick(find(page, QPushButton, "listenButton"), Qt.MouseButton.LeftButton)
    label = find(page, QLabel, "listenAddressLabel")
    qtbot.waitUntil(lambda: label.text().startswith("ws://127.0.0.1:"), timeout=WAIT_MS)
    return page


def add_rule(qtbot: QtBot, page: QWidget, when: str, pattern: str, answer: str) -> None:
    qtbot.mouseClick(find(page, QPushButton, "addRuleButton"), Qt.MouseButton.LeftButton)
    model = find(page, QAbstractItemView, "rulesView").model()
    row = model.rowCount() - 1
    for column, value in ((1, when), (2, pattern), (3, answer)):
        assert model.setData(model.index(row, column), value, Qt.ItemDataRole.EditRole)


def test_a_client_is_shown_answered_by_a_rule_and_a_person_and_closed_with_a_code(
    window: MainWindow, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    page = open_server_page(qtbot, window)
    qtmodeltester.check(find(page, QAbstractItemView, "rulesView").model())
    add_rule(qtbot, page, "text contains", "hello", "hi client {{client}}")
    address = find(page, QLabel, "listenAddressLabel").text()
    seen: dict[str, Any] = {}

    async def client() -> None:
        async with connect(address + "chat") as websocket:
            await websocket.send("hello server")
            seen["rule"] = await websocket.recv()
            seen["person"] = await websocket.recv()
            try:
                await websocket.recv()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                seen["close"] = (closed.rcvd.code, closed.rcvd.reason)

    task = asyncio.ensure_future(client())
    clients = find(page, QAbstractItemView, "clientsView")
    qtmodeltester.check(clients.model())
    qtbot.waitUntil(lambda: "rule" in seen, timeout=WAIT_MS)
    assert seen["rule"] == "hi client 1"
    model = clients.model()
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
    row = [str(model.data(model.index(0, c))) for c in range(model.columnCount())]
    assert row[0] == "1" and row[2] == "/chat" and row[4] == "open"
    assert row[1].startswith("127.0.0.1:")
    # Selecting the client shows its handshake as received and as sent.
    clients.selectionModel().select(
        model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    request = find(page, QPlainTextEdit, "requestHeadersView").toPlainText()
    response = find(page, QPlainTextEdit, "responseHeadersView").toPlainText()
    assert request.startswith("GET /chat HTTP/1.1")
    assert response.startswith("HTTP/1.1 101 Switching Protocols")

    find(page, QPlainTextEdit, "messageEdit").setPlainText("typed by a person")
    qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "person" in seen, timeout=WAIT_MS)
    assert seen["person"] == "typed by a person"

    find(page, QSpinBox, "closeCodeSpin").setValue(4123)
    find(page, QLineEdit, "closeReasonEdit").setText("chosen by hand")
    qtbot.mouseClick(find(page, QPushButton, "closeClientsButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    assert seen["close"] == (4123, "chosen by hand")
    qtbot.waitUntil(lambda: model.data(model.index(0, 4)) == "closed", timeout=WAIT_MS)
    assert (model.data(model.index(0, 5)), model.data(model.index(0, 6))) == (1, 2)
    # The log shows it all, each row under the client's number.
    wanted = ("hello server", "hi client 1", "typed by a person", "4123")
    qtbot.waitUntil(
        lambda: all(any(w in text for text in log_rows(page)) for w in wanted), timeout=WAIT_MS
    )


def test_broadcast_reaches_every_client_and_a_handshake_is_rejected_by_hand(
    window: MainWindow, qtbot: QtBot
) -> None:
    page = open_server_page(qtbot, window)
    address = find(page, QLabel, "listenAddressLabel").text()
    got: list[str] = []
    rejected: list[int] = []
    release = asyncio.Event()

    async def client() -> None:
        async with connect(address) as websocket:
            got.append(str(await websocket.recv()))
            await release.wait()

    tasks = [asyncio.ensure_future(client()) for _ in range(2)]
    model = find(page, QAbstractItemView, "clientsView").model()
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: model.data(model.index(1, 4)) == "open", timeout=WAIT_MS)
    find(page, QCheckBox, "broadcastCheck").setChecked(True)
    find(page, QPlainTextEdit, "messageEdit").setPlainText("to everyone")
    qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: got == ["to everyone", "to everyone"], timeout=WAIT_MS)
    release.set()
    qtbot.waitUntil(lambda: all(task.done() for task in tasks), timeout=WAIT_MS)

    find(page, QComboBox, "handshakeAnswerCombo").setCurrentText("Reject the next client")
    find(page, QSpinBox, "rejectStatusSpin").setValue(429)
    find(page, QPlainTextEdit, "rejectHeadersEdit").setPlainText("Retry-After: 3")
    find(page, QPlainTextEdit, "rejectBodyEdit").setPlainText("slow down")
    qtbot.mouseClick(find(page, QPushButton, "applyAnswerButton"), Qt.MouseButton.LeftButton)

    async def refused() -> None:
        try:
            async with connect(address):
                pass
        except InvalidStatus as exc:
            rejected.append(exc.response.status_code)
            assert exc.response.headers["Retry-After"] == "3"
            assert exc.response.body == b"slow down"

    task = asyncio.ensure_future(refused())
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    assert rejected == [429]
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=WAIT_MS)
    assert model.data(model.index(2, 4)) == "failed"


def test_stop_closes_the_clients_and_the_page_is_idle_again(
    window: MainWindow, qtbot: QtBot
) -> None:
    page = open_server_page(qtbot, window)
    address = find(page, QLabel, "listenAddressLabel").text()
    codes: list[int] = []

    async def client() -> None:
        async with connect(address) as websocket:
            try:
                await websocket.recv()
            except ConnectionClosed as closed:
                codes.append(closed.rcvd.code if closed.rcvd else 1006)

    task = asyncio.ensure_future(client())
    model = find(page, QAbstractItemView, "clientsView").model()
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
    button = find(page, QPushButton, "listenButton")
    qtbot.waitUntil(lambda: button.text() == "Stop", timeout=WAIT_MS)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    assert codes == [1001]
    qtbot.waitUntil(lambda: button.text() == "Start", timeout=WAIT_MS)
    assert find(page, QLabel, "listenAddressLabel").text() == ""
    assert window.tabs.count() == 2


def test_what_the_server_saw_is_in_the_history_filter_and_export(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    page = open_server_page(qtbot, window)
    assert find(page, QCheckBox, "recordCheck").isChecked()
    find(page, QComboBox, "decoderCombo")  # the Decoding tab, as on other pages
    address = find(page, QLabel, "listenAddressLabel").text()

    async def client(words: list[str]) -> None:
        async with connect(address) as websocket:
            for word in words:
                await websocket.send(word)

    # Two clients, one after the other: one session of the History from Start to Stop.
    for words in (["apple", "banana"], ["cherry"]):
        task = asyncio.ensure_future(client(words))
        qtbot.waitUntil(task.done, timeout=WAIT_MS)
        task.result()
    qtbot.waitUntil(lambda: page.log.counters.messages_in == 3, timeout=WAIT_MS)
    find(page, QLineEdit, "logFilterEdit").setText("an")
    qtbot.waitUntil(
        lambda: len(log_rows(page)) == 1 and "banana" in log_rows(page)[0], timeout=WAIT_MS
    )
    target = tmp_path / "server.jsonl"
    page.export_log(str(target), "filtered")
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    assert "banana" in target.read_text() and "apple" not in target.read_text()

    qtbot.mouseClick(find(page, QPushButton, "listenButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.recorder is None, timeout=WAIT_MS)
    assert window.capture is not None
    window.capture.sync()
    (session,) = window.capture.sessions()
    assert session.uri == address
    assert session.messages_in == 3
    captured = window.open_captured_session(session.id)
    texts = " ".join(log_rows(captured))
    assert all(word in texts for word in ("apple", "banana", "cherry"))


def test_a_server_page_saved_as_a_profile_opens_again_from_the_profiles_dock_and_answers(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    find(window, QAction, "actionNewServer").trigger()
    page = window.tabs.currentWidget()
    find(page, QLineEdit, "serverPathEdit").setText("/echo")
    add_rule(qtbot, page, "regex", r"n=\d+", "seen {{match}}")
    monkeypatch.setattr(
        "wsinspector.qt.window.server_pages.QInputDialog.getText",
        lambda *args, **kwargs: ("echo server", True),
    )
    find(window, QAction, "actionSaveProfile").trigger()
    (saved,) = window.store.profiles()
    assert saved.name == "echo server" and saved.server["path"] == "/echo"

    window.profiles_sidebar.open_requested.emit(saved)
    reopened = window.tabs.currentWidget()
    assert reopened is not page and reopened.objectName() == "serverPage"
    assert find(reopened, QLineEdit, "serverPathEdit").text() == "/echo"
    find(reopened, QLineEdit, "listenEdit").setText("127.0.0.1:0")
    qtbot.mouseClick(find(reopened, QPushButton, "listenButton"), Qt.MouseButton.LeftButton)
    label = find(reopened, QLabel, "listenAddressLabel")
    qtbot.waitUntil(lambda: label.text().endswith("/echo"), timeout=WAIT_MS)
    answers: list[str] = []

    async def client() -> None:
        async with connect(label.text()) as websocket:
            await websocket.send("x n=5")
            answers.append(str(await websocket.recv()))

    task = asyncio.ensure_future(client())
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    assert answers == ["seen n=5"]


def test_node_ws_client_is_shown_answered_pinged_and_closed_with_a_chosen_code(
    window: MainWindow, qtbot: QtBot
) -> None:
    page = open_server_page(qtbot, window)
    add_rule(qtbot, page, "JSON subset", '{"op": "hi"}', '{"op": "hello", "you": {{client}}}')
    address = find(page, QLabel, "listenAddressLabel").text()
    node = NodeClientProcess(address + "node")
    try:
        qtbot.waitUntil(lambda: "open" in node.kinds(), timeout=WAIT_MS)
        clients = find(page, QAbstractItemView, "clientsView")
        model = clients.model()
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
        assert model.data(model.index(0, 2)) == "/node"
        node.send('{"op": "hi", "name": "node"}')
        qtbot.waitUntil(lambda: "message" in node.kinds(), timeout=WAIT_MS)
        assert node.events[-1]["data"] == '{"op": "hello", "you": 1}'

        clients.selectionModel().select(
            model.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        find(page, QPlainTextEdit, "messageEdit").setPlainText("from the person")
        qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: node.kinds().count("message") == 2, timeout=WAIT_MS)
        assert node.events[-1]["data"] == "from the person"
        qtbot.mouseClick(find(page, QPushButton, "pingButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "ping" in node.kinds(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: any("pong" in row for row in log_rows(page)), timeout=WAIT_MS)

        find(page, QSpinBox, "closeCodeSpin").setValue(4404)
        find(page, QLineEdit, "closeReasonEdit").setText("node, go")
        qtbot.mouseClick(find(page, QPushButton, "closeClientsButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "close" in node.kinds(), timeout=WAIT_MS)
        close = node.events[-1]
        assert (close["code"], close["reason"]) == (4404, "node, go")
    finally:
        node.stop()


def test_drop_ends_a_client_without_a_close_frame(window: MainWindow, qtbot: QtBot) -> None:
    page = open_server_page(qtbot, window)
    node = NodeClientProcess(find(page, QLabel, "listenAddressLabel").text())
    try:
        model = find(page, QAbstractItemView, "clientsView").model()
        qtbot.waitUntil(lambda: "open" in node.kinds(), timeout=WAIT_MS)
        find(page, QCheckBox, "broadcastCheck").setChecked(True)
        qtbot.mouseClick(find(page, QPushButton, "dropClientsButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "close" in node.kinds(), timeout=WAIT_MS)
        assert node.events[-1]["code"] == 1006
        qtbot.waitUntil(lambda: model.data(model.index(0, 4)) == "closed", timeout=WAIT_MS)
    finally:
        node.stop()


def test_a_rule_kind_is_chosen_from_a_list(window: MainWindow, qtbot: QtBot) -> None:
    find(window, QAction, "actionNewServer").trigger()
    page = window.tabs.currentWidget()
    qtbot.mouseClick(find(page, QPushButton, "addRuleButton"), Qt.MouseButton.LeftButton)
    view = find(page, QAbstractItemView, "rulesView")
    index = view.model().index(0, 1)
    delegate = view.itemDelegateForColumn(1)
    editor = delegate.createEditor(view.viewport(), QStyleOptionViewItem(), index)
    assert isinstance(editor, QComboBox)
    assert [editor.itemText(i) for i in range(editor.count())] == [
        "text contains",
        "regex",
        "JSON subset",
        "every (timed)",
    ]
    delegate.setEditorData(editor, index)
    assert editor.currentText() == "text contains"
    editor.setCurrentText("every (timed)")
    delegate.setModelData(editor, view.model(), index)
    assert view.model().data(index) == "every (timed)"
    editor.deleteLater()


def test_the_window_ping_and_close_actions_act_on_the_selected_clients(
    window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QAction, "actionNewServer").trigger()
    ping, close = find(window, QAction, "actionPing"), find(window, QAction, "actionClose")
    assert not ping.isEnabled() and not close.isEnabled()  # not listening yet
    page = open_server_page(qtbot, window)
    qtbot.waitUntil(lambda: ping.isEnabled() and close.isEnabled(), timeout=WAIT_MS)
    address = find(page, QLabel, "listenAddressLabel").text()
    seen: dict[str, Any] = {}

    async def client() -> None:
        async with connect(address) as websocket:
            try:
                await websocket.recv()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                seen["close"] = (closed.rcvd.code, closed.rcvd.reason)

    task = asyncio.ensure_future(client())
    clients = find(page, QAbstractItemView, "clientsView")
    model = clients.model()
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
    clients.selectionModel().select(
        model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    ping.trigger()
    # websockets' client answers the ping by itself: the pong in the log is the proof.
    qtbot.waitUntil(lambda: any("pong" in row.lower() for row in log_rows(page)), timeout=WAIT_MS)
    find(page, QSpinBox, "closeCodeSpin").setValue(4321)
    find(page, QLineEdit, "closeReasonEdit").setText("from the menu")
    close.trigger()
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    assert seen["close"] == (4321, "from the menu")


def test_a_server_profile_fills_its_variables_in_rule_answers(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    find(window, QAction, "actionNewServer").trigger()
    add_rule(qtbot, window.tabs.currentWidget(), "text", "hi", "hello {{user}}")
    monkeypatch.setattr(
        "wsinspector.qt.window.server_pages.QInputDialog.getText",
        lambda *args, **kwargs: ("greeter", True),
    )
    find(window, QAction, "actionSaveProfile").trigger()
    (saved,) = window.store.profiles()
    window.store.save(dataclasses.replace(saved, variables={"user": "alice"}))
    (saved,) = window.store.profiles()

    window.profiles_sidebar.open_requested.emit(saved)
    page = window.tabs.currentWidget()
    find(page, QLineEdit, "listenEdit").setText("127.0.0.1:0")
    qtbot.mouseClick(find(page, QPushButton, "listenButton"), Qt.MouseButton.LeftButton)
    label = find(page, QLabel, "listenAddressLabel")
    qtbot.waitUntil(lambda: label.text().startswith("ws://127.0.0.1:"), timeout=WAIT_MS)
    answers: list[str] = []

    async def client() -> None:
        async with connect(label.text()) as websocket:
            await websocket.send("hi")
            answers.append(str(await websocket.recv()))

    task = asyncio.ensure_future(client())
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    assert answers == ["hello alice"]
