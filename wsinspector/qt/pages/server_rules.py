"""A server page's rules table (`rulesView`): when a message matches, answer; or send a
timed message to every client. Each row is a core Rule (core/serving/rules.py); the page
applies the rules to its running server whenever they change.

objectNames: `rulesView`, `addRuleButton`, `removeRuleButton`, `rulesErrorLabel`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.serving.rules import Rule, RuleKind

COLUMNS: Final = ("On", "When", "Matches", "Answer", "Delay (s)")
KIND_WORDS: Final = {
    RuleKind.TEXT: "text contains",
    RuleKind.REGEX: "regex",
    RuleKind.JSON: "JSON subset",
    RuleKind.EVERY: "every (timed)",
}
HELP: Final = (
    "Answers may use {{message}}, {{match}}, {{client}} and {{path}}. "
    "A timed rule sends its answer to every client each Delay seconds."
)
Index = QModelIndex | QPersistentModelIndex


def _kind_from_text(text: str) -> RuleKind | None:
    text = text.strip().lower()
    for kind, words in KIND_WORDS.items():
        if text in (kind.value, words.lower()):
            return kind
    return None


class RulesModel(QAbstractTableModel):
    """Editable rows of Rules.

    Signals:
        rules_changed(): a rule was added, removed or edited.
    """

    rules_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rules: list[Rule] = []

    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    def set_rules(self, rules: tuple[Rule, ...]) -> None:
        self.beginResetModel()
        self._rules = list(rules)
        self.endResetModel()
        self.rules_changed.emit()

    def add(self, rule: Rule) -> int:
        row = len(self._rules)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rules.append(rule)
        self.endInsertRows()
        self.rules_changed.emit()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._rules):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rules[row]
            self.endRemoveRows()
            self.rules_changed.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rules)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        rule = self._rules[index.row()]
        column = index.column()
        if column == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        if column == 1:
            return KIND_WORDS[rule.kind]
        if column == 2:
            return rule.pattern
        if column == 3:
            return rule.reply
        return f"{rule.delay:g}"

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        row, column = index.row(), index.column()
        rule = self._rules[row]
        if column == 0 and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            rule = replace(rule, enabled=bool(checked))
        elif role != Qt.ItemDataRole.EditRole:
            return False
        elif column == 1:
            kind = _kind_from_text(str(value))
            if kind is None:
                return False
            rule = replace(rule, kind=kind)
        elif column == 2:
            rule = replace(rule, pattern=str(value))
        elif column == 3:
            rule = replace(rule, reply=str(value))
        elif column == 4:
            try:
                delay = float(str(value).replace(",", "."))
            except ValueError:
                return False
            if delay < 0:
                return False
            rule = replace(rule, delay=delay)
        else:
            return False
        self._rules[row] = rule
        self.dataChanged.emit(index, index)
        self.rules_changed.emit()
        return True


class KindDelegate(QStyledItemDelegate):
    """The "When" cell is edited by choosing among the kinds, not by typing one."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.addItems(list(KIND_WORDS.values()))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class RulesEditor(QWidget):
    """The rules table with Add and Remove, and a line for a rule that can't work."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RulesModel(self)
        self.view = QTableView()
        self.view.setObjectName("rulesView")
        self.view.setModel(self.model)
        self._kind_delegate = KindDelegate(self.view)
        self.view.setItemDelegateForColumn(1, self._kind_delegate)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().hide()
        self.add_button = QPushButton("Add rule")
        self.add_button.setObjectName("addRuleButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeRuleButton")
        self.error_label = QLabel()
        self.error_label.setObjectName("rulesErrorLabel")
        self.error_label.setStyleSheet("color: #c53030;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        hint = QLabel(HELP)
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        layout.addWidget(self.error_label)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _add(self) -> None:
        row = self.model.add(Rule(RuleKind.TEXT, "ping", "pong"))
        self.view.setCurrentIndex(self.model.index(row, 2))

    def _remove(self) -> None:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedIndexes()})
        for row in reversed(rows):
            self.model.remove(row)
