"""The detail pane: modes, lazy formatting, big payloads and the other event kinds."""

from __future__ import annotations

import re

from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.qt.detail_view import DISPLAY_LIMIT, MessageDetailView

MiB = 1024 * 1024
WALL = 1_700_000_000.25


def message(data: bytes, *, text: bool = True, direction: Direction = Direction.IN) -> MessageEvent:
    return MessageEvent(conn=1, wall=WALL, mono=0.0, direction=direction, text=text, data=data)


def make_view(qtbot: QtBot) -> MessageDetailView:
    view = MessageDetailView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    return view


def combo(view: MessageDetailView) -> QComboBox:
    found = view.findChild(QComboBox, "detailModeCombo")
    assert found is not None
    return found


def modes(view: MessageDetailView) -> list[str]:
    box = combo(view)
    return [box.itemText(i) for i in range(box.count())]


def show_more_button(view: MessageDetailView) -> QPushButton:
    found = view.findChild(QPushButton, "detailShowMoreButton")
    assert found is not None
    return found


def header(view: MessageDetailView) -> str:
    found = view.findChild(QLabel, "detailHeader")
    assert found is not None
    return found.text()


def notice(view: MessageDetailView) -> str:
    found = view.findChild(QLabel, "detailNotice")
    assert found is not None
    return found.text() if not found.isHidden() else ""


def body(view: MessageDetailView) -> QPlainTextEdit:
    found = view.findChild(QPlainTextEdit, "detailBody")
    assert found is not None
    return found


def test_widget_names(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    assert view.objectName() == "messageDetailView"
    assert body(view).isReadOnly()
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert body(view).font().family() == fixed.family()


def test_json_message_is_pretty_printed_by_default(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b'{"op":"hello","n":[1,2],"ok":true}'))
    assert view.mode() == "JSON"
    assert modes(view) == ["Text", "JSON", "Hex"]
    assert view.text() == '{\n  "op": "hello",\n  "n": [\n    1,\n    2\n  ],\n  "ok": true\n}'
    assert "Received" in header(view)
    assert "text" in header(view)
    assert "34 B" in header(view)
    assert re.search(r"\d\d:\d\d:\d\d\.250", header(view))


def test_json_keys_strings_numbers_and_literals_are_colored(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    # The emoji comes before the number on its line: Qt positions are UTF-16 units.
    view.show_event(message('{"key😀": -1.5, "s": "value", "t": null}'.encode()))
    document = body(view).document()
    colors: dict[str, str] = {}
    for number, word in ((1, '"key😀"'), (1, "-1.5"), (2, '"value"'), (3, "null")):
        block = document.findBlockByNumber(number)
        start = block.text().index(word)
        qt_start = len(block.text()[:start].encode("utf-16-le")) // 2
        ranges = block.layout().formats()
        hit = [
            r
            for r in ranges
            if r.start == qt_start and r.length == len(word.encode("utf-16-le")) // 2
        ]
        assert hit, f"{word} is not colored"
        colors[word] = hit[0].format.foreground().color().name()
    assert len(set(colors.values())) == 4, colors


def test_switching_modes_formats_only_on_demand(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b"[1, 2]"))
    # Private, but laziness is the point of this test: only the JSON body exists yet.
    assert set(view._bodies) == {"JSON"}
    combo(view).setCurrentText("Text")
    assert view.mode() == "Text"
    assert view.text() == "[1, 2]"
    combo(view).setCurrentText("Hex")
    assert view.text().startswith("00000000  5b 31 2c 20 32 5d")
    assert body(view).lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap


def test_plain_text_message_defaults_to_text_without_json(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b"hello\nworld", direction=Direction.OUT))
    assert view.mode() == "Text"
    assert modes(view) == ["Text", "Hex"]
    assert view.text() == "hello\nworld"
    assert "Sent" in header(view)
    assert show_more_button(view).isHidden()
    assert notice(view) == ""


def test_binary_message_is_a_hex_dump(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b"Hello world\n\x00\x01\x02\x03\xff", text=False))
    assert view.mode() == "Hex"
    assert "JSON" not in modes(view)
    lines = view.text().splitlines()
    assert lines[0] == (
        "00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |Hello world.....|"
    )
    assert lines[1].startswith("00000010  ff ")
    assert lines[1].endswith("|.|")
    assert "binary" in header(view)


def test_invalid_utf8_text_is_shown_with_a_warning(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b'{"name": "caf\xe9"}'))
    assert view.mode() == "Text"
    assert "JSON" not in modes(view)
    assert view.text() == '{"name": "caf\ufffd"}'
    assert "invalid UTF-8" in notice(view)
    combo(view).setCurrentText("Hex")
    assert "e9" in view.text()
    assert "invalid UTF-8" in notice(view)


def test_16_mib_text_shows_a_part_and_offers_more_in_steps(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    big = message(b"a" * (16 * MiB))
    view.show_event(big)
    assert view.mode() == "Text"
    assert len(view.text()) == DISPLAY_LIMIT
    button = show_more_button(view)
    assert not button.isHidden()
    assert button.text() == "Show 128.0 KiB more"
    assert "first 128.0 KiB of 16.0 MiB" in notice(view)
    button.click()
    assert len(view.text()) == 2 * DISPLAY_LIMIT
    assert "first 256.0 KiB of 16.0 MiB" in notice(view)
    assert button.isHidden()  # Text stops at TEXT_LIMIT: each step would cost more than the last
    assert "Save the message, or use Hex" in notice(view)
    save = view.findChild(QPushButton, "detailSaveButton")
    assert save is not None and not save.isHidden()


def test_big_json_is_not_pretty_printed(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    document = b"[" + b"1234567, " * (2 * MiB // 9) + b"0]"
    view.show_event(message(document))
    assert view.mode() == "Text"
    assert "JSON" not in modes(view)
    assert "No JSON view" in notice(view)


def test_show_more_continues_the_payload_where_it_stopped(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    data = b"0123456789abcde\n" * (DISPLAY_LIMIT // 16 + 100)
    view.show_event(message(data, text=False))
    assert len(view.text().splitlines()) == DISPLAY_LIMIT // 16
    assert "first 128.0 KiB" in notice(view)
    show_more_button(view).click()
    assert show_more_button(view).isHidden()
    lines = view.text().splitlines()
    assert len(lines) == len(data) // 16
    assert [line[:8] for line in lines[-2:]] == [f"{len(data) - 32:08x}", f"{len(data) - 16:08x}"]
    combo(view).setCurrentText("Text")
    show_more_button(view).click()
    assert view.text() == data.decode()
    assert show_more_button(view).isHidden()


def test_show_more_does_not_split_a_character_between_pieces(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    text = "a" + "é" * (DISPLAY_LIMIT // 2)
    view.show_event(message(text.encode()))
    while not show_more_button(view).isHidden():
        show_more_button(view).click()
    assert view.text() == text


def test_truncation_does_not_split_a_character(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b"a" + "é".encode() * DISPLAY_LIMIT))
    assert "\ufffd" not in view.text()
    assert notice(view).count("invalid") == 0


def test_long_unbroken_line_wraps_anywhere(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b"QUJD" * 100_000))
    assert body(view).wordWrapMode() == QTextOption.WrapMode.WrapAnywhere
    view.show_event(message(b"short words only"))
    assert body(view).wordWrapMode() == QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere


def test_close_event_description(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    event = CloseEvent(
        conn=2,
        wall=WALL,
        mono=0.0,
        code=1001,
        reason="server restart",
        initiator="server",
        clean=True,
        received_code=1001,
        received_reason="server restart",
    )
    view.show_event(event)
    text = view.text()
    assert "Code: 1001 (going away)" in text
    assert "Reason: server restart" in text
    assert "Initiator: server" in text
    assert "Clean: yes" in text
    assert "Received close frame: 1001 (going away) 'server restart'" in text
    assert "connection 2" in header(view)
    assert view.mode() == ""
    assert combo(view).isHidden()
    assert show_more_button(view).isHidden()


def test_dropped_connection_close(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(
        CloseEvent(conn=1, wall=WALL, mono=0.0, code=1006, reason="", initiator="", clean=False)
    )
    assert "abnormal closure" in view.text()
    assert "nobody" in view.text()
    assert "Clean: no" in view.text()


def test_other_events_are_described(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(
        ControlEvent(
            conn=1,
            wall=WALL,
            mono=0.0,
            direction=Direction.IN,
            kind=ControlKind.PONG,
            data=b"abc",
            rtt=0.0123,
        )
    )
    assert "Round trip: 12.3 ms" in view.text()
    assert "As text: abc" in view.text()
    assert "61 62 63" in view.text()

    view.show_event(
        StateEvent(
            conn=1,
            wall=WALL,
            mono=0.0,
            state=ConnState.RECONNECTING,
            attempt=2,
            delay=1.5,
            error="connection refused",
        )
    )
    assert view.text() == (
        "State: reconnecting\nAttempt: 2\nDelay: 1.50 s\nLast error: connection refused"
    )

    view.show_event(
        HandshakeEvent(
            conn=1,
            wall=WALL,
            mono=0.0,
            request_line="GET /chat HTTP/1.1",
            request_headers=(("Host", "example.com"),),
            status_line="HTTP/1.1 403 Forbidden",
            response_headers=(("Content-Type", "text/plain"),),
            body=b"go away",
            accepted=False,
            status_code=403,
        )
    )
    text = view.text()
    assert "GET /chat HTTP/1.1\nHost: example.com" in text
    assert "HTTP/1.1 403 Forbidden\nContent-Type: text/plain" in text
    assert "rejected (HTTP 403)" in text
    assert text.endswith("go away")

    view.show_event(ErrorEvent(conn=1, wall=WALL, mono=0.0, message="boom", detail="trace"))
    assert view.text() == "boom\n\ntrace"
    assert header(view).startswith("Error")

    view.show_event(NoteEvent(conn=1, wall=WALL, mono=0.0, text="connecting to ws://x"))
    assert view.text() == "connecting to ws://x"


def test_none_clears(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b"[1]"))
    view.show_event(None)
    assert view.text() == ""
    assert view.mode() == ""
    assert header(view) == ""
    assert combo(view).isHidden()


def test_showing_the_same_event_again_keeps_the_chosen_mode(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    event = message(b"[1]")
    view.show_event(event)
    combo(view).setCurrentText("Hex")
    view.show_event(event)
    assert view.mode() == "Hex"
    view.show_event(message(b"[2]"))
    assert view.mode() == "JSON"
