"""A profile's saved messages as the user sees and uses them: send, add, remove."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.ui import find, row_texts
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel, QListView, QPushButton
from pytestqt.qtbot import QtBot

from wsinspector.core.storage.profiles import MessageMode, SavedMessage
from wsinspector.qt.forms.saved_messages_view import SavedMessagesView

SUBSCRIBE = SavedMessage("subscribe", '{"op": "subscribe"}', MessageMode.JSON)
HELLO = SavedMessage("hello", "hello there")
BLOB = SavedMessage("blob", "00 ff", MessageMode.BINARY)


@pytest.fixture
def saved(qtbot: QtBot) -> SavedMessagesView:
    widget = SavedMessagesView()
    qtbot.addWidget(widget)
    widget.show()
    # Nothing in these tests may open a real dialog: each test that needs one says its answer.
    widget.confirm = lambda _parent, question: pytest.fail(f"unexpected question: {question}")
    return widget


def listed(saved: SavedMessagesView) -> list[str]:
    return row_texts(find(saved, QListView, "savedMessagesView").model())


def index_of(saved: SavedMessagesView, row: int) -> QModelIndex:
    view = find(saved, QListView, "savedMessagesView")
    return view.model().index(row, 0)


def click(qtbot: QtBot, saved: SavedMessagesView, row: int) -> None:
    view = find(saved, QListView, "savedMessagesView")
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(index_of(saved, row)).center(),
    )


def test_the_list_shows_each_message_by_name_with_its_mode_and_text(
    saved: SavedMessagesView,
) -> None:
    hint = find(saved, QLabel, "savedMessagesEmptyLabel")
    assert listed(saved) == []
    assert hint.isVisible()
    saved.set_messages((SUBSCRIBE, HELLO, BLOB))
    assert listed(saved) == ["subscribe · JSON", "hello", "blob · Binary"]
    tips = [index_of(saved, row).data(Qt.ItemDataRole.ToolTipRole) for row in range(3)]
    assert '{"op": "subscribe"}' in tips[0]
    assert "hello there" in tips[1]
    assert "00 ff" in tips[2]
    assert not hint.isVisible()


def test_enter_double_click_and_send_ask_for_the_message_to_be_sent(
    qtbot: QtBot, saved: SavedMessagesView
) -> None:
    saved.set_messages((SUBSCRIBE, HELLO))
    view = find(saved, QListView, "savedMessagesView")
    send_button = find(saved, QPushButton, "sendSavedMessageButton")
    assert not send_button.isEnabled()  # nothing selected yet
    requested: list[object] = []
    saved.send_requested.connect(requested.append)

    click(qtbot, saved, 1)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert requested == [HELLO]

    centre = view.visualRect(index_of(saved, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert requested == [HELLO, SUBSCRIBE]

    qtbot.mouseClick(send_button, Qt.MouseButton.LeftButton)
    assert requested == [HELLO, SUBSCRIBE, SUBSCRIBE]


def test_remove_asks_first_then_says_what_is_left(qtbot: QtBot, saved: SavedMessagesView) -> None:
    saved.set_messages((SUBSCRIBE, HELLO, BLOB))
    changes: list[tuple[SavedMessage, ...]] = []
    saved.messages_changed.connect(changes.append)
    questions: list[str] = []
    answer = False

    def confirm(_parent: object, question: str) -> bool:
        questions.append(question)
        return answer

    saved.confirm = confirm
    click(qtbot, saved, 1)
    remove = find(saved, QPushButton, "removeSavedMessageButton")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert questions == ["Remove the saved message “hello”?"]
    assert listed(saved) == ["subscribe · JSON", "hello", "blob · Binary"]
    assert changes == []

    answer = True
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert listed(saved) == ["subscribe · JSON", "blob · Binary"]
    assert changes == [(SUBSCRIBE, BLOB)]

    # The next one is selected: Delete removes it too.
    qtbot.keyClick(find(saved, QListView, "savedMessagesView"), Qt.Key.Key_Delete)
    assert listed(saved) == ["subscribe · JSON"]
    assert changes[-1] == (SUBSCRIBE,)


def test_the_context_menu_sends_and_removes(qtbot: QtBot, saved: SavedMessagesView) -> None:
    saved.set_messages((SUBSCRIBE, HELLO))
    saved.confirm = lambda _parent, _question: True
    requested: list[object] = []
    saved.send_requested.connect(requested.append)
    click(qtbot, saved, 0)
    menu = saved.context_menu()
    names = {action.objectName(): action for action in menu.actions()}
    assert [action.text() for action in menu.actions()] == ["Send", "Remove…"]
    names["savedMessageSendAction"].trigger()
    assert requested == [SUBSCRIBE]
    find(saved, QAction, "savedMessageRemoveAction").trigger()
    assert listed(saved) == ["hello"]


def test_setting_the_messages_of_another_profile_changes_nothing_stored(
    saved: SavedMessagesView, qtbot: QtBot
) -> None:
    with qtbot.assertNotEmitted(saved.messages_changed):
        saved.set_messages((HELLO,))
        saved.set_messages(())
    assert listed(saved) == []


def test_a_new_message_is_named_by_the_user_and_added_at_the_end(
    qtbot: QtBot, saved: SavedMessagesView, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved.set_messages((HELLO,))
    prompts: list[tuple[Any, ...]] = []
    reply = ("  ", True)

    def get_text(*args: Any, **kwargs: Any) -> tuple[str, bool]:
        prompts.append(args)
        return reply

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    changes: list[tuple[SavedMessage, ...]] = []
    saved.messages_changed.connect(changes.append)

    # A blank name takes the suggestion: the first line of the message.
    assert saved.save_new('\n{"op": "unsubscribe",\n "id": 1}', "json")
    assert '{"op": "unsubscribe",' in prompts[0]  # offered as the name
    added = SavedMessage('{"op": "unsubscribe",', '\n{"op": "unsubscribe",\n "id": 1}', "json")
    assert changes == [(HELLO, added)]

    reply = ("cancelled", False)
    assert not saved.save_new("abc", "text")
    assert len(changes) == 1

    reply = (" beef ", True)
    assert saved.save_new("de ad be ef", "binary")
    assert listed(saved) == ["hello", '{"op": "unsubscribe", · JSON', "beef · Binary"]
    view = find(saved, QListView, "savedMessagesView")
    assert view.currentIndex().row() == 2  # the new one is selected


def test_add_message_appends_and_says_so(qtbot: QtBot, saved: SavedMessagesView) -> None:
    saved.set_messages((HELLO,))
    with qtbot.waitSignal(saved.messages_changed) as changed:
        saved.add_message(BLOB)
    assert changed.args == [(HELLO, BLOB)]
    assert saved.messages() == (HELLO, BLOB)
    assert listed(saved) == ["hello", "blob · Binary"]


def test_a_protocol_message_shows_its_protocol_and_can_be_sent_on_connect(
    qtbot: QtBot, saved: SavedMessagesView
) -> None:
    event = SavedMessage("greet", "[]", protocol="socketio", fields=(("event", "hi"),))
    saved.set_messages((HELLO, event))
    assert listed(saved) == ["hello", "greet · Socket.IO"]
    toggle = find(saved, QAction, "savedMessageOnConnectAction")
    click(qtbot, saved, 0)
    assert not toggle.isEnabled()  # a plain message's on-connect is the connection's own
    click(qtbot, saved, 1)
    assert toggle.isEnabled() and not toggle.isChecked()
    with qtbot.waitSignal(saved.messages_changed) as changed:
        toggle.trigger()
    on = SavedMessage(
        "greet", "[]", protocol="socketio", fields=(("event", "hi"),), on_connect=True
    )
    assert changed.args == [(HELLO, on)]
    assert listed(saved) == ["hello", "greet · Socket.IO · on connect"]
    assert toggle.isChecked()
    with qtbot.waitSignal(saved.load_requested) as loaded:
        qtbot.mouseClick(
            find(saved, QPushButton, "loadSavedMessageButton"), Qt.MouseButton.LeftButton
        )
    assert loaded.args == [on]
    menu = saved.context_menu()
    assert [action.text() for action in menu.actions()] == [
        "Send",
        "Load into the composer",
        "Send on connect",
        "Remove…",
    ]
