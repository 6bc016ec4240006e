"""The detail pane's Tree mode: a JSON message as a lazy, collapsible tree, at any size."""

from __future__ import annotations

import json

from helpers.ui import detail_mode_combo, detail_modes
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QTreeView
from pytestqt.qtbot import QtBot

from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.qt.workspace.detail_text import JSON_LIMIT
from wsinspector.qt.workspace.detail_view import MessageDetailView
from wsinspector.qt.workspace.json_tree import MAX_ROWS, SYNC_BYTES, JsonTreeModel

MiB = 1024 * 1024
WAIT_MS = 20_000


def message(data: bytes, *, text: bool = True) -> MessageEvent:
    return MessageEvent(conn=1, wall=0.0, mono=0.0, direction=Direction.IN, text=text, data=data)


def make_view(qtbot: QtBot) -> MessageDetailView:
    view = MessageDetailView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    with qtbot.waitActive(view):  # for the shortcuts
        view.show()
    return view


def tree(view: MessageDetailView) -> QTreeView:
    found = view.findChild(QTreeView, "detailJsonTree")
    assert found is not None
    return found


def model(view: MessageDetailView) -> JsonTreeModel:
    found = tree(view).model()
    assert isinstance(found, JsonTreeModel)
    return found


def status(view: MessageDetailView) -> str:
    found = view.findChild(QLabel, "detailTreeStatus")
    assert found is not None
    return found.text() if found.isVisible() else ""


def find_count(view: MessageDetailView) -> str:
    found = view.findChild(QLabel, "detailFindCount")
    assert found is not None
    return found.text()


def row(view: MessageDetailView, index: QModelIndex) -> tuple[str, str]:
    """What a row shows: (key, value)."""
    tree_model = model(view)
    return (
        tree_model.data(index.siblingAtColumn(0)),
        tree_model.data(index.siblingAtColumn(1)),
    )


def children(view: MessageDetailView, index: QModelIndex) -> list[tuple[str, str]]:
    tree_model = model(view)
    return [row(view, tree_model.index(i, 0, index)) for i in range(tree_model.rowCount(index))]


def expand(view: MessageDetailView, index: QModelIndex) -> None:
    tree(view).expand(index)
    # The view fetches an expanded row's members at its next layout.
    QTest.qWait(0)


def show_tree(qtbot: QtBot, view: MessageDetailView, event: MessageEvent) -> QModelIndex:
    """Show `event` in Tree mode, wait until it is parsed, return the document's row."""
    view.show_event(event)
    detail_mode_combo(view).setCurrentText("Tree")
    qtbot.waitUntil(lambda: tree(view).isVisible(), timeout=WAIT_MS)
    return model(view).index(0, 0)


def big_array(count: int) -> bytes:
    return json.dumps(
        [{"id": i, "name": f"item-{i}", "tags": ["a", "b"]} for i in range(count)],
        separators=(",", ":"),
    ).encode()


def test_tree_is_a_mode_for_json_messages_only(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b'{"a": 1}'))
    assert detail_modes(view) == ["Text", "JSON", "Tree", "Hex"]
    view.show_event(message(b"hello"))
    assert "Tree" not in detail_modes(view)
    view.show_event(message(b'{"a": "caf\xe9"}'))  # not UTF-8
    assert "Tree" not in detail_modes(view)
    view.show_event(message(b'{"a": 1}', text=False))
    assert "Tree" not in detail_modes(view)
    # Beyond the JSON mode's limit, Tree is still offered: it parses any size.
    view.show_event(message(b"[" + b"1," * JSON_LIMIT + b"1]"))
    assert detail_modes(view) == ["Text", "Tree", "Hex"]
    assert view.mode() == "Text"  # not parsed until asked for


def test_small_document_shows_at_once_top_level_first(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(b'{"users": [{"name": "ann", "age": 7}], "ok": true, "n": 1.50}'))
    detail_mode_combo(view).setCurrentText("Tree")
    assert view.mode() == "Tree"
    # Parsed before setCurrentText() returned: no "Parsing…", no waiting.
    assert tree(view).isVisible()
    body = view.findChild(QPlainTextEdit, "detailBody")
    assert body is not None and not body.isVisible()
    tree_model = model(view)
    document = tree_model.index(0, 0)
    assert row(view, document) == ("$", "{3 keys}")
    assert tree(view).isExpanded(document)
    assert children(view, document) == [("users", "[1 item]"), ("ok", "true"), ("n", "1.50")]
    users = tree_model.index(0, 0, document)
    # Members are made when their row is expanded, not before.
    assert tree_model.rowCount(users) == 0
    assert tree_model.hasChildren(users)
    expand(view, users)
    assert children(view, users) == [("0", "{2 keys}")]
    first = tree_model.index(0, 0, users)
    expand(view, first)
    assert children(view, first) == [("name", '"ann"'), ("age", "7")]
    assert tree_model.data(tree_model.index(0, 0, first), Qt.ItemDataRole.ToolTipRole) == (
        "$.users[0].name"
    )


def test_copy_value_and_copy_path(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    document = show_tree(
        qtbot, view, message(b'{"users": [{"name": "ann"}, {"name": "b\\u00f6b", "n": 1.0e3}]}')
    )
    tree_model = model(view)
    users = tree_model.index(0, 0, document)
    expand(view, users)
    bob = tree_model.index(1, 0, users)
    expand(view, bob)
    actions = {action.text(): action for action in tree(view).actions()}
    assert set(actions) >= {"Copy value", "Copy path"}
    assert tree(view).contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu

    def copied(index: QModelIndex, action: QAction) -> str:
        QGuiApplication.clipboard().clear()
        tree(view).setCurrentIndex(index)
        action.trigger()
        return QGuiApplication.clipboard().text()

    name, number = tree_model.index(0, 0, bob), tree_model.index(1, 0, bob)
    assert copied(name, actions["Copy path"]) == "$.users[1].name"
    assert copied(name, actions["Copy value"]) == "böb"  # a string's text
    assert copied(number, actions["Copy value"]) == "1.0e3"  # as written
    assert copied(bob, actions["Copy value"]) == '{"name": "b\\u00f6b", "n": 1.0e3}'
    assert copied(document, actions["Copy path"]) == "$"

    # The same from the keyboard: Ctrl+C and Ctrl+Shift+C.
    tree(view).setCurrentIndex(name)
    tree(view).setFocus()
    QGuiApplication.clipboard().clear()
    QTest.keyClick(tree(view), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "böb"
    shift_control = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(tree(view), Qt.Key.Key_C, shift_control)
    assert QGuiApplication.clipboard().text() == "$.users[1].name"


def test_a_big_array_is_grouped_in_ranges(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    document = show_tree(qtbot, view, message(big_array(2500)))
    tree_model = model(view)
    assert row(view, document) == ("$", "[2,500 items]")
    assert children(view, document) == [
        ("[0 … 999]", ""),
        ("[1,000 … 1,999]", ""),
        ("[2,000 … 2,499]", ""),
    ]
    last = tree_model.index(2, 0, document)
    expand(view, last)
    assert tree_model.rowCount(last) == 500
    item = tree_model.index(499, 0, last)
    assert row(view, item) == ("2499", "{3 keys}")
    assert tree_model.path(item) == "$[2499]"
    # A range is no value of its own: nothing to copy.
    tree(view).setCurrentIndex(last)
    actions = [action for action in tree(view).actions() if action.text().startswith("Copy")]
    assert len(actions) == 2
    assert not any(action.isEnabled() for action in actions)
    tree(view).setCurrentIndex(item)
    assert all(action.isEnabled() for action in actions)


def test_ranges_nest_so_no_row_has_more_than_max_rows_children(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    count = MAX_ROWS * MAX_ROWS + 5
    document = show_tree(qtbot, view, message(json.dumps(list(range(count))).encode()))
    tree_model = model(view)
    assert children(view, document) == [("[0 … 999,999]", ""), ("[1,000,000 … 1,000,004]", "")]
    first = tree_model.index(0, 0, document)
    expand(view, first)
    assert tree_model.rowCount(first) == MAX_ROWS
    assert row(view, tree_model.index(1, 0, first)) == ("[1,000 … 1,999]", "")


def test_big_document_is_parsed_while_the_window_keeps_answering(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    data = big_array(60_000)  # about 2.5 MiB
    assert len(data) > 8 * SYNC_BYTES
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    view.show_event(message(data))
    detail_mode_combo(view).setCurrentText("Tree")
    # setCurrentText() returned before the parse was done, saying what goes on.
    assert status(view).startswith("Parsing… (2.")
    assert "MiB)" in status(view)
    assert not tree(view).isVisible()
    ticks.clear()
    qtbot.waitUntil(lambda: tree(view).isVisible(), timeout=WAIT_MS)
    timer.stop()
    assert len(ticks) > 5  # the event loop ran timers all along
    assert status(view) == ""
    assert row(view, model(view).index(0, 0)) == ("$", "[60,000 items]")


def test_not_json_says_where(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    data = big_array(60_000)
    broken = data.replace(b'"name":"item-30000"', b'"name":item-30000"')
    view.show_event(message(broken))
    detail_mode_combo(view).setCurrentText("Tree")
    position = broken.index(b"item-30000")
    qtbot.waitUntil(lambda: status(view).startswith("Not JSON"), timeout=WAIT_MS)
    assert "Expecting value" in status(view)
    assert f"(char {position})" in status(view)
    assert not tree(view).isVisible()


def test_another_event_stops_the_parse(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(big_array(60_000)))
    detail_mode_combo(view).setCurrentText("Tree")
    assert status(view).startswith("Parsing…")
    view.show_event(message(b"[1, 2]"))
    detail_mode_combo(view).setCurrentText("Tree")
    assert children(view, model(view).index(0, 0)) == [("0", "1"), ("1", "2")]
    QTest.qWait(50)  # the old parse's timer must not come back and replace the tree
    assert row(view, model(view).index(0, 0)) == ("$", "[2 items]")


def test_going_back_to_tree_keeps_it(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    document = show_tree(qtbot, view, message(b'{"a": {"b": 1}}'))
    expand(view, model(view).index(0, 0, document))
    detail_mode_combo(view).setCurrentText("Text")
    assert view.text() == '{"a": {"b": 1}}'
    detail_mode_combo(view).setCurrentText("Tree")
    assert tree(view).isExpanded(model(view).index(0, 0, model(view).index(0, 0)))


def test_find_in_the_tree_goes_to_the_value(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    show_tree(qtbot, view, message(big_array(3000)))
    tree(view).setFocus()
    QTest.keyClick(tree(view), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    edit = view.findChild(QLineEdit, "detailFindEdit")
    assert edit is not None and edit.hasFocus()
    QTest.keyClicks(edit, "ITEM-2345")
    assert find_count(view) == "1 match"
    QTest.keyClick(edit, Qt.Key.Key_Return)
    tree_model = model(view)
    current = tree(view).currentIndex()
    assert tree_model.path(current) == "$[2345].name"
    assert tree(view).isExpanded(current.parent().parent())  # its range, opened on the way

    edit.setText('"tags"')
    assert find_count(view) == "3,000 matches"
    QTest.keyClick(edit, Qt.Key.Key_Return)  # on from the selected row: a key is its member
    assert tree_model.path(tree(view).currentIndex()) == "$[2345].tags"
    assert find_count(view) == "2,346 of 3,000"
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert tree_model.path(tree(view).currentIndex()) == "$[2346].tags"
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert tree_model.path(tree(view).currentIndex()) == "$[2344].tags"
    assert find_count(view) == "2,345 of 3,000"
    tree(view).setCurrentIndex(tree_model.index(0, 0))
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # wraps around
    assert tree_model.path(tree(view).currentIndex()) == "$[2999].tags"


def test_find_counts_once_the_tree_is_parsed(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_event(message(big_array(60_000)))
    view.open_find()
    edit = view.findChild(QLineEdit, "detailFindEdit")
    assert edit is not None
    edit.setText("item-59999")
    assert find_count(view) == "No matches in the part shown"  # Text shows 128 KiB
    detail_mode_combo(view).setCurrentText("Tree")
    assert find_count(view) == "Parsing…"
    qtbot.waitUntil(lambda: find_count(view) == "1 match", timeout=WAIT_MS)
