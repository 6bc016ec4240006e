"""A dialog to edit the shared environments ("dev", "prod", …) and their variables."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.storage.profiles import Environments
from wsinspector.qt.forms.field_widgets import error_label
from wsinspector.qt.forms.variables_editor import (
    VariableRow,
    VariablesEditor,
    kept_rows,
    row_problems,
    rows_variables,
)

NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # the environment's name before an edit of the item
NEW_NAME = "new environment"
SECRET_NOTE = "A variable ticked secret is secret in every environment."


class EnvironmentsDialog(QDialog):
    """The environments, in the list `environmentsList`, and the variables of the selected one
    in a VariablesEditor (`environmentVariablesEditor`).

    Add (`addEnvironmentButton`) appends "new environment" and lets the user name it in the
    list; Rename (`renameEnvironmentButton`, F2 or double-click) edits the name in place;
    Remove (`removeEnvironmentButton`) drops the selected one at once (Cancel brings
    everything back). A blank or repeated name is refused in `environmentsError`. Secret
    flags are global, as in Environments: ticking a name in one environment ticks it in all.

    OK checks every environment's variables (it shows the first one with a problem and stays
    open), then emits accepted_environments and closes; Cancel closes and emits nothing.
    Open it with open(), never exec(): the window may be inside a coroutine. It saves
    nothing; the caller stores the result.

    Signals:
        accepted_environments(object): the user pressed OK; the new Environments.
    """

    accepted_environments = Signal(object)

    def __init__(
        self,
        environments: Environments,
        current: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("environmentsDialog")
        self.setWindowTitle("Environments")
        self._original_secret = environments.secret_variables
        self._secret: set[str] = set(environments.secret_variables)
        self._rows: dict[str, list[VariableRow]] = {
            name: [
                VariableRow(variable, value, variable in self._secret)
                for variable, value in variables.items()
            ]
            for name, variables in environments.environments.items()
        }
        self._current: str | None = None
        self._renaming = False

        self.list = QListWidget()
        self.list.setObjectName("environmentsList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("addEnvironmentButton")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setObjectName("renameEnvironmentButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeEnvironmentButton")
        self.error_label = error_label("environmentsError")

        self.title = QLabel()
        self.title.setObjectName("environmentVariablesTitle")
        self.editor = VariablesEditor()
        self.editor.setObjectName("environmentVariablesEditor")
        note = QLabel(SECRET_NOTE)
        note.setWordWrap(True)
        note.setEnabled(False)  # drawn greyed, as a hint

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.setObjectName("environmentsButtons")

        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.rename_button)
        list_buttons.addWidget(self.remove_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Environments</b>"))
        left.addWidget(self.list, 1)
        left.addLayout(list_buttons)
        left.addWidget(self.error_label)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.editor, 1)
        right.addWidget(note)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 420)

        for name in self._rows:
            self.list.addItem(self._item(name))
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemChanged.connect(self._on_item_changed)
        self.add_button.clicked.connect(self.add_environment)
        self.rename_button.clicked.connect(self.rename_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        names = list(self._rows)
        if names:
            self.list.setCurrentRow(names.index(current) if current in names else 0)
        else:
            self._show(None)

    # -- the result -------------------------------------------------------------------------

    def environments(self) -> Environments:
        """The environments as edited (rows with a bad name left out)."""
        self._store_current()
        environments = {name: rows_variables(rows) for name, rows in self._rows.items()}
        used = {variable for variables in environments.values() for variable in variables}
        secret = {name for name in self._secret if name in used}
        secret |= {name for name in self._original_secret if name not in used}
        return Environments(environments=environments, secret_variables=frozenset(secret))

    def accept(self) -> None:
        """OK: refused while an environment has a bad variable row (that one is shown)."""
        self._store_current()
        for name, rows in self._rows.items():
            if row_problems(rows):
                self._select(name)
                self._show_error(f"Fix the variables of “{name}” first")
                return
        self.accepted_environments.emit(self.environments())
        super().accept()

    # -- the list ---------------------------------------------------------------------------

    def _item(self, name: str) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setData(NAME_ROLE, name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        return item

    def _select(self, name: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(NAME_ROLE) == name:
                self.list.setCurrentItem(item)
                return

    def add_environment(self) -> None:
        """Append a new, empty environment and start editing its name."""
        name = NEW_NAME
        number = 2
        while name in self._rows:
            name = f"{NEW_NAME} {number}"
            number += 1
        self._rows[name] = []
        item = self._item(name)
        self.list.addItem(item)
        self.list.setCurrentItem(item)
        self.list.editItem(item)

    def rename_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        item = self.list.item(row)
        name = str(item.data(NAME_ROLE))
        del self._rows[name]  # its rows go with it: nothing to store on the way out
        self.list.takeItem(row)
        self._show_error("")
        if self.list.count() == 0:
            self._show(None)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._renaming:
            return
        old = str(item.data(NAME_ROLE))
        new = item.text().strip()
        problem = ""
        if not new:
            problem = "An environment needs a name"
        elif new != old and new in self._rows:
            problem = f"There is already an environment “{new}”"
        self._renaming = True
        try:
            if problem:
                item.setText(old)
            else:
                item.setText(new)
                item.setData(NAME_ROLE, new)
        finally:
            self._renaming = False
        self._show_error(problem)
        if problem or new == old:
            return
        # Same place in the order, new key.
        self._rows = {new if name == old else name: rows for name, rows in self._rows.items()}
        if self._current == old:
            self._current = new
            self._show_title(new)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- the selected environment's variables ------------------------------------------------

    def _on_current_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        self._store_current()
        self._show(str(current.data(NAME_ROLE)) if current is not None else None)

    def _store_current(self) -> None:
        """Keep the editor's rows (as typed) and its secret ticks (global by name)."""
        if self._current is None or self._current not in self._rows:
            return
        rows = self.editor.rows()
        self._rows[self._current] = rows
        for name, row in kept_rows(rows).items():
            if rows[row].secret:
                self._secret.add(name)
            else:
                self._secret.discard(name)

    def _show(self, name: str | None) -> None:
        self._current = name
        has = name is not None
        self.editor.setEnabled(has)
        self.rename_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        if name is None:
            self.editor.set_rows([])
            self.title.setText("No environment: add one to give it variables")
            return
        self._show_title(name)
        # Ticks follow the global flags (another environment may have changed them).
        rows = list(self._rows[name])
        for variable, row in kept_rows(rows).items():
            rows[row] = rows[row]._replace(secret=variable in self._secret)
        self.editor.set_rows(rows)

    def _show_title(self, name: str) -> None:
        self.title.setText(f"<b>Variables of “{name}”</b>")
