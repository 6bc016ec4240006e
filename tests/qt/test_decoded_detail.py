"""The detail view's decoded modes on their own: base64 text, CBOR, protobuf with a schema,
and what a mode says about a payload it can't read."""

from __future__ import annotations

import base64
from pathlib import Path

import cbor2
from helpers.proto import write_tick_proto
from helpers.ui import detail_mode_combo, detail_modes, detail_notice, standalone_detail_view
from PySide6.QtWidgets import QCheckBox, QPlainTextEdit, QTreeView
from pytestqt.qtbot import QtBot

from wsinspector.core.decoders.page import PageDecoder
from wsinspector.core.decoders.proto_schema import load_proto
from wsinspector.core.decoders.settings import DecoderKind, DecoderSettings
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.qt.workspace.detail_view import MessageDetailView

WAIT_MS = 5000


def message(data: bytes, *, text: bool) -> MessageEvent:
    return MessageEvent(1, 1_700_000_000.0, 0.0, Direction.IN, text, data)


def body(view: MessageDetailView) -> str:
    found = view.findChild(QPlainTextEdit, "detailBody")
    assert found is not None
    return found.toPlainText()


def test_base64_text_is_offered_and_decoded_into_json_and_tree(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(base64.b64encode(b'{"user": "ann", "ids": [7]}'), text=True))
    assert detail_modes(view) == ["Text", "Hex", "Base64-decoded"]
    detail_mode_combo(view).setCurrentText("Base64-decoded")
    assert body(view) == '{\n  "user": "ann",\n  "ids": [\n    7\n  ]\n}'
    assert "base64-decoded" in detail_notice(view) and "JSON" in detail_notice(view)
    tree_check = view.findChild(QCheckBox, "detailDecodedTreeCheck")
    assert tree_check is not None and tree_check.isVisible()
    tree_check.setChecked(True)
    tree = view.findChild(QTreeView, "detailJsonTree")
    assert tree is not None
    qtbot.waitUntil(tree.isVisible, timeout=WAIT_MS)
    model = tree.model()
    qtbot.waitUntil(lambda: model.rowCount(model.index(0, 0)) == 2, timeout=WAIT_MS)
    # Plain text is not offered as base64.
    view.show_event(message(b"hello world", text=True))
    assert "Base64-decoded" not in detail_modes(view)


def test_cbor_and_a_schema_mode_from_the_page_decoder(qtbot: QtBot, tmp_path: Path) -> None:
    view = standalone_detail_view(qtbot)
    schema = load_proto(str(write_tick_proto(tmp_path)))
    view.set_decoder(PageDecoder(DecoderSettings(DecoderKind.CBOR)))
    view.show_event(message(cbor2.dumps({"a": b"\x01\x02"}), text=False))
    assert detail_mode_combo(view).currentText() == "CBOR"
    assert body(view) == '{\n  "a": "0x0102"\n}'
    assert "hex" in detail_notice(view)

    tick = schema.message_class("demo.Tick")(symbol="BTC", sizes=[5])
    settings = DecoderSettings(DecoderKind.PROTOBUF, "tick.proto", "demo.Tick")
    view.set_decoder(PageDecoder(settings, schema))
    view.show_event(message(tick.SerializeToString(), text=False))
    assert detail_mode_combo(view).currentText() == "Protobuf: demo.Tick"
    assert '"symbol": "BTC"' in body(view) and "base64" in detail_notice(view)
    detail_mode_combo(view).setCurrentText("MessagePack")  # not MessagePack: says why
    assert "Not MessagePack" in detail_notice(view) and body(view).startswith("00000000  0a 03")
