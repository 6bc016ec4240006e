"""The composer's history of sent messages (Up and Down, as in a shell) and "Save as message…"."""

from __future__ import annotations

import pytest
from helpers.ui import find
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.qt.forms.composer import HEX, JSON, TEXT, Composer

UP, DOWN = Qt.Key.Key_Up, Qt.Key.Key_Down


@pytest.fixture
def composer(qtbot: QtBot) -> Composer:
    widget = Composer()
    qtbot.addWidget(widget)
    widget.show()
    widget.set_connected(True)
    return widget


def edit(composer: Composer) -> QPlainTextEdit:
    return find(composer, QPlainTextEdit, "messageEdit")


def shown(composer: Composer) -> tuple[str, str]:
    """What the user sees: the message and the chosen format."""
    return edit(composer).toPlainText(), find(
        composer, QComboBox, "messageFormatCombo"
    ).currentText()


def type_and_send(qtbot: QtBot, composer: Composer, text: str, mode: str = TEXT) -> None:
    find(composer, QComboBox, "messageFormatCombo").setCurrentText(mode)
    edit(composer).clear()
    qtbot.keyClicks(edit(composer), text)
    qtbot.mouseClick(find(composer, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


def press(qtbot: QtBot, composer: Composer, key: Qt.Key, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(edit(composer), key)


def test_up_and_down_in_an_empty_composer_walk_the_sent_messages_like_a_shell(
    qtbot: QtBot, composer: Composer
) -> None:
    sent: list[str] = []
    composer.send_text.connect(sent.append)
    type_and_send(qtbot, composer, "first")
    type_and_send(qtbot, composer, '{"a": 1}', JSON)
    type_and_send(qtbot, composer, "third")
    assert sent == ["first", '{"a": 1}', "third"]
    edit(composer).clear()
    find(composer, QComboBox, "messageFormatCombo").setCurrentText(HEX)

    press(qtbot, composer, UP)
    assert shown(composer) == ("third", TEXT)
    press(qtbot, composer, UP)
    assert shown(composer) == ('{"a": 1}', JSON)  # each message comes back with its format
    press(qtbot, composer, UP)
    assert shown(composer) == ("first", TEXT)
    press(qtbot, composer, UP)  # the oldest: nothing further back
    assert shown(composer)[0] == "first"
    press(qtbot, composer, DOWN, 2)
    assert shown(composer) == ("third", TEXT)
    press(qtbot, composer, DOWN)  # past the newest: empty again, in the format chosen before
    assert shown(composer) == ("", HEX)
    press(qtbot, composer, DOWN)
    assert shown(composer) == ("", HEX)


def test_right_after_sending_up_brings_the_message_before(qtbot: QtBot, composer: Composer) -> None:
    type_and_send(qtbot, composer, "one")
    type_and_send(qtbot, composer, "two")
    assert shown(composer)[0] == "two"  # the sent message stays in the composer
    press(qtbot, composer, UP)
    assert shown(composer)[0] == "one"
    press(qtbot, composer, DOWN, 2)
    assert shown(composer)[0] == ""


def test_a_draft_is_never_replaced_by_the_arrows(qtbot: QtBot, composer: Composer) -> None:
    type_and_send(qtbot, composer, "sent before")
    edit(composer).clear()
    qtbot.keyClicks(edit(composer), "my draft")
    press(qtbot, composer, UP)
    press(qtbot, composer, DOWN)
    assert shown(composer)[0] == "my draft"
    assert edit(composer).textCursor().position() == len("my draft")


def test_editing_a_recalled_message_stops_the_walk(qtbot: QtBot, composer: Composer) -> None:
    type_and_send(qtbot, composer, "older")
    type_and_send(qtbot, composer, "newer")
    edit(composer).clear()
    press(qtbot, composer, UP)
    qtbot.keyClicks(edit(composer), "!")
    press(qtbot, composer, UP)
    press(qtbot, composer, DOWN)
    assert shown(composer)[0] == "newer!"


def test_in_a_message_of_several_lines_the_arrows_move_the_cursor_first(
    qtbot: QtBot, composer: Composer
) -> None:
    type_and_send(qtbot, composer, "single")
    composer.set_draft("line 1\nline 2\nline 3")
    qtbot.mouseClick(find(composer, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    edit(composer).clear()
    press(qtbot, composer, UP)
    assert shown(composer)[0] == "line 1\nline 2\nline 3"
    cursor = edit(composer).textCursor
    assert cursor().blockNumber() == 2  # recalled with the cursor at the end
    press(qtbot, composer, UP, 2)
    assert shown(composer)[0] == "line 1\nline 2\nline 3"
    assert cursor().blockNumber() == 0
    press(qtbot, composer, UP)  # on the first line: the message before
    assert shown(composer)[0] == "single"
    press(qtbot, composer, DOWN)
    assert shown(composer)[0] == "line 1\nline 2\nline 3"


def test_only_messages_actually_sent_are_kept_and_repeats_once(
    qtbot: QtBot, composer: Composer
) -> None:
    binary: list[bytes] = []
    composer.send_binary.connect(binary.append)
    type_and_send(qtbot, composer, "ping")
    type_and_send(qtbot, composer, "ping")
    type_and_send(qtbot, composer, "{broken", JSON)  # refused: invalid JSON
    assert find(composer, QLabel, "composerErrorLabel").isVisible()
    type_and_send(qtbot, composer, "")  # sent, but nothing to recall
    type_and_send(qtbot, composer, "01 ff", HEX)
    assert binary == [b"\x01\xff"]
    composer.set_connected(False)
    type_and_send(qtbot, composer, "while disconnected")  # not sent
    assert composer.history() == [("ping", TEXT), ("01 ff", HEX)]
    edit(composer).clear()
    press(qtbot, composer, UP, 2)
    assert shown(composer) == ("ping", TEXT)


def test_each_composer_has_its_own_history(qtbot: QtBot, composer: Composer) -> None:
    other = Composer()
    qtbot.addWidget(other)
    other.set_connected(True)
    type_and_send(qtbot, composer, "here")
    press(qtbot, other, UP)
    assert shown(other)[0] == ""


def test_save_as_message_is_offered_only_where_it_can_be_kept(
    qtbot: QtBot, composer: Composer
) -> None:
    button = find(composer, QPushButton, "saveMessageButton")
    assert not button.isVisible()
    composer.set_can_save(True)
    assert button.isVisible()
    composer.set_connected(False)
    assert button.isEnabled()  # saving needs no connection
    with qtbot.waitSignal(composer.save_requested) as saved:
        composer.set_draft('{"op": "subscribe"}', JSON)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert saved.args == ['{"op": "subscribe"}', "json"]
    with qtbot.waitSignal(composer.save_requested) as saved:
        composer.set_draft("de ad", HEX)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert saved.args == ["de ad", "binary"]
    composer.set_can_save(False)
    assert not button.isVisible()


def test_a_message_that_could_not_be_sent_is_not_saved(qtbot: QtBot, composer: Composer) -> None:
    composer.set_can_save(True)
    saved: list[tuple[str, str]] = []
    composer.save_requested.connect(lambda text, mode: saved.append((text, mode)))
    error = find(composer, QLabel, "composerErrorLabel")
    for text, mode in (("{nope", JSON), ("zz", HEX), ("  ", TEXT)):
        composer.set_draft(text, mode)
        qtbot.mouseClick(
            find(composer, QPushButton, "saveMessageButton"), Qt.MouseButton.LeftButton
        )
        assert error.isVisible()
        assert error.text().startswith("Not saved")
    assert saved == []


def test_a_saved_message_mode_selects_the_format(composer: Composer) -> None:
    composer.set_draft("00 01", "binary")
    assert shown(composer) == ("00 01", HEX)
    composer.set_draft("{}", "json")
    assert shown(composer) == ("{}", JSON)
