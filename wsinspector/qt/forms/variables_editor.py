"""A table of {{variables}}: name, value and a secret tick, with secret values masked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.storage.profiles.variables import REFERENCE
from wsinspector.qt.forms.field_widgets import BAD_ROW_BRUSH, error_label

NAME, VALUE, SECRET = range(3)
MASK = "•" * 8  # the same length whatever the value's, so the length is not shown either
# Set on a value cell whose secret the user has opened for editing: it stays readable.
REVEALED_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_RULE = "a name starts with a letter or _ and continues with letters, digits, _, - or ."


class VariableRow(NamedTuple):
    """One row as typed: a name (maybe blank or invalid), a value, the secret tick."""

    name: str
    value: str
    secret: bool


def is_valid_name(name: str) -> bool:
    """Whether `{{name}}` is a reference (the syntax of core.profiles.variables)."""
    match = REFERENCE.fullmatch(f"{{{{{name}}}}}")
    return match is not None and match.group(1) == name


def row_problems(rows: Iterable[VariableRow]) -> list[tuple[int, str]]:
    """(row, message) for each row that can't be kept: a value without a name, an invalid
    name, a name that an earlier row already has. Rows left entirely blank are fine."""
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for row, (raw_name, value, _secret) in enumerate(rows):
        name = raw_name.strip()
        if not name:
            if value:
                problems.append((row, f"Row {row + 1} has a value but no name"))
        elif not is_valid_name(name):
            problems.append((row, f"“{name}” is not a valid name: {NAME_RULE}"))
        elif name in seen:
            problems.append((row, f"“{name}” is defined more than once"))
        else:
            seen.add(name)
    return problems


def kept_rows(rows: Iterable[VariableRow]) -> dict[str, int]:
    """{name: the row that counts}: rows with a valid name (blanks around it dropped), the
    first of a repeated name."""
    kept: dict[str, int] = {}
    for row, (raw_name, _value, _secret) in enumerate(rows):
        name = raw_name.strip()
        if is_valid_name(name) and name not in kept:
            kept[name] = row
    return kept


def rows_variables(rows: Iterable[VariableRow]) -> dict[str, str]:
    """{name: value} of the rows that count (see kept_rows)."""
    rows = list(rows)
    return {name: rows[row].value for name, row in kept_rows(rows).items()}


def rows_secret_names(rows: Iterable[VariableRow]) -> frozenset[str]:
    """The names of the rows that count (see kept_rows) ticked secret."""
    rows = list(rows)
    return frozenset(name for name, row in kept_rows(rows).items() if rows[row].secret)


class _VariablesModel(QStandardItemModel):
    """Shows a secret row's value as MASK unless revealed (all, or that row)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Name", "Value", "Secret"])
        self.show_secrets = False

    def is_masked(self, row: int) -> bool:
        secret = self.item(row, SECRET)
        value = self.item(row, VALUE)
        if self.show_secrets or secret is None or value is None:
            return False
        ticked = secret.checkState() == Qt.CheckState.Checked
        return ticked and not value.data(REVEALED_ROLE)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and index.column() == VALUE
            and self.is_masked(index.row())
        ):
            value = super().data(index, Qt.ItemDataRole.EditRole)
            return MASK if value else ""
        return super().data(index, role)

    def refresh_values(self) -> None:
        """Repaint the value column (masking depends on other cells and show_secrets)."""
        if self.rowCount():
            last = self.rowCount() - 1
            self.dataChanged.emit(
                self.index(0, VALUE), self.index(last, VALUE), [Qt.ItemDataRole.DisplayRole]
            )


class _RevealingDelegate(QStyledItemDelegate):
    """Editing a value shows it in clear, and the row's value stays shown after."""

    def __init__(self, editor: VariablesEditor) -> None:
        super().__init__(editor)
        self._owner = editor

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        if index.column() == VALUE:
            self._owner._reveal(index.row())
        return super().createEditor(parent, option, index)


class VariablesEditor(QWidget):
    """{{variables}} in the table `profileVariablesTable`: name, value, a "secret" tick.

    Add (`addVariableButton`) appends a row and starts editing its name; Remove
    (`removeVariableButton`) drops the selected rows. Values of secret rows show as •••
    unless "Show secret values" (`showSecretsCheck`) is on or the user has opened that value
    for editing (ticking "secret" again masks it). Rows with a blank name and value are
    ignored; a value without a name, an invalid name or a repeated one is listed in
    `variablesError` and its row is tinted. The editor stores nothing.

    Signals:
        edited(): the user changed a name, value or tick, or added or removed a row (not
            emitted by set_variables / set_rows).
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False
        self.model = _VariablesModel(self)
        self.table = QTableView()
        self.table.setObjectName("profileVariablesTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(_RevealingDelegate(self))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SECRET, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(90)

        self.add_button = QPushButton("Add variable")
        self.add_button.setObjectName("addVariableButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeVariableButton")
        self.show_check = QCheckBox("Show secret values")
        self.show_check.setObjectName("showSecretsCheck")
        self.error_label = error_label("variablesError")

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)

        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        self.show_check.toggled.connect(self._on_show_toggled)
        self.model.dataChanged.connect(self._on_data_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # -- contents ---------------------------------------------------------------------------

    def set_variables(self, variables: Mapping[str, str], secret: Iterable[str] = ()) -> None:
        """Show these variables, those named in `secret` ticked; emits nothing."""
        secret = frozenset(secret)
        self.set_rows(
            [VariableRow(name, value, name in secret) for name, value in variables.items()]
        )

    def set_rows(self, rows: Iterable[VariableRow]) -> None:
        """Show these rows exactly (invalid ones too, e.g. kept while the user looked at
        something else); every value is masked again. Emits nothing."""
        # Rows inserted and removed are not dataChanged: nothing here reaches edited().
        self.model.removeRows(0, self.model.rowCount())
        for row in rows:
            self.model.appendRow(self._items(row))
        self._validate()
        self._update_buttons()

    def rows(self) -> list[VariableRow]:
        """Every row as typed, in order."""
        result = []
        for row in range(self.model.rowCount()):
            name = self.model.item(row, NAME)
            value = self.model.item(row, VALUE)
            secret = self.model.item(row, SECRET)
            result.append(
                VariableRow(
                    name.text() if name else "",
                    value.text() if value else "",
                    secret is not None and secret.checkState() == Qt.CheckState.Checked,
                )
            )
        return result

    def variables(self) -> dict[str, str]:
        """{name: value} of the rows with a valid name (names stripped, values as typed)."""
        return rows_variables(self.rows())

    def secret_names(self) -> frozenset[str]:
        """The names among variables() that are ticked secret."""
        return rows_secret_names(self.rows())

    def problems(self) -> list[str]:
        """The messages shown in variablesError ([] when every row is fine)."""
        return [message for _, message in row_problems(self.rows())]

    def add_row(self, name: str = "", value: str = "", secret: bool = False) -> None:
        """Append a row; a blank one gets its name edited at once. Emits edited()."""
        self.model.appendRow(self._items(VariableRow(name, value, secret)))
        row = self.model.rowCount() - 1
        index = self.model.index(row, NAME)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        if not name:
            self.table.edit(index)
        self._changed()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        if not rows:
            return
        for row in rows:
            self.model.removeRow(row)
        if self.model.rowCount():
            self.table.selectRow(min(rows[-1], self.model.rowCount() - 1))
        self._changed()

    def _items(self, row: VariableRow) -> list[QStandardItem]:
        name = QStandardItem(row.name)
        value = QStandardItem(row.value)
        secret = QStandardItem()
        secret.setEditable(False)
        secret.setCheckable(True)
        secret.setCheckState(Qt.CheckState.Checked if row.secret else Qt.CheckState.Unchecked)
        secret.setToolTip(
            "Secret: kept in the keyring (or only in your private files), masked here"
        )
        return [name, value, secret]

    # -- reacting ---------------------------------------------------------------------------

    def _reveal(self, row: int) -> None:
        item = self.model.item(row, VALUE)
        if item is not None and not item.data(REVEALED_ROLE):
            self._quiet = True
            try:
                item.setData(True, REVEALED_ROLE)
            finally:
                self._quiet = False

    def _on_show_toggled(self, _checked: bool) -> None:
        self.model.show_secrets = self.show_check.isChecked()
        self._refresh_values()

    def _on_data_changed(
        self,
        top_left: QModelIndex,
        bottom_right: QModelIndex,
        roles: list[int] | None = None,
    ) -> None:
        if self._quiet:
            return
        if top_left.column() <= SECRET <= bottom_right.column():
            # Ticking (or unticking) "secret" hides the value again.
            self._quiet = True
            try:
                for row in range(top_left.row(), bottom_right.row() + 1):
                    item = self.model.item(row, VALUE)
                    if item is not None:
                        item.setData(False, REVEALED_ROLE)
            finally:
                self._quiet = False
            self._refresh_values()
        self._changed()

    def _refresh_values(self) -> None:
        self._quiet = True
        try:
            self.model.refresh_values()
        finally:
            self._quiet = False

    def _changed(self) -> None:
        self._validate()
        self._update_buttons()
        self.edited.emit()

    def _validate(self) -> None:
        problems = row_problems(self.rows())
        text = "\n".join(message for _, message in problems)
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        bad = {row for row, _ in problems}
        self._quiet = True
        try:
            for row in range(self.model.rowCount()):
                for column in (NAME, VALUE, SECRET):
                    item = self.model.item(row, column)
                    if item is not None:
                        brush = BAD_ROW_BRUSH if row in bad else None
                        if item.data(Qt.ItemDataRole.BackgroundRole) != brush:
                            item.setData(brush, Qt.ItemDataRole.BackgroundRole)
        finally:
            self._quiet = False

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
