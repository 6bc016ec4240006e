"""The message log as people use it: follow the newest row, select, copy, resend, save.

Following scrolls to the newest row after each batch. It pauses by itself while the user
scrolls up or holds a selection, so that rows pouring in never move what they are looking at
or clicking; a "Jump to newest (N new)" button says how much arrived meanwhile and brings
following back.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.log.events import Event, MessageEvent
from wsinspector.core.log.filtering import Decode, LogFilter, compile_filter, with_terms
from wsinspector.core.log.readings import ReadWords
from wsinspector.core.log.wording import compressed_size_words, payload_text
from wsinspector.core.storage.logfiles.codec import event_record
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.widgets.steady_label import SteadyLabel
from wsinspector.qt.workspace.data_cell import DataCellDelegate
from wsinspector.qt.workspace.log_filter import LogFilterBar
from wsinspector.qt.workspace.logmodel import Column, LogModel

COLUMN_WIDTHS = (
    (Column.TIME, 100),
    (Column.CONNECTION, 44),
    (Column.DIRECTION, 30),
    (Column.TYPE, 80),
    (Column.SIZE, 70),
)
# The widest Size cell the column shows whole: a compressed message under 100 KiB. Short as
# it is, "9.8 KiB -97%" takes 77 px in DejaVu Sans 9 pt (Linux's usual default font), and a
# cell has 6 px of margins: 70 px elided it. The column grows by that much only (to 93 px
# there), which leaves the stretched Data column above its minimum of 100 px in the default
# layout, so no horizontal scroll bar appears (a wider column brought one, which shifted the
# rows a following log shows).
SIZE_SAMPLE = compressed_size_words(102_297, 1_023)  # "99.9 KiB -99%"
# Pixels between the floating "Jump to newest" button and the rows' bottom right corner.
JUMP_MARGIN = 8


class LogView(QTableView):
    """The `messageLog` table: many rows selectable, Ctrl+C copies payloads, a context menu.

    Signals:
        resend_requested(object): the user wants this MessageEvent in the composer.
        save_requested(object): the user wants this MessageEvent's payload in a file.
        whole_session_requested(): the user wants the whole recorded session, older events
            dropped from the live log included (offered on the "older events dropped" row
            while `whole_session_offered` is True).
    """

    resend_requested = Signal(object)
    save_requested = Signal(object)
    whole_session_requested = Signal()

    def __init__(self, model: LogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageLog")
        # Set by the page while what this log dropped is in the capture.
        self.whole_session_offered = False
        self.doubleClicked.connect(self._on_double_click)
        # A QTableView, not a QTreeView: QTreeView lays out every row again on each insert,
        # which made a batch cost O(rows) (1.5 s per batch at 300k rows); a table with fixed
        # row heights costs the same at any size.
        self.setModel(model)
        self.log_model = model
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setItemDelegateForColumn(Column.DATA, DataCellDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        rows.hide()
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in COLUMN_WIDTHS:
            header.resizeSection(column, width)
        header.resizeSection(Column.SIZE, max(header.sectionSize(Column.SIZE), self._size_fit()))

    def _size_fit(self) -> int:
        """The Size column's width that shows SIZE_SAMPLE unelided in this font and style."""
        # A cell's text keeps this margin on each side (QCommonStyle's item text margin).
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        # +2: room for a grid line, should one be shown, and a pixel of rounding.
        return self.fontMetrics().horizontalAdvance(SIZE_SAMPLE) + 2 * margin + 2

    def selected_log_indexes(self) -> list[int]:
        """The log indexes of the selected rows, in log order (the dropped-events note aside)."""
        model = self.log_model
        indexes = (model.log_index(row) for row in self._selected_rows())
        return [index for index in indexes if index is not None]

    def select_log_index(self, log_index: int) -> bool:
        """Select and show the row of the event at `log_index`; False if it is not shown."""
        row = self.log_model.row_of(log_index)
        if row is None:
            return False
        self.selectRow(row)
        self.scrollTo(self.log_model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def selected_events(self) -> list[Event]:
        """The selected rows' events, in log order."""
        return [self.log_model.event_at(row) for row in self._selected_rows()]

    def copy_payloads(self) -> None:
        events = self.selected_events()
        if events:
            QGuiApplication.clipboard().setText("\n".join(payload_text(e) for e in events))

    def copy_as_json(self) -> None:
        events = self.selected_events()
        if not events:
            return
        log, model = self.log_model.log, self.log_model
        records = []
        for row, event in zip(self._selected_rows(), events, strict=True):
            index = model.log_index(row)
            records.append(event_record(event, log.id_at(index) if index is not None else 0))
        value = records[0] if len(records) == 1 else records
        QGuiApplication.clipboard().setText(json.dumps(value, ensure_ascii=False, indent=2))

    def _selected_rows(self) -> list[int]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        model = self.log_model
        if not model.frame_view:
            return rows
        # In the frame view a message's frame rows stand for the message: one row per event.
        kept: list[int] = []
        last: int | None = None
        for row in rows:
            index = model.log_index(row)
            if index is None or index != last:
                kept.append(row)
            last = index
        return kept

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_payloads()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isRowSelected(index.row()):
            self.selectRow(index.row())
        menu = self.context_menu()
        # popup(), not exec(): a nested event loop would re-enter qasync's running task.
        menu.popup(self.viewport().mapToGlobal(event.pos()))

    def context_menu(self) -> QMenu:
        """The row menu for the current selection (built each time: actions follow the rows)."""
        events = self.selected_events()
        single = events[0] if len(events) == 1 else None
        menu = QMenu(self)
        menu.setObjectName("logContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        entries: list[tuple[str, str, object, bool]] = [
            ("logCopyPayloadAction", "Copy payload", self.copy_payloads, bool(events)),
            ("logCopyJsonAction", "Copy as JSON", self.copy_as_json, bool(events)),
            (
                "logResendAction",
                "Resend…",
                lambda: self.resend_requested.emit(single),
                isinstance(single, MessageEvent),
            ),
            (
                "logSavePayloadAction",
                "Save payload…",
                lambda: self.save_requested.emit(single),
                isinstance(single, MessageEvent),
            ),
        ]
        for name, text, slot, enabled in entries:
            action = QAction(text, menu)
            action.setObjectName(name)
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.actions()[0].setShortcut(QKeySequence.StandardKey.Copy)
        if self.whole_session_offered and self._dropped_row_selected():
            menu.addSeparator()
            action = QAction("Open the whole session from the capture", menu)
            action.setObjectName("logOpenWholeSessionAction")
            action.triggered.connect(self.whole_session_requested)
            menu.addAction(action)
        return menu

    def _dropped_row_selected(self) -> bool:
        model = self.log_model
        return any(
            model.log_index(row) is None and model.log.dropped for row in self._selected_rows()
        )

    def _on_double_click(self, index: QModelIndex) -> None:
        model = self.log_model
        if (
            self.whole_session_offered
            and model.log.dropped
            and model.log_index(index.row()) is None
        ):
            self.whole_session_requested.emit()


class LogPanel(QWidget):
    """The log's title bar (counters, Frames, Follow, Clear) above the LogView, and "Jump to
    newest" floating over the LogView's bottom right corner while following pauses.

    Signals:
        clear_requested(): the user wants the log emptied.
    """

    clear_requested = Signal()

    def __init__(self, model: LogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = LogView(model)
        # Set at every batch of rows: a SteadyLabel, or the window lays out and repaints.
        self.counters_label = SteadyLabel()
        self.counters_label.setObjectName("countersLabel")
        self.counters_label.setToolTip(
            "Messages sent (↑) and received (↓) in this log: how many, and their payload size"
        )
        self.frame_view_check = QCheckBox("Frames")
        self.frame_view_check.setObjectName("frameViewCheck")
        self.frame_view_check.setToolTip(
            "List each message's frames under it: opcode (text, binary, continuation, ping, "
            "pong, close), FIN, RSV bits and payload length on the wire"
        )
        self.follow_check = QCheckBox("Follow")
        self.follow_check.setObjectName("followCheck")
        self.follow_check.setChecked(True)
        self.follow_check.setToolTip(
            "Keep the newest message in view; pauses while you scroll up or select rows"
        )
        # Floats over the log's bottom right corner, where the new rows are, as chat apps
        # show it: in the title bar it took 160 px when it appeared, pushing the counters
        # aside (cut off in a narrow pane) and making the bar's minimum width jump.
        self.jump_button = QPushButton(self.view)
        self.jump_button.setObjectName("jumpToNewestButton")
        self.jump_button.setToolTip("Scroll to the newest row and follow again")
        self.jump_button.setCursor(Qt.CursorShape.PointingHandCursor)
        # A click leaves the focus where it was: the button hides itself when clicked, and
        # hiding the focused child hands the focus to the log, which then selects its first
        # row when it has no current one (and Follow would pause again at once).
        self.jump_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.jump_button.hide()
        # The bin alone, as in Postman's message pane: a text button took 80 px of a bar
        # that must fit a narrow pane with the counters whole (Log ▸ Clear log says it too).
        self.clear_button = QPushButton(icon("clear"), "")
        self.clear_button.setObjectName("clearLogButton")
        self.clear_button.setToolTip("Clear the log")
        self.clear_button.setAccessibleName("Clear the log")
        self.export_label = SteadyLabel()  # its percentage moves at every chunk exported
        self.export_label.setObjectName("exportStatusLabel")
        self.export_cancel_button = QPushButton("Cancel export")
        self.export_cancel_button.setObjectName("exportCancelButton")
        self.export_cancel_button.hide()
        # No "Messages" title before the counters ("↑ 3 msgs · …" says it): at 1280x800
        # with the docks open the log's pane is about 500 px wide, and the bar must leave
        # the counters room to grow (thousands of messages, MiB) without widening the pane.
        bar = QHBoxLayout()
        bar.addWidget(self.counters_label)
        bar.addWidget(self.export_label)
        bar.addWidget(self.export_cancel_button)
        bar.addStretch(1)
        bar.addWidget(self.frame_view_check)
        bar.addWidget(self.follow_check)
        bar.addWidget(self.clear_button)
        self.filter_bar = LogFilterBar(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.view, 1)
        # A binary payload's decoded text, for the filter (None while no decoder is set).
        self.decode: Decode | None = None
        # The page's protocol's reading of a message, for the filter (None: plain WebSocket,
        # where `name:` and `kind:` are text like any other).
        self.words: ReadWords | None = None
        self.filter_bar.filter_changed.connect(self.set_filter)
        self.frame_view_check.toggled.connect(model.set_frame_view)
        model.filter_progress.connect(self.filter_bar.show_counts)

        self._unseen = 0
        self._seen_rows = model.rowCount()
        self._scrolled_up = False
        self._scrolling = False
        self.follow_check.toggled.connect(self._on_follow_toggled)
        self.jump_button.clicked.connect(self.jump_to_newest)
        self.clear_button.clicked.connect(self.clear_requested)
        self.view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.view.viewport().installEventFilter(self)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_jump())
        model.rows_flushed.connect(self._on_rows_flushed)

    # -- filtering --------------------------------------------------------------------------

    def page_filter(self, log_filter: LogFilter) -> LogFilter:
        """`log_filter` as this page reads it: on a page that speaks a protocol, the `name:`
        and `kind:` words of its text are names and kinds, and the rest is its search text."""
        return with_terms(log_filter) if self.words is not None else log_filter

    def set_filter(self, log_filter: LogFilter | None) -> None:
        """Show only the rows `log_filter` accepts; a bad regex is said next to the field."""
        try:
            predicate = (
                compile_filter(self.page_filter(log_filter), self.decode, self.words)
                if log_filter is not None
                else None
            )
        except ValueError as exc:
            self.filter_bar.show_error(str(exc))
            return
        self.model.set_filter(predicate)
        if predicate is None:
            self.filter_bar.show_counts(None, len(self.model.log))

    # -- following --------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        """Follow is on and nothing pauses it (scrolled up, rows selected)."""
        return (
            self.follow_check.isChecked()
            and not self._scrolled_up
            and not self.view.selectionModel().hasSelection()
        )

    def jump_to_newest(self) -> None:
        """Scroll to the newest row and follow again: the selection is let go."""
        self.view.clearSelection()
        self._scrolled_up = False
        self._scroll_to_bottom()
        self._unseen = 0
        self._update_jump()

    def _on_follow_toggled(self, checked: bool) -> None:
        if checked:
            self.jump_to_newest()
        else:
            self._update_jump()

    def _on_rows_flushed(self, rows: int) -> None:
        if rows == 0:  # cleared
            self._unseen = 0
            self._scrolled_up = False
        elif self.following:
            self._scroll_to_bottom()
        else:
            self._unseen = max(0, rows - self._seen_rows)
        self._seen_rows = rows if self.following or rows == 0 else self._seen_rows
        self._update_jump()

    def _scroll_to_bottom(self) -> None:
        self._scrolling = True
        try:
            self.view.scrollToBottom()
        finally:
            self._scrolling = False
        self._seen_rows = self.model.rowCount()

    def _on_scrolled(self, value: int) -> None:
        if self._scrolling:
            return
        bar = self.view.verticalScrollBar()
        self._scrolled_up = value < bar.maximum()
        if not self._scrolled_up and not self.view.selectionModel().hasSelection():
            self._seen_rows = self.model.rowCount()
            self._unseen = 0
        self._update_jump()

    def _update_jump(self) -> None:
        paused = self.follow_check.isChecked() and not self.following
        if not paused:
            if self.follow_check.isChecked() and self._unseen:
                self.jump_to_newest()
                return
            self.jump_button.hide()
            return
        text = f"Jump to newest ({self._unseen:,} new)" if self._unseen else "Jump to newest"
        if text != self.jump_button.text() or self.jump_button.isHidden():
            self.jump_button.setText(text)
        # Placed again each time: the selection or the scrolling may have moved under it.
        self._place_jump_button()
        self.jump_button.show()
        self.jump_button.raise_()

    def _place_jump_button(self) -> None:
        """In the bottom right corner of the rows, clear of the scroll bars; in the top right
        corner while a selected row lies under the bottom one (it must stay readable)."""
        button = self.jump_button
        button.resize(button.sizeHint())
        area = self.view.viewport().geometry()
        margin = JUMP_MARGIN
        x = max(area.left(), area.right() - button.width() - margin + 1)
        y = max(area.top(), area.bottom() - button.height() - margin + 1)
        if self._selected_under(y - area.top(), y - area.top() + button.height() - 1):
            y = area.top() + margin
        button.move(x, y)

    def _selected_under(self, top: int, bottom: int) -> bool:
        """Whether a selected row shows between these heights of the viewport (the few rows
        there, not the whole selection: it may hold a million rows)."""
        first = self.view.rowAt(top)
        if first < 0:
            return False
        last = self.view.rowAt(bottom)
        last = last if last >= 0 else self.model.rowCount() - 1
        selection = self.view.selectionModel()
        return any(selection.isRowSelected(row) for row in range(first, last + 1))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and not self.jump_button.isHidden():
            self._place_jump_button()  # the viewport changed size (pane or scroll bars)
        return False
