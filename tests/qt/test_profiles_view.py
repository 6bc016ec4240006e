"""The saved connections sidebar as the user works with it: find, open, organise, export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.ui import find
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QToolButton, QTreeView
from pytestqt.qtbot import QtBot

from wsinspector.core.storage.profiles import Profile, ProfileStore, SavedMessage, SecretFlags
from wsinspector.core.storage.profiles.secrets import NoVault
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.docks.profiles_view import ProfilesSidebar

TREE = [
    "exchanges",
    "  binance",
    "    Binance trades",
    "  Kraken",
    "Local echo",
]


def make_store(root: Path) -> ProfileStore:
    # NoVault: no system keyring is touched; secret values stay in the (0600) files.
    return ProfileStore(root, vault=NoVault())


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    store = make_store(tmp_path / "profiles")
    store.save(Profile("Local echo", ConnectionOptions("ws://localhost:8765/echo")))
    store.save(
        Profile(
            "Binance trades",
            ConnectionOptions(
                "wss://stream.binance.com/ws?token=s3cret", headers=(("Authorization", "Bearer x"),)
            ),
            folder="exchanges/binance",
            messages=(SavedMessage("subscribe", "{}"),),
            secrets=SecretFlags(headers=frozenset({"authorization"}), query=frozenset({"token"})),
        )
    )
    store.save(Profile("Kraken", ConnectionOptions("wss://ws.kraken.com"), folder="exchanges"))
    store.take_notices()  # "secrets are kept in the files": said while seeding, not tested here
    return store


def no_dialog(*args: object) -> Any:
    pytest.fail(f"unexpected dialog: {args[1:]}")


@pytest.fixture
def sidebar(qtbot: QtBot, store: ProfileStore) -> ProfilesSidebar:
    widget = ProfilesSidebar(store)
    qtbot.addWidget(widget)
    widget.resize(300, 500)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    # Nothing in these tests may open a real dialog: each test that needs one says its answer.
    widget.ask_text = no_dialog
    widget.confirm = no_dialog
    widget.ask_save_path = no_dialog
    widget.ask_open_path = no_dialog
    return widget


def tree(sidebar: ProfilesSidebar) -> list[str]:
    """The tree as the user reads it, two spaces a level."""
    model = find(sidebar, QTreeView, "profilesView").model()
    lines: list[str] = []

    def walk(parent: QModelIndex, depth: int) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            lines.append("  " * depth + str(index.data(Qt.ItemDataRole.DisplayRole)))
            walk(index, depth + 1)

    walk(QModelIndex(), 0)
    return lines


def index_at(sidebar: ProfilesSidebar, *names: str) -> QModelIndex:
    """The row reached by clicking through `names` (folders, then a profile)."""
    model = find(sidebar, QTreeView, "profilesView").model()
    index = QModelIndex()
    for name in names:
        rows = [model.index(row, 0, index) for row in range(model.rowCount(index))]
        matches = [i for i in rows if i.data(Qt.ItemDataRole.DisplayRole) == name]
        assert matches, f"no {name!r} under {index.data()!r}"
        index = matches[0]
    return index


def click(qtbot: QtBot, sidebar: ProfilesSidebar, *names: str, double: bool = False) -> None:
    view = find(sidebar, QTreeView, "profilesView")
    centre = view.visualRect(index_at(sidebar, *names)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    if double:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def action(sidebar: ProfilesSidebar, name: str) -> QAction:
    return find(sidebar, QAction, name)


def notice(sidebar: ProfilesSidebar) -> str:
    label = find(sidebar, QLabel, "profilesNoticeLabel")
    return label.text() if label.isVisible() else ""


def names_in(store: ProfileStore) -> list[str]:
    return [profile.path for profile in store.profiles()]


def answers(*replies: Any) -> tuple[Callable[..., Any], list[tuple[Any, ...]]]:
    """A dialog stand-in giving these replies in turn, and the questions it was asked."""
    asked: list[tuple[Any, ...]] = []
    queue = list(replies)

    def dialog(*args: Any) -> Any:
        asked.append(args[1:])
        return queue.pop(0)

    return dialog, asked


def test_folders_nest_their_profiles_folders_first(sidebar: ProfilesSidebar) -> None:
    assert tree(sidebar) == TREE
    view = find(sidebar, QTreeView, "profilesView")
    assert view.isExpanded(index_at(sidebar, "exchanges", "binance"))
    tip = index_at(sidebar, "exchanges", "binance", "Binance trades").data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert tip.startswith("wss://stream.binance.com/ws")
    assert "s3cret" not in tip  # a secret query value is not shown
    assert not find(sidebar, QLabel, "profilesEmptyLabel").isVisible()
    assert notice(sidebar) == ""


def test_the_filter_keeps_profiles_whose_folder_or_name_matches(
    qtbot: QtBot, sidebar: ProfilesSidebar
) -> None:
    edit = find(sidebar, QLineEdit, "profilesFilterEdit")
    qtbot.keyClicks(edit, "BIN")
    assert tree(sidebar) == ["exchanges", "  binance", "    Binance trades"]
    edit.clear()
    qtbot.keyClicks(edit, "Exch")  # a folder's name keeps what is in it
    assert tree(sidebar) == TREE[:4]
    edit.clear()
    qtbot.keyClicks(edit, "echo")
    assert tree(sidebar) == ["Local echo"]
    qtbot.keyClicks(edit, "zzz")
    assert tree(sidebar) == []
    empty = find(sidebar, QLabel, "profilesEmptyLabel")
    assert empty.isVisible()
    assert "echozzz" in empty.text()
    edit.clear()
    assert tree(sidebar) == TREE
    assert not empty.isVisible()


def test_enter_and_double_click_open_a_profile(qtbot: QtBot, sidebar: ProfilesSidebar) -> None:
    opened: list[Profile] = []
    sidebar.open_requested.connect(opened.append)
    view = find(sidebar, QTreeView, "profilesView")
    click(qtbot, sidebar, "Local echo")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    click(qtbot, sidebar, "exchanges", "binance", "Binance trades", double=True)
    assert [(p.name, p.options.uri) for p in opened] == [
        ("Local echo", "ws://localhost:8765/echo"),
        ("Binance trades", "wss://stream.binance.com/ws?token=s3cret"),
    ]
    assert opened[1].messages == (SavedMessage("subscribe", "{}"),)
    click(qtbot, sidebar, "exchanges")
    qtbot.keyClick(view, Qt.Key.Key_Return)  # a folder opens nothing
    assert len(opened) == 2


def test_rename_asks_the_name_with_qinputdialog(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wsinspector.qt.forms import saved_messages_view

    sidebar.ask_text = saved_messages_view.ask_text_dialog  # the real one, with getText stubbed
    asked: list[tuple[Any, ...]] = []
    replies = [("Local echo (dev)  ", True)]

    def get_text(*args: Any, **kwargs: Any) -> tuple[str, bool]:
        asked.append(args)
        return replies.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    changes: list[None] = []
    sidebar.profiles_changed.connect(lambda: changes.append(None))
    click(qtbot, sidebar, "Local echo")
    qtbot.keyClick(find(sidebar, QTreeView, "profilesView"), Qt.Key.Key_F2)
    assert "Local echo" in asked[0]  # the current name, to edit
    assert tree(sidebar)[-1] == "Local echo (dev)"
    assert "Local echo (dev)" in names_in(store)
    assert sidebar.selected_profiles()[0].name == "Local echo (dev)"
    assert len(changes) == 1
    replies[:] = [("ignored", False), ("   ", True)]
    action(sidebar, "profilesRenameAction").trigger()  # cancelled: nothing changes
    action(sidebar, "profilesRenameAction").trigger()  # a blank name: nothing changes
    assert tree(sidebar)[-1] == "Local echo (dev)"
    assert len(changes) == 1


def test_duplicate_makes_a_selected_copy(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore
) -> None:
    click(qtbot, sidebar, "exchanges", "Kraken")
    with qtbot.waitSignal(sidebar.profiles_changed):
        qtbot.keyClick(
            find(sidebar, QTreeView, "profilesView"),
            Qt.Key.Key_D,
            Qt.KeyboardModifier.ControlModifier,
        )
    assert tree(sidebar) == [*TREE[:4], "  Kraken copy", TREE[4]]
    assert [p.path for p in sidebar.selected_profiles()] == ["exchanges/Kraken copy"]
    assert len(store.profiles()) == 4


def test_delete_asks_first(qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore) -> None:
    sidebar.confirm, asked = answers(False, True)
    click(qtbot, sidebar, "Local echo")
    view = find(sidebar, QTreeView, "profilesView")
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert tree(sidebar) == TREE
    assert "Local echo" in asked[0][0]
    with qtbot.waitSignal(sidebar.profiles_changed):
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert tree(sidebar) == TREE[:4]
    assert names_in(store) == ["exchanges/Kraken", "exchanges/binance/Binance trades"]
    assert list(store.root.glob("*.json.bak"))  # the last version can still be recovered


def test_move_to_folder_asks_the_path_and_empty_is_the_top_level(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore
) -> None:
    sidebar.ask_text, asked = answers(" tools // ws ", "", None)
    click(qtbot, sidebar, "exchanges", "Kraken")
    action(sidebar, "profilesMoveAction").trigger()
    assert asked[0][2] == "exchanges"  # the current folder, to edit
    assert tree(sidebar) == [
        "exchanges",
        "  binance",
        "    Binance trades",
        "tools",
        "  ws",
        "    Kraken",
        "Local echo",
    ]
    action(sidebar, "profilesMoveAction").trigger()
    assert tree(sidebar)[-2:] == ["Kraken", "Local echo"]
    assert "Kraken" in names_in(store)
    action(sidebar, "profilesMoveAction").trigger()  # cancelled
    assert "Kraken" in names_in(store)


def test_a_profile_moved_into_a_collapsed_folder_stays_in_view(
    qtbot: QtBot, sidebar: ProfilesSidebar
) -> None:
    view = find(sidebar, QTreeView, "profilesView")
    view.collapse(index_at(sidebar, "exchanges", "binance"))
    click(qtbot, sidebar, "Local echo")
    sidebar.ask_text, _ = answers(" exchanges / binance ")
    action(sidebar, "profilesMoveAction").trigger()
    assert view.isExpanded(index_at(sidebar, "exchanges", "binance"))
    assert [p.path for p in sidebar.selected_profiles()] == ["exchanges/binance/Local echo"]


def test_folders_and_profiles_are_in_alphabetical_order_whatever_the_case(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = make_store(tmp_path / "order")
    for name, folder in (("b", ""), ("A", ""), ("x", "Zeta"), ("y", "alpha"), ("z", "alpha/Beta")):
        store.save(Profile(name, ConnectionOptions("ws://h"), folder=folder))
    sidebar = ProfilesSidebar(store)
    qtbot.addWidget(sidebar)
    assert tree(sidebar) == ["alpha", "  Beta", "    z", "  y", "Zeta", "  x", "A", "b"]


def test_several_profiles_are_moved_and_deleted_together(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore
) -> None:
    click(qtbot, sidebar, "Local echo")
    view = find(sidebar, QTreeView, "profilesView")
    centre = view.visualRect(index_at(sidebar, "exchanges", "Kraken")).center()
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, centre
    )
    assert [p.name for p in sidebar.selected_profiles()] == ["Kraken", "Local echo"]
    assert not action(sidebar, "profilesRenameAction").isEnabled()  # one name at a time
    sidebar.ask_text, _ = answers("old")
    action(sidebar, "profilesMoveAction").trigger()
    assert names_in(store) == ["exchanges/binance/Binance trades", "old/Kraken", "old/Local echo"]
    sidebar.confirm, asked = answers(True)
    action(sidebar, "profilesDeleteAction").trigger()
    assert "2 saved connections" in asked[0][0]
    assert tree(sidebar) == TREE[:3]


def test_export_leaves_secrets_out_unless_asked_and_import_brings_profiles_back(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore, tmp_path: Path
) -> None:
    without, with_secrets = tmp_path / "without.json", tmp_path / "with.json"
    sidebar.ask_save_path, asked_paths = answers(str(without), str(with_secrets))
    sidebar.confirm, asked = answers(False, True)
    click(qtbot, sidebar, "exchanges")  # a folder: its profiles and its subfolders'
    assert action(sidebar, "profilesExportAction").text() == "Export folder…"
    action(sidebar, "profilesExportAction").trigger()
    assert asked_paths[0][1] == "exchanges.json"
    assert "secret" in asked[0][0]
    exported = json.loads(without.read_text())
    assert sorted(p["name"] for p in exported["profiles"]) == ["Binance trades", "Kraken"]
    assert "s3cret" not in without.read_text()
    assert "Bearer x" not in without.read_text()
    assert "Exported 2 profiles" in notice(sidebar)
    assert "without their secret values" in notice(sidebar)

    click(qtbot, sidebar, "exchanges", "binance", "Binance trades")
    action(sidebar, "profilesExportAction").trigger()
    assert asked_paths[1][1] == "Binance trades.json"
    assert "s3cret" in with_secrets.read_text()
    assert [p["name"] for p in json.loads(with_secrets.read_text())["profiles"]] == [
        "Binance trades"
    ]

    other_store = make_store(tmp_path / "other")
    other = ProfilesSidebar(other_store)
    qtbot.addWidget(other)
    other.show()
    other.ask_open_path, _ = answers(str(without))
    assert find(other, QLabel, "profilesEmptyLabel").text().startswith("No saved connections")
    with qtbot.waitSignal(other.profiles_changed):
        action(other, "profilesImportAction").trigger()
    assert tree(other) == TREE[:4]
    assert "Imported 2 profiles" in notice(other)
    assert "2 secret values not in the file" in notice(other)
    assert [p.name for p in other.selected_profiles()] == ["Binance trades", "Kraken"]


def test_export_without_a_selection_exports_everything_and_asks_nothing_without_secrets(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore, tmp_path: Path
) -> None:
    target = tmp_path / "all.json"
    sidebar.ask_save_path, asked_paths = answers(str(target), "")
    sidebar.confirm, _ = answers(False)
    assert action(sidebar, "profilesExportAction").text() == "Export all…"
    action(sidebar, "profilesExportAction").trigger()
    assert asked_paths[0][1] == "profiles.json"
    assert len(json.loads(target.read_text())["profiles"]) == 3
    # Kraken has no secrets: no question (a second confirm would fail the test).
    click(qtbot, sidebar, "exchanges", "Kraken")
    sidebar.ask_save_path, _ = answers(str(tmp_path / "kraken.json"))
    action(sidebar, "profilesExportAction").trigger()
    assert "Exported 1 profile to" in notice(sidebar)


def test_a_bad_import_file_is_named_with_the_reason(
    qtbot: QtBot, sidebar: ProfilesSidebar, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    sidebar.ask_open_path, _ = answers(str(bad))
    with qtbot.assertNotEmitted(sidebar.profiles_changed):
        action(sidebar, "profilesImportAction").trigger()
    assert notice(sidebar).startswith(f"Not imported: {bad}")
    assert tree(sidebar) == TREE


def test_unreadable_files_are_shown_once_until_dismissed(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore
) -> None:
    broken = store.root / "broken.json"
    broken.write_text('{"version": 1, "name": 3}')
    sidebar.refresh()
    assert tree(sidebar) == TREE  # the others still load
    shown = notice(sidebar)
    assert str(broken) in shown
    assert "name" in shown  # the reason names the place
    sidebar.refresh()
    assert notice(sidebar) == shown  # kept, not repeated
    qtbot.mouseClick(
        find(sidebar, QToolButton, "profilesNoticeCloseButton"), Qt.MouseButton.LeftButton
    )
    assert notice(sidebar) == ""
    sidebar.refresh()
    assert notice(sidebar) == ""  # reported once


def test_store_notices_are_shown(qtbot: QtBot, tmp_path: Path) -> None:
    store = make_store(tmp_path / "fresh")
    store.save(
        Profile(
            "With token",
            ConnectionOptions("ws://h/?token=abc"),
            secrets=SecretFlags(query=frozenset({"token"})),
        )
    )
    sidebar = ProfilesSidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.show()
    assert "Secrets are kept in the profile files" in notice(sidebar)
    assert tree(sidebar) == ["With token"]


def test_a_failing_action_says_why(
    qtbot: QtBot, sidebar: ProfilesSidebar, store: ProfileStore
) -> None:
    click(qtbot, sidebar, "exchanges", "Kraken")
    kraken = sidebar.selected_profiles()[0]
    store.path_of(kraken.id).write_text("damaged meanwhile")
    sidebar.ask_text, _ = answers("Kraken 2")
    action(sidebar, "profilesRenameAction").trigger()
    assert notice(sidebar).startswith("Not renamed:")
    assert str(store.path_of(kraken.id)) in notice(sidebar)
    assert "Kraken" not in "\n".join(tree(sidebar))  # no longer readable: not listed


def test_a_collapsed_folder_stays_collapsed(qtbot: QtBot, sidebar: ProfilesSidebar) -> None:
    view = find(sidebar, QTreeView, "profilesView")
    view.collapse(index_at(sidebar, "exchanges", "binance"))
    sidebar.refresh()
    assert not view.isExpanded(index_at(sidebar, "exchanges", "binance"))
    assert view.isExpanded(index_at(sidebar, "exchanges"))
    # Also with a profile inside selected, when the list is read again.
    assert sidebar.select_profile("exchanges/binance/Binance trades")
    view.collapse(index_at(sidebar, "exchanges", "binance"))
    sidebar.refresh()
    assert not view.isExpanded(index_at(sidebar, "exchanges", "binance"))
    # While filtering, every match is in view.
    find(sidebar, QLineEdit, "profilesFilterEdit").setText("trades")
    assert view.isExpanded(index_at(sidebar, "exchanges", "binance"))
    find(sidebar, QLineEdit, "profilesFilterEdit").clear()
    assert not view.isExpanded(index_at(sidebar, "exchanges", "binance"))


def test_select_profile_by_name_even_when_filtered_out(sidebar: ProfilesSidebar) -> None:
    find(sidebar, QLineEdit, "profilesFilterEdit").setText("echo")
    assert sidebar.select_profile("Kraken")
    assert find(sidebar, QLineEdit, "profilesFilterEdit").text() == ""
    assert [p.path for p in sidebar.selected_profiles()] == ["exchanges/Kraken"]
    assert sidebar.select_profile("exchanges/binance/Binance trades")
    assert [p.name for p in sidebar.selected_profiles()] == ["Binance trades"]
    assert not sidebar.select_profile("nope")
    assert sidebar.selected_profiles() == []


def test_the_context_menu_follows_the_selection(qtbot: QtBot, sidebar: ProfilesSidebar) -> None:
    texts = [a.text() for a in sidebar.context_menu().actions() if not a.isSeparator()]
    assert texts == [
        "Open",
        "Duplicate",
        "Rename…",
        "Move to folder…",
        "Delete…",
        "Export all…",
        "Import…",
    ]
    enabled = {a.text() for a in sidebar.context_menu().actions() if a.isEnabled()}
    assert enabled >= {"Export all…", "Import…"}
    assert "Open" not in enabled
    click(qtbot, sidebar, "Local echo")
    opened: list[Profile] = []
    sidebar.open_requested.connect(opened.append)
    menu = sidebar.context_menu()
    assert all(a.isEnabled() for a in menu.actions() if not a.isSeparator())
    next(a for a in menu.actions() if a.text() == "Open").trigger()
    assert [p.name for p in opened] == ["Local echo"]
