"""The Environments dialog as a user works it: pick, add, rename, remove environments, edit
their variables, OK or Cancel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.ui import find, row_texts
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from wsinspector.core.storage.profiles import Environments
from wsinspector.qt.dialogs.environments_dialog import EnvironmentsDialog
from wsinspector.qt.forms.variables_editor import MASK, VariablesEditor

NAME, VALUE, SECRET = range(3)

ENVIRONMENTS = Environments(
    environments={
        "dev": {"host": "localhost:8765", "token": "dev-token"},
        "staging": {"host": "staging.example.com"},
        "prod": {"host": "stream.example.com", "token": "prod-token"},
    },
    secret_variables=frozenset({"token", "retired"}),  # "retired" is in no environment
)


@pytest.fixture
def opened(qtbot: QtBot) -> Iterator[tuple[EnvironmentsDialog, list[Environments]]]:
    dialog = EnvironmentsDialog(ENVIRONMENTS, current="staging")
    qtbot.addWidget(dialog)
    accepted: list[Environments] = []
    dialog.accepted_environments.connect(accepted.append)
    dialog.open()
    qtbot.waitExposed(dialog)
    yield dialog, accepted


def env_names(dialog: EnvironmentsDialog) -> list[str]:
    view = find(dialog, QListWidget, "environmentsList")
    return [view.item(row).text() for row in range(view.count())]


def selected(dialog: EnvironmentsDialog) -> str:
    item = find(dialog, QListWidget, "environmentsList").currentItem()
    return item.text() if item is not None else ""


def pick(qtbot: QtBot, dialog: EnvironmentsDialog, name: str) -> None:
    view = find(dialog, QListWidget, "environmentsList")
    item = view.findItems(name, Qt.MatchFlag.MatchExactly)[0]
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualItemRect(item).center()
    )
    assert selected(dialog) == name


def variables_table(dialog: EnvironmentsDialog) -> QTableView:
    editor = find(dialog, VariablesEditor, "environmentVariablesEditor")
    return find(editor, QTableView, "profileVariablesTable")


def shown_variables(dialog: EnvironmentsDialog) -> list[str]:
    return row_texts(variables_table(dialog).model())


def open_editor(view: QAbstractItemView) -> QLineEdit:
    """The in-place editor that is open in `view` (closed ones are hidden, deleted later)."""
    editors = [e for e in view.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, "no editor is open"
    return editors[0]


def type_and_enter(qtbot: QtBot, view: QAbstractItemView, text: str) -> None:
    line_edit = open_editor(view)
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)
    # The delegate commits and closes the editor from a queued call.
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState)


def edit_variable(
    qtbot: QtBot, dialog: EnvironmentsDialog, row: int, column: int, text: str
) -> None:
    view = variables_table(dialog)
    index = view.model().index(row, column)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    qtbot.keyClick(view, Qt.Key.Key_F2)
    type_and_enter(qtbot, view, text)


def toggle_secret(qtbot: QtBot, dialog: EnvironmentsDialog, row: int) -> None:
    view = variables_table(dialog)
    view.setCurrentIndex(view.model().index(row, SECRET))
    qtbot.keyClick(view, Qt.Key.Key_Space)


def click(qtbot: QtBot, dialog: EnvironmentsDialog, name: str) -> None:
    qtbot.mouseClick(find(dialog, QPushButton, name), Qt.MouseButton.LeftButton)


def press_ok(qtbot: QtBot, dialog: EnvironmentsDialog) -> None:
    box = find(dialog, QDialogButtonBox, "environmentsButtons")
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def wait_error(qtbot: QtBot, dialog: QWidget, name: str, expected: str) -> None:
    """The error label says `expected` once the editor's queued commit has run."""
    qtbot.waitUntil(lambda: error_text(dialog, name) == expected, timeout=5000)


def error_text(dialog: QWidget, name: str) -> str:
    label = find(dialog, QLabel, name)
    return label.text() if label.isVisible() else ""


def test_the_dialog_lists_the_environments_and_shows_the_current_ones_variables(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, _ = opened
    assert dialog.isModal()  # open() makes it window-modal, without a nested event loop
    assert env_names(dialog) == ["dev", "staging", "prod"]
    assert selected(dialog) == "staging"
    assert shown_variables(dialog) == ["host | staging.example.com | "]
    pick(qtbot, dialog, "prod")
    assert "prod" in find(dialog, QLabel, "environmentVariablesTitle").text()
    assert shown_variables(dialog) == ["host | stream.example.com | ", f"token | {MASK} | "]


def test_ok_without_changes_gives_the_same_environments(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, accepted = opened
    press_ok(qtbot, dialog)
    assert accepted == [ENVIRONMENTS]
    assert not dialog.isVisible()


def test_edits_of_each_environment_are_kept_while_the_user_moves_between_them(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, accepted = opened
    pick(qtbot, dialog, "dev")
    edit_variable(qtbot, dialog, 0, VALUE, "127.0.0.1:9000")
    pick(qtbot, dialog, "staging")
    click(qtbot, find(dialog, VariablesEditor, "environmentVariablesEditor"), "addVariableButton")
    type_and_enter(qtbot, variables_table(dialog), "region")
    edit_variable(qtbot, dialog, 1, VALUE, "eu-west-1")
    pick(qtbot, dialog, "dev")
    assert shown_variables(dialog) == ["host | 127.0.0.1:9000 | ", f"token | {MASK} | "]
    press_ok(qtbot, dialog)
    assert accepted == [
        Environments(
            environments={
                "dev": {"host": "127.0.0.1:9000", "token": "dev-token"},
                "staging": {"host": "staging.example.com", "region": "eu-west-1"},
                "prod": {"host": "stream.example.com", "token": "prod-token"},
            },
            secret_variables=frozenset({"token", "retired"}),
        )
    ]


def test_a_secret_tick_holds_in_every_environment(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, accepted = opened
    pick(qtbot, dialog, "dev")
    toggle_secret(qtbot, dialog, 0)  # host becomes secret …
    toggle_secret(qtbot, dialog, 1)  # … and token stops being one
    assert shown_variables(dialog) == [f"host | {MASK} | ", "token | dev-token | "]
    pick(qtbot, dialog, "prod")  # … here too
    assert shown_variables(dialog) == [f"host | {MASK} | ", "token | prod-token | "]
    press_ok(qtbot, dialog)
    assert accepted[0].secret_variables == frozenset({"host", "retired"})


def test_add_rename_and_remove_environments(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, accepted = opened
    view = find(dialog, QListWidget, "environmentsList")
    click(qtbot, dialog, "addEnvironmentButton")
    # The new one is selected, empty, and its name is being edited.
    assert selected(dialog) == "new environment"
    assert shown_variables(dialog) == []
    type_and_enter(qtbot, view, " qa ")
    assert env_names(dialog) == ["dev", "staging", "prod", "qa"]
    click(qtbot, find(dialog, VariablesEditor, "environmentVariablesEditor"), "addVariableButton")
    type_and_enter(qtbot, variables_table(dialog), "host")
    edit_variable(qtbot, dialog, 0, VALUE, "qa.example.com")

    # A name that is taken, or blank, is refused and the old name stays.
    pick(qtbot, dialog, "staging")
    click(qtbot, dialog, "renameEnvironmentButton")
    type_and_enter(qtbot, view, "dev")
    wait_error(qtbot, dialog, "environmentsError", "There is already an environment “dev”")
    assert env_names(dialog) == ["dev", "staging", "prod", "qa"]
    qtbot.keyClick(view, Qt.Key.Key_F2)
    type_and_enter(qtbot, view, "   ")
    wait_error(qtbot, dialog, "environmentsError", "An environment needs a name")
    assert env_names(dialog) == ["dev", "staging", "prod", "qa"]
    # A free name renames it in place, its variables with it.
    qtbot.keyClick(view, Qt.Key.Key_F2)
    type_and_enter(qtbot, view, "stage")
    wait_error(qtbot, dialog, "environmentsError", "")
    assert env_names(dialog) == ["dev", "stage", "prod", "qa"]
    assert shown_variables(dialog) == ["host | staging.example.com | "]
    assert "stage" in find(dialog, QLabel, "environmentVariablesTitle").text()

    pick(qtbot, dialog, "prod")
    click(qtbot, dialog, "removeEnvironmentButton")
    assert env_names(dialog) == ["dev", "stage", "qa"]
    press_ok(qtbot, dialog)
    assert accepted == [
        Environments(
            environments={
                "dev": {"host": "localhost:8765", "token": "dev-token"},
                "stage": {"host": "staging.example.com"},
                "qa": {"host": "qa.example.com"},
            },
            secret_variables=frozenset({"token", "retired"}),
        )
    ]
    assert list(accepted[0].environments) == ["dev", "stage", "qa"]  # the list's order


def test_cancel_forgets_every_change(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, accepted = opened
    click(qtbot, dialog, "removeEnvironmentButton")
    box = find(dialog, QDialogButtonBox, "environmentsButtons")
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert accepted == []


def test_ok_shows_an_environment_with_a_bad_variable_and_stays_open(
    qtbot: QtBot, opened: tuple[EnvironmentsDialog, list[Environments]]
) -> None:
    dialog, accepted = opened
    pick(qtbot, dialog, "dev")
    edit_variable(qtbot, dialog, 1, NAME, "host")  # now "host" twice
    editor = find(dialog, VariablesEditor, "environmentVariablesEditor")
    wait_error(qtbot, editor, "variablesError", "“host” is defined more than once")
    pick(qtbot, dialog, "prod")  # the bad rows are kept as typed meanwhile
    press_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert accepted == []
    assert selected(dialog) == "dev"
    wait_error(qtbot, dialog, "environmentsError", "Fix the variables of “dev” first")
    wait_error(qtbot, editor, "variablesError", "“host” is defined more than once")

    edit_variable(qtbot, dialog, 1, NAME, "api_token")
    press_ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert accepted[0].environments["dev"] == {"host": "localhost:8765", "api_token": "dev-token"}
    # The renamed row kept its tick: api_token is secret now, token only in prod.
    assert accepted[0].secret_variables == frozenset({"token", "api_token", "retired"})


def test_without_environments_there_is_nothing_to_edit_until_one_is_added(
    qtbot: QtBot,
) -> None:
    dialog = EnvironmentsDialog(Environments())
    qtbot.addWidget(dialog)
    dialog.open()
    editor = find(dialog, VariablesEditor, "environmentVariablesEditor")
    assert env_names(dialog) == []
    assert not editor.isEnabled()
    assert not find(dialog, QPushButton, "removeEnvironmentButton").isEnabled()
    assert "add one" in find(dialog, QLabel, "environmentVariablesTitle").text()
    click(qtbot, dialog, "addEnvironmentButton")
    type_and_enter(qtbot, find(dialog, QListWidget, "environmentsList"), "local")
    assert editor.isEnabled()
    assert dialog.environments() == Environments(environments={"local": {}})
    click(qtbot, editor, "addVariableButton")
    type_and_enter(qtbot, variables_table(dialog), "port")
    assert dialog.environments() == Environments(environments={"local": {"port": ""}})
