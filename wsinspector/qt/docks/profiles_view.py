"""The saved connections sidebar: profiles in folders, filtered, opened, organised, exported.

Folders are not stored on their own: a folder is shown while a profile is in it or below it
(Profile.folder "a/b" nests b in a). Every change goes to the ProfileStore at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.storage.profiles import Profile, ProfileError, ProfileStore
from wsinspector.core.storage.profiles.secrets import withhold
from wsinspector.qt.forms.saved_messages_view import ask_text_dialog, confirm_dialog

PROFILE_ROLE = Qt.ItemDataRole.UserRole + 1  # the Profile, on profile rows
FOLDER_ROLE = Qt.ItemDataRole.UserRole + 2  # the folder path "a/b", on folder rows
JSON_FILES = "JSON files (*.json);;All files (*)"
NOTICE_LINES = 12


def save_path_dialog(parent: QWidget, caption: str, suggested: str) -> str:
    """QFileDialog.getSaveFileName (looked up at each call); "" when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, caption, suggested, JSON_FILES)
    return path


def open_path_dialog(parent: QWidget, caption: str) -> str:
    """QFileDialog.getOpenFileName (looked up at each call); "" when cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, caption, "", JSON_FILES)
    return path


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\0]+', "_", text).strip(" .") or "profiles"


def _folder_key(folder: str) -> list[str]:
    return [part.casefold() for part in folder.split("/")]


class ProfilesSidebar(QWidget):
    """Saved connections from a ProfileStore, as a tree `profilesView` of folders and profiles.

    `profilesFilterEdit` keeps the profiles whose folder/name contains the text (any case).
    Double-click or Enter opens a profile. The context menu (and Delete, F2, Ctrl+D) opens,
    duplicates, renames, moves, deletes, exports the selection (or a folder, or everything)
    and imports a file. Files that could not be read and the store's notices appear once in
    `profilesNoticeLabel`, as do the results and failures of these actions.

    The dialogs go through replaceable attributes (tests answer them; the defaults look up
    QInputDialog.getText, QMessageBox.question and QFileDialog at each call):
    `ask_text(parent, title, label, text) -> str | None`, `confirm(parent, question) -> bool`,
    `ask_save_path(parent, caption, suggested) -> str` and `ask_open_path(parent, caption)
    -> str` ("" when cancelled). They run from plain slots, never inside a coroutine.

    Signals:
        open_requested(object): the user wants this Profile opened (in a tab).
        profiles_changed(): this sidebar changed the store (renamed, moved, duplicated,
            deleted or imported profiles).
    """

    open_requested = Signal(object)
    profiles_changed = Signal()

    def __init__(self, store: ProfileStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.ask_text: Callable[[QWidget, str, str, str], str | None] = ask_text_dialog
        self.confirm: Callable[[QWidget, str], bool] = confirm_dialog
        self.ask_save_path: Callable[[QWidget, str, str], str] = save_path_dialog
        self.ask_open_path: Callable[[QWidget, str], str] = open_path_dialog
        self._profiles: list[Profile] = []
        self._collapsed: set[str] = set()
        self._filling = False
        self._notice_lines: list[str] = []

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("profilesFilterEdit")
        self.filter_edit.setPlaceholderText("Filter saved connections")
        self.filter_edit.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.view = QTreeView()
        self.view.setObjectName("profilesView")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("profilesEmptyLabel")
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # drawn greyed, as a hint
        self.notice_label = QLabel()
        self.notice_label.setObjectName("profilesNoticeLabel")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_close_button = QToolButton()
        self.notice_close_button.setObjectName("profilesNoticeCloseButton")
        self.notice_close_button.setText("✕")
        self.notice_close_button.setToolTip("Dismiss")
        self.notice_close_button.setAutoRaise(True)

        self.open_action = self._action("profilesOpenAction", "Open", self.open_selected)
        self.duplicate_action = self._action(
            "profilesDuplicateAction", "Duplicate", self.duplicate_selected, "Ctrl+D"
        )
        self.rename_action = self._action(
            "profilesRenameAction", "Rename…", self.rename_selected, "F2"
        )
        self.move_action = self._action("profilesMoveAction", "Move to folder…", self.move_selected)
        self.delete_action = self._action(
            "profilesDeleteAction", "Delete…", self.delete_selected, QKeySequence.StandardKey.Delete
        )
        self.export_action = self._action("profilesExportAction", "Export…", self.export_selected)
        self.import_action = self._action("profilesImportAction", "Import…", self.import_profiles)

        notice = QHBoxLayout()
        notice.addWidget(self.notice_label, 1)
        notice.addWidget(self.notice_close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Saved connections</b>"))
        layout.addWidget(self.filter_edit)
        layout.addLayout(notice)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        self._show_notices([])

        self.filter_edit.textChanged.connect(lambda _text: self._fill(self._selected_ids()))
        self.view.activated.connect(self._on_activated)
        self.view.customContextMenuRequested.connect(self._show_context_menu)
        self.view.expanded.connect(lambda index: self._on_expanded(index, True))
        self.view.collapsed.connect(lambda index: self._on_expanded(index, False))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.notice_close_button.clicked.connect(self.dismiss_notices)
        self.refresh()

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[[], object],
        keys: str | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(slot)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        return action

    # -- contents ---------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        """Every profile as last read from the store (filtered out or not)."""
        return list(self._profiles)

    def refresh(self) -> None:
        """Read the store again, keeping the selection, and show new problems and notices."""
        selected = self._selected_ids()
        self._profiles = self.store.profiles()
        self._fill(selected)
        lines = [
            f"Skipped {problem.path}: {problem.reason}" for problem in self.store.take_problems()
        ]
        self._show_notices(lines + self.store.take_notices())

    def _visible_profiles(self) -> list[Profile]:
        needle = self.filter_edit.text().strip().casefold()
        return [p for p in self._profiles if needle in p.path.casefold()]

    def _fill(self, select_ids: Iterable[str] = ()) -> None:
        profiles = self._visible_profiles()
        self._filling = True
        try:
            self.model.clear()
            folders: dict[str, QStandardItem] = {}
            wanted = {folder for p in profiles if p.folder for folder in self._parents(p.folder)}
            folder_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
            for folder in sorted(wanted, key=_folder_key):
                parent, _, name = folder.rpartition("/")
                item = QStandardItem(folder_icon, name)
                item.setData(folder, FOLDER_ROLE)
                item.setToolTip(folder)
                item.setEditable(False)
                (folders[parent] if parent else self.model.invisibleRootItem()).appendRow(item)
                folders[folder] = item
            for profile in profiles:
                item = QStandardItem(profile.name)
                item.setData(profile, PROFILE_ROLE)
                item.setToolTip(withhold(profile)[0].options.uri)
                item.setEditable(False)
                parent_item = folders[profile.folder] if profile.folder else None
                (parent_item or self.model.invisibleRootItem()).appendRow(item)
            filtering = bool(self.filter_edit.text().strip())
            for folder, item in folders.items():
                if filtering or folder not in self._collapsed:
                    self.view.expand(item.index())
        finally:
            self._filling = False
        self._select_ids(set(select_ids), scroll=False)
        if not self._profiles:
            self.empty_label.setText(
                "No saved connections yet. Save the connection of a tab to keep it here."
            )
        elif not profiles:
            self.empty_label.setText(f"No saved connection matches “{self.filter_edit.text()}”.")
        self.empty_label.setVisible(not profiles)
        self._update_actions()

    @staticmethod
    def _parents(folder: str) -> list[str]:
        parts = folder.split("/")
        return ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]

    def _on_expanded(self, index: QModelIndex, expanded: bool) -> None:
        folder = index.data(FOLDER_ROLE)
        if self._filling or not isinstance(folder, str):
            return
        if expanded:
            self._collapsed.discard(folder)
        else:
            self._collapsed.add(folder)

    # -- notices ----------------------------------------------------------------------------

    def _show_notices(self, lines: list[str]) -> None:
        """Add lines to the notice (kept until dismissed); show or hide it."""
        self._notice_lines = (self._notice_lines + lines)[-NOTICE_LINES:]
        self.notice_label.setText("\n".join(self._notice_lines))
        self.notice_label.setVisible(bool(self._notice_lines))
        self.notice_close_button.setVisible(bool(self._notice_lines))

    def dismiss_notices(self) -> None:
        self._notice_lines = []
        self._show_notices([])

    # -- selection --------------------------------------------------------------------------

    def _rows(self) -> list[QModelIndex]:
        """Every row of the tree, depth first, as shown."""
        rows: list[QModelIndex] = []

        def walk(parent: QModelIndex) -> None:
            for row in range(self.model.rowCount(parent)):
                index = self.model.index(row, 0, parent)
                rows.append(index)
                walk(index)

        walk(QModelIndex())
        return rows

    def selected_profiles(self) -> list[Profile]:
        """The selected profiles, in the order shown."""
        selected = self.view.selectionModel()
        return [
            index.data(PROFILE_ROLE)
            for index in self._rows()
            if selected.isSelected(index) and index.data(PROFILE_ROLE) is not None
        ]

    def selected_folders(self) -> list[str]:
        selected = self.view.selectionModel()
        return [
            index.data(FOLDER_ROLE)
            for index in self._rows()
            if selected.isSelected(index) and index.data(FOLDER_ROLE) is not None
        ]

    def _selected_ids(self) -> list[str]:
        return [profile.id for profile in self.selected_profiles()]

    def _select_ids(self, ids: set[str], scroll: bool = True) -> None:
        rows = self._rows()
        self._select([i for i in rows if getattr(i.data(PROFILE_ROLE), "id", "") in ids], scroll)

    def _select(self, indexes: list[QModelIndex], scroll: bool = True) -> None:
        """Select these rows; `scroll` brings the first into view (opening its folders)."""
        selection = self.view.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag
        for index in indexes:
            selection.select(index, flags.Select | flags.Rows)
        if indexes:
            # A new current row scrolls to it by itself (autoScroll), opening its folders.
            self.view.setAutoScroll(False)
            selection.setCurrentIndex(indexes[0], flags.NoUpdate)
            self.view.setAutoScroll(True)
        if indexes and scroll:
            self.view.scrollTo(indexes[0])

    def select_profile(self, name: str) -> bool:
        """Select the first profile called `name` (or with the path "folder/name"), clearing
        the filter if it hides it; False when there is none."""

        def find() -> list[QModelIndex]:
            for index in self._rows():
                profile = index.data(PROFILE_ROLE)
                if profile is not None and name in (profile.name, profile.path):
                    return [index]
            return []

        found = find()
        if not found and any(name in (p.name, p.path) for p in self._profiles):
            self.filter_edit.clear()
            found = find()
        self._select(found)
        return bool(found)

    def _update_actions(self) -> None:
        profiles = self.selected_profiles()
        folders = self.selected_folders()
        for action in (self.open_action, self.duplicate_action, self.move_action):
            action.setEnabled(bool(profiles))
        self.delete_action.setEnabled(bool(profiles))
        self.rename_action.setEnabled(len(profiles) == 1)
        self.export_action.setEnabled(bool(self._profiles))
        if profiles or folders:
            self.export_action.setText("Export folder…" if folders and not profiles else "Export…")
        else:
            self.export_action.setText("Export all…")

    # -- actions ----------------------------------------------------------------------------

    def _on_activated(self, index: QModelIndex) -> None:
        profile = index.data(PROFILE_ROLE)
        if profile is not None:
            self.open_requested.emit(profile)

    def open_selected(self) -> None:
        for profile in self.selected_profiles():
            self.open_requested.emit(profile)

    def _changed(self, select_ids: Iterable[str] | None = None) -> None:
        """After a change to the store: read it again, select, tell the window."""
        self.refresh()
        if select_ids is not None:
            self._select_ids(set(select_ids))
        self.profiles_changed.emit()

    def _failed(self, what: str, exc: ProfileError) -> None:
        self._show_notices([f"{what}: {exc}"])

    def duplicate_selected(self) -> None:
        copies: list[str] = []
        try:
            for profile in self.selected_profiles():
                copies.append(self.store.duplicate(profile.id).id)
        except ProfileError as exc:
            self._failed("Not duplicated", exc)
        if copies:
            self._changed(copies)
        else:
            self.refresh()

    def rename_selected(self) -> None:
        profiles = self.selected_profiles()
        if len(profiles) != 1:
            return
        profile = profiles[0]
        name = self.ask_text(self, "Rename saved connection", "Name:", profile.name)
        if name is None or not name.strip() or name.strip() == profile.name:
            return
        try:
            self.store.rename(profile.id, name.strip())
        except ProfileError as exc:
            self._failed("Not renamed", exc)
            self.refresh()
            return
        self._changed()

    def move_selected(self) -> None:
        profiles = self.selected_profiles()
        if not profiles:
            return
        answer = self.ask_text(
            self,
            "Move to folder",
            "Folder (a/b for a subfolder; empty for the top level):",
            profiles[0].folder,
        )
        if answer is None:
            return
        moved = 0
        try:
            for profile in profiles:
                self.store.move(profile.id, answer)
                moved += 1
        except ProfileError as exc:
            self._failed("Not moved", exc)
        if moved:
            self._changed(p.id for p in profiles)
        else:
            self.refresh()

    def delete_selected(self) -> None:
        profiles = self.selected_profiles()
        if not profiles:
            return
        if len(profiles) == 1:
            question = (
                f"Delete the saved connection “{profiles[0].name}”? Its last version stays in "
                "the profiles folder as a .bak file."
            )
        else:
            question = (
                f"Delete {len(profiles)} saved connections? The last version of each stays in "
                "the profiles folder as a .bak file."
            )
        if not self.confirm(self, question):
            return
        deleted = 0
        try:
            for profile in profiles:
                self.store.delete(profile.id)
                deleted += 1
        except ProfileError as exc:
            self._failed("Not deleted", exc)
        if deleted:
            self._changed()
        else:
            self.refresh()

    def _export_choice(self) -> tuple[list[Profile], str]:
        """The profiles to export (selected ones and those in selected folders, else all) and
        a file name to suggest."""
        profiles = self.selected_profiles()
        folders = self.selected_folders()
        if not profiles and not folders:
            return list(self._profiles), "profiles.json"
        chosen = {p.id: p for p in profiles}
        for folder in folders:
            for p in self._profiles:
                if p.folder == folder or p.folder.startswith(folder + "/"):
                    chosen.setdefault(p.id, p)
        ordered = [p for p in self._profiles if p.id in chosen]
        if len(profiles) == 1 and not folders:
            suggested = profiles[0].name
        elif len(folders) == 1 and not profiles:
            suggested = folders[0].rpartition("/")[2]
        else:
            suggested = "profiles"
        return ordered, _file_name(suggested) + ".json"

    def export_selected(self) -> None:
        """Export the selection (profiles and folders with their subfolders), or everything
        when nothing is selected. Secret values are left out unless the user says so."""
        chosen, suggested = self._export_choice()
        if not chosen:
            return
        path = self.ask_save_path(self, "Export saved connections", suggested)
        if not path:
            return
        with_secrets = [p for p in chosen if p.secrets]
        include = bool(with_secrets) and self.confirm(
            self,
            f"{_plural(len(with_secrets), 'profile')} of the export have secret values "
            "(tokens, passwords, keys). Write them into the export file too?\n\n"
            "No leaves them out: they are empty in the file and must be entered again after "
            "importing it.",
        )
        try:
            count = self.store.export(Path(path), [p.id for p in chosen], include_secrets=include)
        except ProfileError as exc:
            self._failed("Not exported", exc)
            return
        remark = ""
        if with_secrets:
            remark = " with their secret values" if include else " without their secret values"
        self._show_notices([f"Exported {_plural(count, 'profile')} to {path}{remark}."])

    def import_profiles(self) -> None:
        """Add the profiles of an exported file (as new profiles; nothing is replaced)."""
        path = self.ask_open_path(self, "Import saved connections")
        if not path:
            return
        try:
            result = self.store.import_file(Path(path))
        except ProfileError as exc:
            self._failed("Not imported", exc)
            return
        line = f"Imported {_plural(len(result.profiles), 'profile')} from {path}"
        if result.environments_added:
            line += f"; environments added: {', '.join(result.environments_added)}"
        if result.missing_secrets:
            line += (
                f"; {_plural(result.missing_secrets, 'secret value')} not in the file "
                "(empty now, to be entered again)"
            )
        self._show_notices([line + "."])
        self._changed(p.id for p in result.profiles)

    # -- the context menu -------------------------------------------------------------------

    def context_menu(self) -> QMenu:
        """The menu for the current selection (built each time)."""
        menu = QMenu(self)
        menu.setObjectName("profilesContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (
            self.open_action,
            self.duplicate_action,
            self.rename_action,
            self.move_action,
            self.delete_action,
        ):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.addAction(self.import_action)
        return menu

    def _show_context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        selection = self.view.selectionModel()
        if not index.isValid():
            selection.clearSelection()
        elif not selection.isSelected(index):
            self._select([index])
        # popup(), not exec(): a nested event loop would re-enter qasync's running task.
        self.context_menu().popup(self.view.viewport().mapToGlobal(position))
