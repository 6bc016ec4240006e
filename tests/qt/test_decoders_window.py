"""A page's decoder in the window: the Decoding tab, the log's Data column, the filter, the
detail view's decoded modes, and the composer encoding JSON as MessagePack or CBOR."""

from __future__ import annotations

from pathlib import Path

import cbor2
import msgpack
import pytest
from helpers.proto import write_tick_proto
from helpers.servers import RecordingServer
from helpers.ui import (
    connect_to,
    detail_mode_combo,
    detail_modes,
    find,
    log_rows,
)
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabBar,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeView,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.decoders.proto_schema import load_proto
from wsinspector.qt import MainWindow

WAIT_MS = 5000
TICKS = [
    {"symbol": "BTC", "price": 1},
    {"symbol": "ETH", "price": 2},
    {"symbol": "BTC", "price": 3},
]


def binary_rows(window: MainWindow) -> list[str]:
    return [row for row in log_rows(window) if "binary" in row.lower()]


def broadcast_ticks(qtbot: QtBot, window: MainWindow, server: RecordingServer) -> None:
    connect_to(qtbot, window, server.url("/silent"))
    for tick in TICKS:
        server.broadcast(msgpack.packb(tick))
    qtbot.waitUntil(lambda: len(binary_rows(window)) == len(TICKS), timeout=WAIT_MS)


def set_decoder(window: MainWindow, label: str) -> None:
    find(window, QComboBox, "decoderCombo").setCurrentText(label)


def select_last_binary_row(window: MainWindow) -> None:
    view = find(window, QTableView, "messageLog")
    model = view.model()
    rows = [
        row
        for row in range(model.rowCount())
        if "binary" in str(model.index(row, 3).data()).lower()
    ]
    view.selectionModel().select(
        model.index(rows[-1], 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def trigger(window: MainWindow, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def detail_text(window: MainWindow) -> str:
    return find(window, QPlainTextEdit, "detailBody").toPlainText()


def test_the_data_column_shows_decoded_messagepack(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    broadcast_ticks(qtbot, window, recording_server)
    assert not any('"symbol"' in row for row in binary_rows(window))  # hex until decoded
    set_decoder(window, "MessagePack")
    qtbot.waitUntil(
        lambda: any('{"symbol":"ETH","price":2}' in row for row in binary_rows(window)),
        timeout=WAIT_MS,
    )
    set_decoder(window, "None")
    qtbot.waitUntil(
        lambda: not any('"symbol"' in row for row in binary_rows(window)), timeout=WAIT_MS
    )


def test_the_filter_finds_a_decoded_value(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    broadcast_ticks(qtbot, window, recording_server)
    set_decoder(window, "MessagePack")
    # Only the decoded text has it: the payload holds "price" and then the byte 0x02.
    find(window, QLineEdit, "logFilterEdit").setText('"price":2')
    status = find(window, QLabel, "logFilterStatusLabel")
    qtbot.waitUntil(lambda: status.text().startswith("1 of"), timeout=WAIT_MS)
    assert len(log_rows(window)) == 1
    assert '"symbol":"ETH"' in log_rows(window)[0]
    # New messages are tested as they arrive.
    recording_server.broadcast(msgpack.packb({"symbol": "SOL", "price": 2}))
    qtbot.waitUntil(lambda: len(log_rows(window)) == 2, timeout=WAIT_MS)
    # Without a decoder the same text finds nothing.
    set_decoder(window, "None")
    qtbot.waitUntil(lambda: status.text().startswith("0 of"), timeout=WAIT_MS)


def test_the_detail_view_opens_binary_in_the_page_decoder(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    broadcast_ticks(qtbot, window, recording_server)
    select_last_binary_row(window)
    qtbot.waitUntil(lambda: detail_mode_combo(window).isVisible(), timeout=WAIT_MS)
    assert detail_mode_combo(window).currentText() == "Hex"
    assert {"MessagePack", "CBOR", "Protobuf (raw)"} <= set(detail_modes(window))
    set_decoder(window, "MessagePack")
    qtbot.waitUntil(
        lambda: detail_mode_combo(window).currentText() == "MessagePack", timeout=WAIT_MS
    )
    assert '"symbol": "BTC"' in detail_text(window) and '"price": 3' in detail_text(window)
    tree_check = find(window, QCheckBox, "detailDecodedTreeCheck")
    assert tree_check.isVisible()
    tree_check.setChecked(True)
    tree = find(window, QTreeView, "detailJsonTree")
    qtbot.waitUntil(tree.isVisible, timeout=WAIT_MS)
    model = tree.model()
    document = model.index(0, 0)  # the document's row, its members under it
    qtbot.waitUntil(lambda: model.rowCount(document) == 2, timeout=WAIT_MS)
    members = [
        (model.index(row, 0, document).data(), model.index(row, 1, document).data())
        for row in range(2)
    ]
    assert members == [("symbol", '"BTC"'), ("price", "3")]
    # CBOR can't read it: why, and the hex instead.
    tree_check.setChecked(False)
    detail_mode_combo(window).setCurrentText("CBOR")
    notice = find(window, QLabel, "detailNotice")
    assert "Not CBOR" in notice.text() and "hex" in notice.text()
    assert detail_text(window).startswith("00000000  82")


def test_a_truncated_payload_says_why_in_the_detail_view(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/silent"))
    set_decoder(window, "MessagePack")
    recording_server.broadcast(msgpack.packb({"symbol": "BTC", "price": 1})[:-3])
    qtbot.waitUntil(lambda: len(binary_rows(window)) == 1, timeout=WAIT_MS)
    assert "82 a6 73 79" in binary_rows(window)[0]  # the row falls back to hex
    select_last_binary_row(window)
    notice = find(window, QLabel, "detailNotice")
    qtbot.waitUntil(lambda: "Not MessagePack" in notice.text(), timeout=WAIT_MS)
    assert "truncated" in notice.text() and "at byte" in notice.text()
    assert detail_text(window).startswith("00000000  82 a6")


def test_protobuf_with_a_proto_file_and_a_bad_one(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    proto = write_tick_proto(tmp_path)
    message_class = load_proto(str(proto)).message_class("demo.Tick")
    connect_to(qtbot, window, recording_server.url("/silent"))
    recording_server.broadcast(message_class(symbol="BTC", price=3.5).SerializeToString())
    qtbot.waitUntil(lambda: len(binary_rows(window)) == 1, timeout=WAIT_MS)

    set_decoder(window, "Protocol Buffers")  # no schema yet: fields by number
    qtbot.waitUntil(lambda: '"1":"BTC"' in binary_rows(window)[0], timeout=WAIT_MS)
    file_edit = find(window, QLineEdit, "protoFileEdit")
    file_edit.setText(str(proto))
    file_edit.editingFinished.emit()
    types = find(window, QComboBox, "messageTypeCombo")
    assert types.currentText() == "demo.Tick"
    qtbot.waitUntil(
        lambda: '{"symbol":"BTC","price":3.5}' in binary_rows(window)[0], timeout=WAIT_MS
    )
    select_last_binary_row(window)
    qtbot.waitUntil(
        lambda: detail_mode_combo(window).currentText() == "Protobuf: demo.Tick", timeout=WAIT_MS
    )
    assert '"symbol": "BTC"' in detail_text(window)

    bad = tmp_path / "bad.proto"
    bad.write_text('syntax = "proto3";\nmessage X { strin a = 1; }\n', encoding="utf-8")
    file_edit.setText(str(bad))
    file_edit.editingFinished.emit()
    error = find(window, QLabel, "decoderError")
    assert not error.isHidden()
    assert 'bad.proto:2:13: "strin" is not defined' in error.text()
    # Back to raw decoding, and the rows say so.
    qtbot.waitUntil(lambda: '"1":"BTC"' in binary_rows(window)[0], timeout=WAIT_MS)


def compose(qtbot: QtBot, window: MainWindow, format_label: str, text: str) -> None:
    find(window, QComboBox, "messageFormatCombo").setCurrentText(format_label)
    find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


def test_the_composer_encodes_json_as_messagepack_and_cbor(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/silent"))
    record = recording_server.last
    value = {"op": "subscribe", "ids": [1, 2], "deep": {"ok": True, "none": None}}
    compose(
        qtbot,
        window,
        "JSON → MessagePack",
        '{"op": "subscribe", "ids": [1, 2], "deep": {"ok": true, "none": null}}',
    )
    qtbot.waitUntil(lambda: len(record.received) == 1, timeout=WAIT_MS)
    first = record.received[0]
    assert isinstance(first, bytes) and msgpack.unpackb(first) == value
    compose(
        qtbot,
        window,
        "JSON → CBOR",
        '{"op": "subscribe", "ids": [1, 2], "deep": {"ok": true, "none": null}}',
    )
    qtbot.waitUntil(lambda: len(record.received) == 2, timeout=WAIT_MS)
    second = record.received[1]
    assert isinstance(second, bytes) and cbor2.loads(second) == value

    compose(qtbot, window, "JSON → MessagePack", '{"op": ')
    error = find(window, QLabel, "composerErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert "invalid JSON at line 1" in error.text()
    find(window, QPlainTextEdit, "messageEdit").setPlainText("[1]")  # a round trip for sure
    compose(qtbot, window, "JSON → MessagePack", "[1]")
    qtbot.waitUntil(lambda: len(record.received) == 3, timeout=WAIT_MS)
    assert record.received[2] == msgpack.packb([1])  # the invalid one was never sent


def test_an_imported_log_can_be_decoded_too(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    compose(qtbot, window, "JSON → MessagePack", '{"symbol": "XRP"}')
    qtbot.waitUntil(lambda: len(binary_rows(window)) == 2, timeout=WAIT_MS)  # sent, echoed
    target = tmp_path / "ticks.jsonl"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(target), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args, **_kw: (str(target), ""))
    trigger(window, "actionExportLog")
    status = find(window, QLabel, "exportStatusLabel")
    qtbot.waitUntil(lambda: "Exported" in status.text(), timeout=WAIT_MS)
    trigger(window, "actionImportLog")
    tabs = find(window, QTabWidget, "connectionTabs")
    qtbot.waitUntil(lambda: tabs.count() == 2, timeout=WAIT_MS)
    imported = tabs.widget(1)
    qtbot.waitUntil(lambda: len(binary_rows(imported)) == 2, timeout=WAIT_MS)
    # A read-only page has no connection settings, only how it decodes its log.
    assert imported.findChild(QTabBar, "settingsTabBar") is None
    find(imported, QToolButton, "decodingButton").click()
    combo = find(imported, QComboBox, "decoderCombo")
    assert combo.isVisible()
    combo.setCurrentText("MessagePack")
    qtbot.waitUntil(
        lambda: all('{"symbol":"XRP"}' in row for row in binary_rows(imported)), timeout=WAIT_MS
    )
