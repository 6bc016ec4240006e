"""The secret ticks of a profile as a user sees and sets them: headers, query parameters,
variables, the proposals for a new profile, and where the secrets go."""

from __future__ import annotations

import pytest
from helpers.ui import find
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget
from pytestqt.qtbot import QtBot

from wsinspector.core.storage.profiles import SecretFlags
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.forms.secrets_editor import SecretsEditor

OPTIONS = ConnectionOptions(
    uri="wss://{{host}}/ws?access_token=abc&page=2&sig=ff&access_token=def&%61pi%5Fkey=k",
    headers=(
        ("Authorization", "Bearer x"),
        ("X-Trace", "1"),
        ("authorization", "Bearer y"),  # the same name: one tick covers both rows
        ("", "no name"),
        ("Cookie", "a=b"),
    ),
)
VARIABLES = ["host", "api_key", "keyboard", "password"]


@pytest.fixture
def editor(qtbot: QtBot) -> SecretsEditor:
    widget = SecretsEditor()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fields(editor: SecretsEditor) -> list[str]:
    """Each row as the user reads it, "[x]" for a ticked one."""
    view = find(editor, QListWidget, "secretFieldsList")
    rows = []
    for row in range(view.count()):
        item = view.item(row)
        tick = "[x]" if item.checkState() == Qt.CheckState.Checked else "[ ]"
        rows.append(f"{tick} {item.text()}")
    return rows


def toggle(qtbot: QtBot, editor: SecretsEditor, text: str) -> None:
    """Select the row that reads `text` and press Space, as a keyboard user ticks it."""
    view = find(editor, QListWidget, "secretFieldsList")
    (item,) = [view.item(row) for row in range(view.count()) if view.item(row).text() == text]
    view.setCurrentItem(item)
    qtbot.keyClick(view, Qt.Key.Key_Space)


def shown_label(editor: SecretsEditor, name: str) -> str:
    label = find(editor, QLabel, name)
    return label.text() if label.isVisible() else ""


def test_every_header_query_parameter_and_variable_is_listed_once(
    qtbot: QtBot, editor: SecretsEditor
) -> None:
    with qtbot.assertNotEmitted(editor.edited):
        editor.set_fields(OPTIONS, VARIABLES, SecretFlags(), propose=False)
    assert fields(editor) == [
        "[ ] Header: Authorization",
        "[ ] Header: X-Trace",
        "[ ] Header: Cookie",
        "[ ] Query parameter: access_token",
        "[ ] Query parameter: page",
        "[ ] Query parameter: sig",
        "[ ] Query parameter: api_key",  # percent-decoded
        "[ ] Variable: host",
        "[ ] Variable: api_key",
        "[ ] Variable: keyboard",
        "[ ] Variable: password",
    ]
    assert editor.flags() == SecretFlags()
    assert shown_label(editor, "secretFieldsEmpty") == ""


def test_a_new_profile_gets_the_credentials_ticked_as_proposed(
    qtbot: QtBot, editor: SecretsEditor
) -> None:
    with qtbot.assertNotEmitted(editor.edited):
        editor.set_fields(OPTIONS, VARIABLES, SecretFlags(), propose=True)
    assert fields(editor) == [
        "[x] Header: Authorization (proposed)",
        "[ ] Header: X-Trace",
        "[x] Header: Cookie (proposed)",
        "[x] Query parameter: access_token (proposed)",
        "[ ] Query parameter: page",
        "[x] Query parameter: sig (proposed)",
        "[x] Query parameter: api_key (proposed)",
        "[ ] Variable: host",
        "[x] Variable: api_key (proposed)",
        "[ ] Variable: keyboard",
        "[x] Variable: password (proposed)",
    ]
    assert editor.flags() == SecretFlags(
        headers=frozenset({"authorization", "cookie"}),
        query=frozenset({"access_token", "sig", "api_key"}),
        variables=frozenset({"api_key", "password"}),
    )

    # The user disagrees with one proposal and adds another field.
    with qtbot.waitSignal(editor.edited):
        toggle(qtbot, editor, "Header: Cookie (proposed)")
    toggle(qtbot, editor, "Variable: host")
    assert fields(editor)[2] == "[ ] Header: Cookie (proposed)"
    assert fields(editor)[7] == "[x] Variable: host"
    assert editor.flags() == SecretFlags(
        headers=frozenset({"authorization"}),
        query=frozenset({"access_token", "sig", "api_key"}),
        variables=frozenset({"api_key", "password", "host"}),
    )


def test_a_profile_with_flags_shows_just_its_own(qtbot: QtBot, editor: SecretsEditor) -> None:
    flags = SecretFlags(headers=frozenset({"x-trace"}), query=frozenset({"page"}))
    editor.set_fields(OPTIONS, VARIABLES, flags, propose=True)
    assert [row for row in fields(editor) if row.startswith("[x]")] == [
        "[x] Header: X-Trace",
        "[x] Query parameter: page",
    ]
    assert not any("(proposed)" in row for row in fields(editor))
    assert editor.flags() == flags


def test_ticks_of_fields_the_profile_no_longer_has_are_kept(
    qtbot: QtBot, editor: SecretsEditor
) -> None:
    flags = SecretFlags(
        headers=frozenset({"authorization", "x-gone"}),
        query=frozenset({"old"}),
        variables=frozenset({"retired", "api_key"}),
    )
    editor.set_fields(OPTIONS, VARIABLES, flags)
    toggle(qtbot, editor, "Header: Authorization")
    toggle(qtbot, editor, "Variable: api_key")
    assert editor.flags() == SecretFlags(
        headers=frozenset({"x-gone"}), query=frozenset({"old"}), variables=frozenset({"retired"})
    )


def test_where_secrets_go_and_when_there_is_nothing_to_mark(editor: SecretsEditor) -> None:
    assert shown_label(editor, "secretsLocationLabel") == ""
    editor.set_location("Secret values are kept in the system keyring.")
    assert shown_label(editor, "secretsLocationLabel") == (
        "Secret values are kept in the system keyring."
    )
    editor.set_location("Secret values are kept in the profile file, readable only by you (0600).")
    assert "profile file" in shown_label(editor, "secretsLocationLabel")
    editor.set_location("")
    assert find(editor, QLabel, "secretsLocationLabel").isHidden()  # no empty line left

    editor.set_fields(ConnectionOptions(uri="ws://localhost:8765/"), [], SecretFlags(), True)
    assert fields(editor) == []
    assert "Nothing to mark" in shown_label(editor, "secretFieldsEmpty")
    editor.set_fields(ConnectionOptions(uri="ws://h/?token=1"), [], SecretFlags(), True)
    assert fields(editor) == ["[x] Query parameter: token (proposed)"]
    assert shown_label(editor, "secretFieldsEmpty") == ""
