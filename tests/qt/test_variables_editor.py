"""The {{variables}} table as a user sees and edits it: names, values, secret ticks, masks."""

from __future__ import annotations

import pytest
from helpers.ui import find, row_texts
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
)
from pytestqt.qtbot import QtBot

from wsinspector.qt.forms.field_widgets import BAD_ROW_BRUSH
from wsinspector.qt.forms.variables_editor import MASK, VariablesEditor

NAME, VALUE, SECRET = range(3)


@pytest.fixture
def editor(qtbot: QtBot) -> VariablesEditor:
    widget = VariablesEditor()
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    return widget


def table(editor: VariablesEditor) -> QTableView:
    return find(editor, QTableView, "profileVariablesTable")


def shown(editor: VariablesEditor) -> list[str]:
    return row_texts(table(editor).model())


def cell(editor: VariablesEditor, row: int, column: int) -> QModelIndex:
    return table(editor).model().index(row, column)


def ticked(editor: VariablesEditor) -> list[bool]:
    model = table(editor).model()
    return [
        model.data(cell(editor, row, SECRET), Qt.ItemDataRole.CheckStateRole)
        == Qt.CheckState.Checked.value
        for row in range(model.rowCount())
    ]


def click_cell(qtbot: QtBot, editor: VariablesEditor, row: int, column: int) -> None:
    view = table(editor)
    position = view.visualRect(cell(editor, row, column)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=position)


def open_cell_editor(qtbot: QtBot, editor: VariablesEditor, row: int, column: int) -> QLineEdit:
    """Click the cell and press F2, as a user starts editing; the line edit that opens."""
    click_cell(qtbot, editor, row, column)
    qtbot.keyClick(table(editor), Qt.Key.Key_F2)
    return current_line_edit(editor)


def current_line_edit(editor: VariablesEditor) -> QLineEdit:
    # A closed editor is hidden and deleted later: the open one is the visible one.
    open_editors = [
        line_edit
        for line_edit in table(editor).viewport().findChildren(QLineEdit)
        if line_edit.isVisible()
    ]
    assert len(open_editors) == 1, "no cell editor is open"
    return open_editors[0]


def type_and_enter(qtbot: QtBot, line_edit: QLineEdit, text: str) -> None:
    view = line_edit.parentWidget().parentWidget()  # the viewport's view
    assert isinstance(view, QAbstractItemView)
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)
    # The delegate commits and closes the editor from a queued call.
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState)


def toggle_secret(qtbot: QtBot, editor: VariablesEditor, row: int) -> None:
    """Select the row's secret cell and press Space, as a keyboard user ticks it."""
    view = table(editor)
    view.setCurrentIndex(cell(editor, row, SECRET))
    qtbot.keyClick(view, Qt.Key.Key_Space)


def error_text(editor: VariablesEditor) -> str:
    label = find(editor, QLabel, "variablesError")
    return label.text() if label.isVisible() else ""


def test_secret_values_are_masked_and_nothing_counts_as_an_edit(
    qtbot: QtBot, editor: VariablesEditor
) -> None:
    with qtbot.assertNotEmitted(editor.edited):
        editor.set_variables(
            {"host": "localhost:8765", "token": "abc123", "pin": ""}, frozenset({"token", "pin"})
        )
    assert shown(editor) == ["host | localhost:8765 | ", f"token | {MASK} | ", "pin |  | "]
    assert ticked(editor) == [False, True, True]
    assert MASK == "••••••••"  # the same for every value: the length is not shown either
    assert editor.variables() == {"host": "localhost:8765", "token": "abc123", "pin": ""}
    assert editor.secret_names() == frozenset({"token", "pin"})
    assert error_text(editor) == ""


def test_show_secret_values_reveals_them_all_until_unticked(
    qtbot: QtBot, editor: VariablesEditor
) -> None:
    editor.set_variables({"token": "abc123", "key": "k-9"}, frozenset({"token", "key"}))
    show = find(editor, QCheckBox, "showSecretsCheck")
    with qtbot.assertNotEmitted(editor.edited):
        qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert show.isChecked()
    assert shown(editor) == ["token | abc123 | ", "key | k-9 | "]
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert shown(editor) == [f"token | {MASK} | ", f"key | {MASK} | "]


def test_editing_a_secret_value_shows_it_until_the_row_is_ticked_secret_again(
    qtbot: QtBot, editor: VariablesEditor
) -> None:
    editor.set_variables({"token": "abc123", "other": "zzz"}, frozenset({"token", "other"}))
    line_edit = open_cell_editor(qtbot, editor, 0, VALUE)
    assert line_edit.text() == "abc123"  # the real value to edit, not the mask
    assert line_edit.echoMode() == QLineEdit.EchoMode.Normal
    with qtbot.waitSignal(editor.edited):
        type_and_enter(qtbot, line_edit, "new-token")
    assert shown(editor) == ["token | new-token | ", f"other | {MASK} | "]
    assert editor.variables()["token"] == "new-token"

    # Unticking shows the (no longer secret) value; ticking masks it again.
    with qtbot.waitSignal(editor.edited):
        toggle_secret(qtbot, editor, 0)
    assert ticked(editor) == [False, True]
    assert editor.secret_names() == frozenset({"other"})
    assert shown(editor)[0] == "token | new-token | "
    toggle_secret(qtbot, editor, 0)
    assert ticked(editor) == [True, True]
    assert shown(editor)[0] == f"token | {MASK} | "
    assert editor.secret_names() == frozenset({"token", "other"})

    # Loading values again masks every secret one.
    open_cell_editor(qtbot, editor, 1, VALUE)
    qtbot.keyClick(current_line_edit(editor), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table(editor).state() != QAbstractItemView.State.EditingState)
    assert shown(editor)[1] == "other | zzz | "
    editor.set_variables({"other": "zzz"}, frozenset({"other"}))
    assert shown(editor) == [f"other | {MASK} | "]


def test_ticking_a_plain_value_secret_masks_it(qtbot: QtBot, editor: VariablesEditor) -> None:
    editor.set_variables({"api_key": "s3cr3t"}, frozenset())
    assert shown(editor) == ["api_key | s3cr3t | "]
    with qtbot.waitSignal(editor.edited):
        toggle_secret(qtbot, editor, 0)
    assert shown(editor) == [f"api_key | {MASK} | "]
    assert editor.secret_names() == frozenset({"api_key"})


def test_add_names_a_new_row_and_remove_drops_the_selected_one(
    qtbot: QtBot, editor: VariablesEditor
) -> None:
    editor.set_variables({"host": "example.com"}, frozenset())
    remove = find(editor, QPushButton, "removeVariableButton")
    assert not remove.isEnabled()  # nothing selected
    edits: list[None] = []
    editor.edited.connect(lambda: edits.append(None))

    qtbot.mouseClick(find(editor, QPushButton, "addVariableButton"), Qt.MouseButton.LeftButton)
    # The new row's name is being edited at once.
    type_and_enter(qtbot, current_line_edit(editor), "port")
    type_and_enter(qtbot, open_cell_editor(qtbot, editor, 1, VALUE), "8443")
    assert shown(editor) == ["host | example.com | ", "port | 8443 | "]
    assert editor.variables() == {"host": "example.com", "port": "8443"}
    assert len(edits) == 3  # the new row, its name, its value

    click_cell(qtbot, editor, 0, NAME)
    assert remove.isEnabled()
    edits.clear()
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert shown(editor) == ["port | 8443 | "]
    assert editor.variables() == {"port": "8443"}
    assert edits == [None]


def test_bad_names_are_listed_next_to_the_table_and_left_out(
    qtbot: QtBot, editor: VariablesEditor
) -> None:
    editor.set_variables({"host": "a"}, frozenset())
    add = find(editor, QPushButton, "addVariableButton")
    for name in ("host", "9lives", "has space", " api.v-2 ", ""):
        qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
        type_and_enter(qtbot, current_line_edit(editor), name)
    # The blank row is ignored until it gets a value.
    assert error_text(editor).splitlines() == [
        "“host” is defined more than once",
        "“9lives” is not a valid name: a name starts with a letter or _ and continues with"
        " letters, digits, _, - or .",
        "“has space” is not a valid name: a name starts with a letter or _ and continues with"
        " letters, digits, _, - or .",
    ]
    type_and_enter(qtbot, open_cell_editor(qtbot, editor, 5, VALUE), "orphan")
    assert error_text(editor).splitlines()[-1] == "Row 6 has a value but no name"
    model = table(editor).model()
    tinted = [
        row
        for row in range(model.rowCount())
        if model.data(cell(editor, row, NAME), Qt.ItemDataRole.BackgroundRole) == BAD_ROW_BRUSH
    ]
    assert tinted == [1, 2, 3, 5]
    # Only the good rows count; the first "host" wins; names are taken without blanks.
    assert editor.variables() == {"host": "a", "api.v-2": ""}
    assert len(editor.problems()) == 4

    # Fixing the names clears the messages.
    type_and_enter(qtbot, open_cell_editor(qtbot, editor, 1, NAME), "host2")
    type_and_enter(qtbot, open_cell_editor(qtbot, editor, 2, NAME), "lives9")
    type_and_enter(qtbot, open_cell_editor(qtbot, editor, 3, NAME), "has_space")
    type_and_enter(qtbot, open_cell_editor(qtbot, editor, 5, NAME), "orphan")
    assert error_text(editor) == ""
    assert editor.problems() == []
    assert list(editor.variables()) == ["host", "host2", "lives9", "has_space", "api.v-2", "orphan"]
    assert all(
        model.data(cell(editor, row, NAME), Qt.ItemDataRole.BackgroundRole) is None
        for row in range(model.rowCount())
    )
