"""The clients list of a server page: one row per client connection, read from the
Server's `clients` (core/serving/server.py) when the page refreshes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from wsinspector.core.serving.server import ServedClient

COLUMNS: Final = ("#", "Address", "Path", "Subprotocol", "State", "↓ in", "↑ out")
Index = QModelIndex | QPersistentModelIndex


class ClientsModel(QAbstractTableModel):
    """Rows of `clients()` (a list in the order clients came); refresh() after changes."""

    def __init__(
        self, clients: Callable[[], list[ServedClient]], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._source = clients
        self._rows: list[ServedClient] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        client = self._rows[index.row()]
        values = (
            client.number,
            client.address,
            client.path,
            client.subprotocol or "",
            client.state.value,
            client.messages_in,
            client.messages_out,
        )
        return values[index.column()]

    def client_at(self, row: int) -> ServedClient:
        return self._rows[row]

    def refresh(self) -> None:
        """New clients as new rows; the others' cells as they are now."""
        current = self._source()
        if len(current) < len(self._rows) or current[: len(self._rows)] != self._rows:
            self.beginResetModel()
            self._rows = list(current)
            self.endResetModel()
            return
        if len(current) > len(self._rows):
            self.beginInsertRows(QModelIndex(), len(self._rows), len(current) - 1)
            self._rows = list(current)
            self.endInsertRows()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            )
