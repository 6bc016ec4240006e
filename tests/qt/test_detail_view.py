"""The detail pane: modes, lazy formatting, big payloads and the other event kinds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers.ui import detail_mode_combo, detail_modes, detail_notice, standalone_detail_view
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.log.events import (
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
from wsinspector.core.log.filtering import LogFilter, compile_filter
from wsinspector.qt.workspace.detail_find import (
    CURRENT_COLOR,
    FIND_COLOR,
    HIGHLIGHT_COLOR,
    MATCH_LIMIT,
)
from wsinspector.qt.workspace.detail_text import DISPLAY_LIMIT, TEXT_LIMIT
from wsinspector.qt.workspace.detail_view import MessageDetailView

MiB = 1024 * 1024
WALL = 1_700_000_000.25


def message(data: bytes, *, text: bool = True, direction: Direction = Direction.IN) -> MessageEvent:
    return MessageEvent(conn=1, wall=WALL, mono=0.0, direction=direction, text=text, data=data)


def show_more_button(view: MessageDetailView) -> QPushButton:
    found = view.findChild(QPushButton, "detailShowMoreButton")
    assert found is not None
    return found


def header(view: MessageDetailView) -> str:
    found = view.findChild(QLabel, "detailHeader")
    assert found is not None
    return found.text()


def body(view: MessageDetailView) -> QPlainTextEdit:
    found = view.findChild(QPlainTextEdit, "detailBody")
    assert found is not None
    return found


def test_widget_names(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    assert view.objectName() == "messageDetailView"
    assert body(view).isReadOnly()
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert body(view).font().family() == fixed.family()


def test_json_message_is_pretty_printed_by_default(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b'{"op":"hello","n":[1,2],"ok":true}'))
    assert view.mode() == "JSON"
    assert detail_modes(view) == ["Text", "JSON", "Tree", "Hex"]
    assert view.text() == '{\n  "op": "hello",\n  "n": [\n    1,\n    2\n  ],\n  "ok": true\n}'
    assert "Received" in header(view)
    assert "text" in header(view)
    assert "34 B" in header(view)
    assert re.search(r"\d\d:\d\d:\d\d\.250", header(view))


def test_json_keys_strings_numbers_and_literals_are_colored(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
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
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"[1, 2]"))
    # Private, but laziness is the point of this test: only the JSON body exists yet.
    assert set(view._bodies) == {"JSON"}
    detail_mode_combo(view).setCurrentText("Text")
    assert view.mode() == "Text"
    assert view.text() == "[1, 2]"
    detail_mode_combo(view).setCurrentText("Hex")
    assert view.text().startswith("00000000  5b 31 2c 20 32 5d")
    assert body(view).lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap


def test_plain_text_message_defaults_to_text_without_json(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"hello\nworld", direction=Direction.OUT))
    assert view.mode() == "Text"
    assert detail_modes(view) == ["Text", "Hex"]
    assert view.text() == "hello\nworld"
    assert "Sent" in header(view)
    assert show_more_button(view).isHidden()
    assert detail_notice(view) == ""


def test_binary_message_is_a_hex_dump(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"Hello world\n\x00\x01\x02\x03\xff", text=False))
    assert view.mode() == "Hex"
    assert "JSON" not in detail_modes(view)
    lines = view.text().splitlines()
    assert lines[0] == (
        "00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |Hello world.....|"
    )
    assert lines[1].startswith("00000010  ff ")
    assert lines[1].endswith("|.|")
    assert "binary" in header(view)


def test_invalid_utf8_text_is_shown_with_a_warning(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b'{"name": "caf\xe9"}'))
    assert view.mode() == "Text"
    assert "JSON" not in detail_modes(view)
    assert view.text() == '{"name": "caf\ufffd"}'
    assert "invalid UTF-8" in detail_notice(view)
    detail_mode_combo(view).setCurrentText("Hex")
    assert "e9" in view.text()
    assert "invalid UTF-8" in detail_notice(view)


def test_16_mib_text_shows_a_part_and_offers_more_in_steps(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    big = message(b"a" * (16 * MiB))
    view.show_event(big)
    assert view.mode() == "Text"
    assert len(view.text()) == DISPLAY_LIMIT
    button = show_more_button(view)
    assert not button.isHidden()
    assert button.text() == "Show 128.0 KiB more"
    assert "first 128.0 KiB of 16.0 MiB" in detail_notice(view)
    button.click()
    assert len(view.text()) == 2 * DISPLAY_LIMIT
    assert "first 256.0 KiB of 16.0 MiB" in detail_notice(view)
    assert button.isHidden()  # Text stops at TEXT_LIMIT: each step would cost more than the last
    assert "Save the message, or use Hex" in detail_notice(view)
    save = view.findChild(QPushButton, "detailSaveButton")
    assert save is not None and not save.isHidden()


def test_big_json_is_not_pretty_printed(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    document = b"[" + b"1234567, " * (2 * MiB // 9) + b"0]"
    view.show_event(message(document))
    assert view.mode() == "Text"
    assert "JSON" not in detail_modes(view)
    assert "No JSON view" in detail_notice(view)


def test_show_more_continues_the_payload_where_it_stopped(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    data = b"0123456789abcde\n" * (DISPLAY_LIMIT // 16 + 100)
    view.show_event(message(data, text=False))
    assert len(view.text().splitlines()) == DISPLAY_LIMIT // 16
    assert "first 128.0 KiB" in detail_notice(view)
    show_more_button(view).click()
    assert show_more_button(view).isHidden()
    lines = view.text().splitlines()
    assert len(lines) == len(data) // 16
    assert [line[:8] for line in lines[-2:]] == [f"{len(data) - 32:08x}", f"{len(data) - 16:08x}"]
    detail_mode_combo(view).setCurrentText("Text")
    show_more_button(view).click()
    assert view.text() == data.decode()
    assert show_more_button(view).isHidden()


def test_show_more_does_not_split_a_character_between_pieces(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    text = "a" + "é" * (DISPLAY_LIMIT // 2)
    view.show_event(message(text.encode()))
    while not show_more_button(view).isHidden():
        show_more_button(view).click()
    assert view.text() == text


def test_truncation_does_not_split_a_character(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"a" + "é".encode() * DISPLAY_LIMIT))
    assert "\ufffd" not in view.text()
    assert detail_notice(view).count("invalid") == 0


def test_long_unbroken_line_wraps_anywhere(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"QUJD" * 100_000))
    assert body(view).wordWrapMode() == QTextOption.WrapMode.WrapAnywhere
    view.show_event(message(b"short words only"))
    assert body(view).wordWrapMode() == QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere


def test_close_event_description(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
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
    assert detail_mode_combo(view).isHidden()
    assert show_more_button(view).isHidden()


def test_dropped_connection_close(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(
        CloseEvent(conn=1, wall=WALL, mono=0.0, code=1006, reason="", initiator="", clean=False)
    )
    assert "abnormal closure" in view.text()
    assert "nobody" in view.text()
    assert "Clean: no" in view.text()


def test_other_events_are_described(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
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
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"[1]"))
    view.show_event(None)
    assert view.text() == ""
    assert view.mode() == ""
    assert header(view) == ""
    assert detail_mode_combo(view).isHidden()


def test_showing_the_same_event_again_keeps_the_chosen_mode(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    event = message(b"[1]")
    view.show_event(event)
    detail_mode_combo(view).setCurrentText("Hex")
    view.show_event(event)
    assert view.mode() == "Hex"
    view.show_event(message(b"[2]"))
    assert view.mode() == "JSON"


# Finding and highlighting ----------------------------------------------------------------------


def find_edit(view: MessageDetailView) -> QLineEdit:
    found = view.findChild(QLineEdit, "detailFindEdit")
    assert found is not None
    return found


def find_count(view: MessageDetailView) -> str:
    found = view.findChild(QLabel, "detailFindCount")
    assert found is not None
    return found.text()


def marks(view: MessageDetailView, color: str | None = None) -> list[str]:
    """The texts marked in the body (by the filter, the find bar), optionally of one color."""
    return [
        selection.cursor.selectedText()
        for selection in body(view).extraSelections()
        if color is None or selection.format.background().color().name() == color
    ]


def test_ctrl_f_opens_the_find_bar_only_in_the_detail_view(qtbot: QtBot) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    other = QLineEdit()
    view = MessageDetailView()
    layout = QVBoxLayout(page)
    layout.addWidget(other)
    layout.addWidget(view)
    with qtbot.waitActive(page):  # shortcuts work in the active window only
        page.show()
        page.activateWindow()
    view.show_event(message(b"some text"))
    bar = view.findChild(QWidget, "detailFindBar")
    assert bar is not None and bar.isHidden()
    other.setFocus()
    QTest.keyClick(other, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert bar.isHidden()  # Ctrl+F elsewhere on the page is for someone else
    body(view).setFocus()
    QTest.keyClick(body(view), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert not bar.isHidden()
    assert find_edit(view).hasFocus()
    QTest.keyClick(find_edit(view), Qt.Key.Key_Escape)
    assert bar.isHidden()


def test_find_counts_marks_and_steps_through_matches(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"one two ONE three\none"))
    view.open_find()
    QTest.keyClicks(find_edit(view), "one")
    assert find_count(view) == "1 of 3"
    assert body(view).textCursor().selectionStart() == 0
    assert marks(view, FIND_COLOR) == ["one", "ONE", "one"]
    assert marks(view, CURRENT_COLOR) == ["one"]
    QTest.keyClick(find_edit(view), Qt.Key.Key_Return)
    assert find_count(view) == "2 of 3"
    assert body(view).textCursor().selectedText() == "ONE"
    QTest.keyClick(find_edit(view), Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(find_edit(view), Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert find_count(view) == "3 of 3"  # wrapped around
    assert body(view).textCursor().selectionStart() == len("one two ONE three\n")
    find_edit(view).setText("nothing")
    assert find_count(view) == "No matches"
    assert marks(view) == []
    find_edit(view).setText("o")
    view.close_find()
    assert marks(view) == []


def test_find_in_a_truncated_message_says_so(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"needle.............\n" * (DISPLAY_LIMIT // 20 + 1000)))
    view.open_find()
    find_edit(view).setText("needle")
    assert find_count(view) == f"1 of {DISPLAY_LIMIT // 20 + 1:,} in the part shown"
    find_edit(view).setText("e")
    assert find_count(view).endswith(f"of {MATCH_LIMIT:,}+ in the part shown")


def test_set_highlight_marks_the_filter_matches(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"an Error, then error 42 and 7"))
    view.set_highlight("ERROR", regex=False)
    assert marks(view, HIGHLIGHT_COLOR) == ["Error", "error"]
    view.set_highlight(r"\d+", regex=True)
    assert marks(view, HIGHLIGHT_COLOR) == ["42", "7"]
    view.set_highlight("(", regex=True)  # does not compile: nothing to mark
    assert marks(view) == []
    view.set_highlight("then", regex=False)
    # It stays set for the next event, in every mode that shows text.
    view.show_event(message(b'{"then": ["THEN"]}'))
    assert view.mode() == "JSON"
    assert marks(view, HIGHLIGHT_COLOR) == ["then", "THEN"]
    view.show_event(NoteEvent(conn=1, wall=WALL, mono=0.0, text="and then"))
    assert marks(view, HIGHLIGHT_COLOR) == ["then"]
    view.set_highlight("", regex=False)
    assert marks(view) == []


def test_highlight_after_an_astral_character(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message("😀😀 find me, 😀 find".encode()))
    view.set_highlight("find", regex=False)
    assert marks(view) == ["find", "find"]  # Qt counts UTF-16 units, Python code points


def test_highlight_in_hex_marks_both_columns(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    data = b"Hello world, 0123\xde\xad\xbe\xef tail"
    view.show_event(message(data, text=False))
    view.set_highlight("WORLD", regex=False)
    assert marks(view) == ["77 6f  72 6c 64", "world"]
    # Hex digits find the bytes, as in the log filter; this match spans two lines.
    view.set_highlight("32 33 de", regex=False)
    assert marks(view) == ["32", "2", "33 de", "3."]
    view.set_highlight("o.l", regex=True)
    assert marks(view) == ["6f  72 6c", "orl"]


def test_only_matches_near_the_screen_are_marked(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    view.show_event(message(b"".join(b"line %d has a match\n" % i for i in range(5000))))
    view.set_highlight("match", regex=False)
    shown = len(marks(view))
    assert 0 < shown < 1000
    scroll = body(view).verticalScrollBar()
    scroll.setValue(scroll.maximum())
    selections = body(view).extraSelections()
    assert 0 < len(selections) < 1000
    assert selections[-1].cursor.block().text() == "line 4999 has a match"


def test_show_more_goes_on_for_text_made_of_lines(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    data = b"".join(
        b"%06d the quick brown fox jumps over the lazy dog\n" % i for i in range(12_000)
    )
    assert len(data) > 2 * TEXT_LIMIT
    view.show_event(message(data))
    clicks = 0
    while not show_more_button(view).isHidden():
        show_more_button(view).click()
        clicks += 1
    assert clicks == len(data) // DISPLAY_LIMIT
    assert view.text() == data.decode()
    assert detail_notice(view) == ""


def test_matches_are_found_in_text_shown_later(qtbot: QtBot) -> None:
    view = standalone_detail_view(qtbot)
    # One match straddles the end of the first piece, one lies in the second.
    data = b"x\n" * (DISPLAY_LIMIT // 2 - 2) + b"needle" + b"x\n" * 100 + b"needle\n"
    view.show_event(message(data))
    view.open_find()
    find_edit(view).setText("needle")
    assert find_count(view) == "No matches in the part shown"
    show_more_button(view).click()
    assert find_count(view) == "2 matches"
    QTest.keyClick(find_edit(view), Qt.Key.Key_Return)
    QTest.keyClick(find_edit(view), Qt.Key.Key_Return)
    assert body(view).textCursor().selectedText() == "needle"
    assert body(view).textCursor().selectionStart() == len(data) - len("needle\n")


def test_find_in_detail_and_the_log_filter_agree_on_case_folding(qtbot: QtBot) -> None:
    """One search rule: what the filter finds, find-in-detail finds and marks, where it is."""
    event = message("Hauptstraße 1, STRASSE 2, strasse 3".encode())
    view = standalone_detail_view(qtbot)
    view.show_event(event)
    view.open_find()
    for needle, found in (("STRASSE", ["straße", "STRASSE", "strasse"]), ("STRAẞE", None)):
        assert compile_filter(LogFilter(text=needle))(event)
        find_edit(view).setText(needle)
        assert find_count(view) == "1 of 3"
        assert marks(view, FIND_COLOR) == (found or ["straße", "STRASSE", "strasse"])


def test_save_message_writes_the_whole_payload_and_says_so(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    view = standalone_detail_view(qtbot)
    data = b"\x00\xff" * (DISPLAY_LIMIT // 2 + 10)  # more than is shown
    view.show_event(message(data, text=False))
    target = tmp_path / "payload.bin"
    asked: list[str] = []

    def ask(_parent: object, _caption: str, suggested: str, *_args: object) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    button = view.findChild(QPushButton, "detailSaveButton")
    assert button is not None
    button.click()
    assert asked == ["message.bin"] and target.read_bytes() == data
    assert f"to {target}" in detail_notice(view)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(tmp_path), ""))
    button.click()  # a folder: not saved, and said
    assert "Not saved" in detail_notice(view)


def test_a_hex_dump_wraps_rather_than_cut_its_characters_in_a_narrow_pane(qtbot: QtBot) -> None:
    """At the detail pane's default width (about 376 px) a dump line (78 characters) does
    not fit: it wraps, so that the character column shows, instead of running off the
    right edge; wide enough, its lines stay whole and aligned."""
    view = standalone_detail_view(qtbot)
    view.resize(360, 500)
    view.show_event(message(bytes(range(256)), text=False))
    assert view.mode() == "Hex"
    edit = body(view)
    qtbot.waitUntil(lambda: edit.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth)
    assert edit.horizontalScrollBar().maximum() == 0
    view.resize(900, 500)
    qtbot.waitUntil(lambda: edit.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap)
    assert edit.horizontalScrollBar().maximum() == 0
