"""The detail pane's "Tree" mode: a JSON message as a collapsible tree, at any size.

`JsonTreePane.load(data)` walks the document with core.json_outline in slices of
`SLICE_SECONDS` driven by a zero-delay QTimer, so the window keeps answering between slices
("Parsing… (16.0 MiB) 42%" meanwhile): a thread would not help, json parsing holds the GIL.
Then `JsonTreeModel` shows the document's top level; a container's members are made into
rows only when it is expanded, in ranges of them beyond `MAX_ROWS`.

The tree (`detailJsonTree`) copies a value (as written in the message; a string's text) or its
JSONPath (`$.users[3].name`) from its context menu, Ctrl+C and Ctrl+Shift+C.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Final

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFontDatabase, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeView, QVBoxLayout, QWidget

from wsinspector.core.text.formatting import human_size
from wsinspector.core.text.json_outline import CONTAINERS, Entry, JsonOutline, Kind, json_path

# Parsing work per turn of the event loop: the longest the window waits for it, give or take
# one step of the walk (a few ms).
SLICE_SECONDS: Final = 0.008
# How often "Parsing… N%" changes: relaying out the label after each slice made the parse
# take 1.7 times as long in the main window.
PROGRESS_SECONDS: Final = 0.25
# Documents up to this size are parsed before load() returns (a few ms): no "Parsing…" flash.
SYNC_BYTES: Final = 256 * 1024
# Rows under one parent at most: more members are grouped in ranges. QTreeView lays out all
# the rows it shows again on each insert, a Python call each.
MAX_ROWS: Final = 1000
# Characters of a value shown in its row.
PREVIEW_CHARS: Final = 200

COPY_VALUE: Final = "Copy value"
COPY_PATH: Final = "Copy path"

Index = QModelIndex | QPersistentModelIndex

_COLORS: Final = {
    Kind.STRING: QColor("#2f855a"),
    Kind.NUMBER: QColor("#b7791f"),
    Kind.BOOLEAN: QColor("#805ad5"),
    Kind.NULL: QColor("#805ad5"),
}


class _Node:
    """A row: a value of the document, or a range of a big container's members.

    A value's node has its `entry`; a range node has its container's entry, `is_range` and
    the members it groups, `first` to `last` (excluded). `children` holds the rows made so
    far: members, or ranges again when there are more than MAX_ROWS of them.
    """

    __slots__ = ("children", "entry", "first", "is_range", "last", "parent", "preview", "row")

    def __init__(
        self,
        entry: Entry,
        parent: _Node | None,
        row: int,
        span: tuple[int, int] | None = None,
    ) -> None:
        self.entry = entry
        self.parent = parent
        self.row = row
        self.is_range = span is not None
        self.first, self.last = span if span is not None else (0, entry.members)
        self.children: list[_Node] = []
        self.preview: str | None = None

    def has_members(self) -> bool:
        return self.entry.kind in CONTAINERS and self.last > self.first

    def range_size(self) -> int:
        """Members per child range; 1 when the children are the members themselves."""
        size = 1
        while (self.last - self.first + size - 1) // size > MAX_ROWS:
            size *= MAX_ROWS
        return size


class JsonTreeModel(QAbstractItemModel):
    """Key and Value columns over a parsed JsonOutline; one top row, "$", for the document.

    A container's rows are made when the view first expands it (fetchMore). One with more
    than MAX_ROWS members shows ranges of them instead ("[0 … 999]"), ranges of ranges for
    more than a million: no row has more than MAX_ROWS children, so the view stays quick and
    any member is a few clicks (or one find) away.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._outline: JsonOutline | None = None
        self._top = _Node(Entry(None, Kind.NULL, 0, 0, 0), None, 0)  # the invisible root

    def set_outline(self, outline: JsonOutline | None) -> None:
        """Show `outline` (parsed to its end), or nothing."""
        self.beginResetModel()
        self._outline = outline
        self._top.children = []
        if outline is not None and outline.root is not None:
            self._top.children.append(_Node(outline.root, self._top, 0))
        self.endResetModel()

    @property
    def outline(self) -> JsonOutline | None:
        return self._outline

    # QAbstractItemModel -------------------------------------------------------------------------

    def _node(self, index: Index) -> _Node:
        if not index.isValid():
            return self._top
        node: _Node = index.internalPointer()
        return node

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node(parent)
        if 0 <= row < len(node.children) and 0 <= column < 2:
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._node(index).parent
        if parent is None or parent is self._top:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._top.children)
        return parent.column() == 0 and self._node(parent).has_members()

    def canFetchMore(self, parent: Index) -> bool:
        if not parent.isValid() or parent.column() > 0:
            return False
        node = self._node(parent)
        return not node.children and node.has_members()

    def fetchMore(self, parent: Index) -> None:
        if self._outline is None or not self.canFetchMore(parent):
            return
        node = self._node(parent)
        size = node.range_size()
        children: list[_Node]
        if size == 1:
            entries = self._outline.children(node.entry, node.first, node.last)
            children = [_Node(entry, node, row) for row, entry in enumerate(entries)]
        else:
            starts = range(node.first, node.last, size)
            children = [
                _Node(node.entry, node, row, (first, min(first + size, node.last)))
                for row, first in enumerate(starts)
            ]
        if not children:
            return
        self.beginInsertRows(parent, 0, len(children) - 1)
        node.children = children
        self.endInsertRows()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._node(index).has_members():
            flags |= Qt.ItemFlag.ItemNeverHasChildren  # spares the view a hasChildren() call
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Key", "Value")[section] if 0 <= section < 2 else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self._outline is None:
            return None
        node = self._node(index)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if node.is_range:
                return f"[{node.first:,} … {node.last - 1:,}]" if column == 0 else ""
            if column == 0:
                key = node.entry.key
                return "$" if key is None else str(key)
            if node.preview is None:
                node.preview = self._outline.preview(node.entry, PREVIEW_CHARS)
            return node.preview
        if role == Qt.ItemDataRole.ToolTipRole and column == 0 and not node.is_range:
            return self.path(index)
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return _COLORS.get(node.entry.kind)
        return None

    # API ----------------------------------------------------------------------------------------

    def entry(self, index: Index) -> Entry | None:
        """The value at `index`; None for a range row or an invalid index."""
        if not index.isValid():
            return None
        node = self._node(index)
        return None if node.is_range else node.entry

    def path(self, index: Index) -> str:
        """The JSONPath of the value at `index`: "$", "$.users[3].name"; "" for a range."""
        node: _Node | None = self._node(index)
        if node is None or node.is_range or not index.isValid():
            return ""
        keys: list[str | int] = []
        while node is not None:
            if not node.is_range and node.entry.key is not None:
                keys.append(node.entry.key)
            node = node.parent
        return json_path(reversed(keys))

    def copy_text(self, index: Index) -> str:
        """What "Copy value" copies for the row at `index`; "" for a range."""
        entry = self.entry(index)
        if entry is None or self._outline is None:
            return ""
        return self._outline.copy_text(entry)

    def reveal(self, members: list[int]) -> QModelIndex:
        """The row of the value `members` leads to from "$" (outline.locate()), made if need be."""
        index = self.index(0, 0)
        for member in members:
            while index.isValid():
                self.fetchMore(index)
                node = self._node(index)
                size = node.range_size()
                index = self.index((member - node.first) // size, 0, index)
                if size == 1:
                    break
            if not index.isValid():
                break
        return index

    def offset(self, index: Index) -> int:
        """Where the value (or range) at `index` starts in the document; -1 for none."""
        if not index.isValid():
            return -1
        node = self._node(index)
        if node.is_range and self._outline is not None:
            entries = self._outline.children(node.entry, node.first, node.first + 1)
            return entries[0].start if entries else -1
        return node.entry.start


class JsonTreeView(QTreeView):
    """The `detailJsonTree` view, with "Copy value" and "Copy path" actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailJsonTree")
        self.setUniformRowHeights(True)  # lets the view skip measuring rows
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.header().setStretchLastSection(True)
        self.setColumnWidth(0, 200)
        self.copy_value_action = self._action(COPY_VALUE, QKeySequence.StandardKey.Copy)
        self.copy_value_action.setObjectName("detailCopyValueAction")
        self.copy_value_action.triggered.connect(self.copy_value)
        self.copy_path_action = self._action(COPY_PATH, QKeySequence("Ctrl+Shift+C"))
        self.copy_path_action.setObjectName("detailCopyPathAction")
        self.copy_path_action.triggered.connect(self.copy_path)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _action(self, text: str, keys: QKeySequence | QKeySequence.StandardKey) -> QAction:
        action = QAction(text, self)
        action.setShortcut(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.addAction(action)
        return action

    def _model(self) -> JsonTreeModel | None:
        model = self.model()
        return model if isinstance(model, JsonTreeModel) else None

    def _current_value(self) -> tuple[JsonTreeModel, QModelIndex] | None:
        """The model and the current row, if that row is a value (not a range)."""
        model, index = self._model(), self.currentIndex()
        if model is None or model.entry(index) is None:
            return None
        return model, index

    def currentChanged(self, current: Index, previous: Index) -> None:
        super().currentChanged(current, previous)
        model = self._model()
        is_value = model is not None and model.entry(current) is not None
        self.copy_value_action.setEnabled(is_value)
        self.copy_path_action.setEnabled(is_value)

    def copy_value(self) -> None:
        found = self._current_value()
        if found is not None:
            model, index = found
            QGuiApplication.clipboard().setText(model.copy_text(index))

    def copy_path(self) -> None:
        found = self._current_value()
        if found is not None:
            model, index = found
            QGuiApplication.clipboard().setText(model.path(index))


class JsonTreePane(QWidget):
    """The tree and, while a document is parsed or when it is not JSON, a status line.

    Signals:
        loaded(): the document given to load() is in the tree (or turned out not to be JSON).
    """

    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = JsonTreeModel(self)
        self.view = JsonTreeView()
        self.view.setModel(self.model)
        self.status = QLabel()
        self.status.setObjectName("detailTreeStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.status.hide()
        self._data: bytes | None = None  # the payload load() was given, until decoded
        self._outline: JsonOutline | None = None
        self._walk: Iterator[int] | None = None  # the running parse()
        self._size = 0
        self._error = ""
        self._progress_at = 0.0  # when "Parsing…" last changed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)

    def load(self, data: bytes) -> None:
        """Parse the UTF-8 JSON document `data` and show it: at once when small, else in
        slices while "Parsing…" says how far it got."""
        self.clear()
        self._data = data
        self._size = len(data)
        if len(data) <= SYNC_BYTES:
            self._step()
        else:
            self._show_progress(0)
            self._progress_at = time.perf_counter()
            self._timer.start()

    def clear(self) -> None:
        self._timer.stop()
        self._data = None
        self._walk = None
        self._outline = None
        self._error = ""
        self.model.set_outline(None)
        self.status.hide()
        self.view.show()

    def is_loading(self) -> bool:
        return self._data is not None or self._walk is not None

    def error(self) -> str:
        """Why the document given to load() is not shown ("Not JSON: …"), else ""."""
        return self._error

    def _step(self) -> None:
        deadline = time.perf_counter() + SLICE_SECONDS
        if self._data is not None:
            try:
                text = self._data.decode()
            except UnicodeDecodeError as exc:
                self._fail(f"byte {exc.start:,} is not UTF-8")
                return
            self._data = None
            self._outline = JsonOutline(text)
            self._walk = self._outline.parse()
        walk, outline = self._walk, self._outline
        if walk is None or outline is None:
            return
        done = 0
        try:
            for position in walk:
                if time.perf_counter() >= deadline:
                    done = position
                    break
            else:
                self._finish(outline)
                return
        except ValueError as exc:  # json.JSONDecodeError
            self._fail(str(exc))
            return
        now = time.perf_counter()
        if now - self._progress_at >= PROGRESS_SECONDS:
            self._progress_at = now
            self._show_progress(done * 100 // max(1, len(outline.text)))
        self._timer.start()

    def _show_progress(self, percent: int) -> None:
        self.status.setText(f"Parsing… ({human_size(self._size)}) {min(99, percent)}%")
        self.status.show()
        self.view.hide()

    def _finish(self, outline: JsonOutline) -> None:
        self._walk = None
        self.status.hide()
        self.view.show()
        self.model.set_outline(outline)
        top = self.model.index(0, 0)
        self.model.fetchMore(top)  # now, not at the view's next layout
        self.view.expand(top)
        self.loaded.emit()

    def _fail(self, reason: str) -> None:
        self._data = None
        self._walk = None
        self._outline = None
        self._error = f"Not JSON: {reason}"
        self.model.set_outline(None)
        self.status.setText(self._error)
        self.status.show()
        self.view.hide()
        self.loaded.emit()

    # Finding ------------------------------------------------------------------------------------

    def text(self) -> str:
        """The document shown, "" while there is none: what a find searches."""
        outline = self.model.outline
        return outline.text if outline is not None else ""

    def current_offset(self) -> int:
        """Where the selected row's value starts in text(); -1 when no row is selected."""
        return self.model.offset(self.view.currentIndex())

    def reveal(self, offset: int) -> None:
        """Select the innermost value around `offset` of text(), expanding rows down to it."""
        outline = self.model.outline
        if outline is None:
            return
        index = self.model.reveal(outline.locate(offset))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)  # expands the rows above it
