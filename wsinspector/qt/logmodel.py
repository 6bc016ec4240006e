"""The message log as a Qt table model over the core EventLog.

Rows are not copied: row i is `log[i]`, formatted only when the view paints it. Appends are
not announced one by one; the model notes that rows are pending and inserts all of them with
one beginInsertRows/endInsertRows on a short timer, so a flood costs a few inserts a second.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from wsinspector.core.eventlog import EventLog
from wsinspector.core.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
    close_code_name,
)
from wsinspector.core.formatting import format_duration, format_time, human_size, preview
from wsinspector.qt.icons import icon

# Often enough to look live, rarely enough that a flood costs nothing in inserts.
BATCH_INTERVAL_MS = 50
# While rows pour in, repaint less often: each batch repaints the whole visible log (about
# 12 ms offscreen), and a flood scrolling at 8 frames a second reads as well as at 20.
BUSY_INTERVAL_MS = 125
BUSY_ROWS = 500

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    TIME = 0
    CONNECTION = 1
    DIRECTION = 2
    TYPE = 3
    SIZE = 4
    DATA = 5


HEADERS = {
    Column.TIME: "Time",
    Column.CONNECTION: "Conn",
    Column.DIRECTION: "",
    Column.TYPE: "Type",
    Column.SIZE: "Size",
    Column.DATA: "Data",
}

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1

_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_ROLES = frozenset({_DISPLAY, _DECORATION, _FOREGROUND, _TOOLTIP, _ALIGNMENT, EVENT_ROLE})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_ERROR_BRUSH = QBrush(QColor("#c53030"))
_NOTE_BRUSH = QBrush(QColor("#6b7280"))
_OUT_ICON = "arrow-out"
_IN_ICON = "arrow-in"


def event_type(event: Event) -> str:
    if isinstance(event, MessageEvent):
        return "text" if event.text else "binary"
    if isinstance(event, ControlEvent):
        return event.kind.value
    if isinstance(event, StateEvent):
        return "state"
    if isinstance(event, HandshakeEvent):
        return "handshake"
    if isinstance(event, CloseEvent):
        return "close"
    if isinstance(event, ErrorEvent):
        return "error"
    return "note"


def event_summary(event: Event) -> str:
    """The Data column: a preview of a message, a sentence for anything else."""
    if isinstance(event, MessageEvent):
        return preview(event)
    if isinstance(event, ControlEvent):
        parts = [event.data.hex(" ") if event.data else "(empty)"]
        if event.keepalive:
            parts.append("keepalive")
        if event.rtt is not None:
            parts.append(f"round trip {format_duration(event.rtt)}")
        return " · ".join(parts)
    if isinstance(event, StateEvent):
        text = event.state.value
        if event.state is ConnState.CONNECTING:
            text += f" to {event.uri}"
        if event.attempt:
            text += f" · attempt {event.attempt}"
        if event.delay:
            text += f" in {event.delay:.1f} s"
        if event.error:
            text += f" · {event.error}"
        return text
    if isinstance(event, HandshakeEvent):
        status = event.status_line or "no response"
        extra = f" · subprotocol {event.subprotocol}" if event.subprotocol else ""
        return f"{event.request_line} → {status}{extra}"
    if isinstance(event, CloseEvent):
        reason = f" “{event.reason}”" if event.reason else ""
        who = f" by {event.initiator}" if event.initiator else ""
        clean = "" if event.clean else " · not clean"
        return f"{event.code} {close_code_name(event.code)}{reason}{who}{clean}"
    if isinstance(event, ErrorEvent):
        return event.message
    if isinstance(event, NoteEvent):
        return f"── {event.text} ──" if event.separator else event.text
    return repr(event)


class LogModel(QAbstractTableModel):
    """Table model over an EventLog, fed in batches.

    Signals:
        rows_flushed(int): rows were inserted in one batch; the argument is the new row count.
    """

    rows_flushed = Signal(int)

    def __init__(self, log: EventLog, parent: Any = None) -> None:
        super().__init__(parent)
        self._log = log
        self._rows = len(log)
        self._flush_pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)
        log.add_listener(self)

    @property
    def log(self) -> EventLog:
        return self._log

    # -- EventLogListener -------------------------------------------------------------------

    def messages_appended(self, log: EventLog) -> None:
        # Called once per message, so nothing here but a flag check in the common case.
        if not self._flush_pending:
            self._flush_pending = True
            self._timer.start()

    def event_appended(self, log: EventLog, event: Event) -> None:
        self.messages_appended(log)

    def log_cleared(self, log: EventLog) -> None:
        self.beginResetModel()
        self._rows = 0
        self._flush_pending = False
        self._timer.stop()
        self.endResetModel()
        self.rows_flushed.emit(0)

    def flush(self) -> None:
        """Insert every row appended since the last flush."""
        self._flush_pending = False
        total = len(self._log)
        if total <= self._rows:
            return
        busy = total - self._rows >= BUSY_ROWS
        self._timer.setInterval(BUSY_INTERVAL_MS if busy else BATCH_INTERVAL_MS)
        self.beginInsertRows(QModelIndex(), self._rows, total - 1)
        self._rows = total
        self.endInsertRows()
        self.rows_flushed.emit(total)

    def detach(self) -> None:
        self._log.remove_listener(self)
        self._timer.stop()

    # -- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def event_at(self, row: int) -> Event:
        return self._log[row]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Painting asks for a dozen roles per cell; most have no answer here, so they are
        # turned away before anything else is looked at.
        if role not in _ROLES:
            return None
        row = index.row()
        if row >= self._rows or row < 0:
            return None
        event = self._log[row]
        column = index.column()
        if role == _DISPLAY:
            return self._display(event, column)
        if role == EVENT_ROLE:
            return event
        if role == _DECORATION:
            if column != Column.DIRECTION:
                return None
            direction = getattr(event, "direction", None)
            if direction is Direction.IN:
                return icon(_IN_ICON)
            if direction is Direction.OUT:
                return icon(_OUT_ICON)
            if type(event) is ErrorEvent:
                return icon("error")
            return None
        if role == _FOREGROUND:
            kind = type(event)
            if kind is MessageEvent:
                return None
            if kind is ErrorEvent or (kind is HandshakeEvent and not event.accepted):  # type: ignore[attr-defined]
                return _ERROR_BRUSH
            if kind is NoteEvent or kind is StateEvent:
                return _NOTE_BRUSH
            return None
        if role == _TOOLTIP:
            if column == Column.DIRECTION:
                direction = getattr(event, "direction", None)
                return {Direction.IN: "received", Direction.OUT: "sent"}.get(direction)
            if column == Column.DATA and isinstance(event, ErrorEvent) and event.detail:
                return event.detail
            return None
        if role == _ALIGNMENT and column == Column.SIZE:
            return _RIGHT
        return None

    def _display(self, event: Event, column: int) -> str | None:
        if column == Column.TIME:
            return format_time(event.wall)
        if column == Column.CONNECTION:
            return str(event.conn) if event.conn else ""
        if column == Column.DIRECTION:
            return ""  # the icon says it
        if column == Column.TYPE:
            return event_type(event)
        if column == Column.SIZE:
            if isinstance(event, MessageEvent | ControlEvent):
                return human_size(len(event.data))
            return ""
        if column == Column.DATA:
            return event_summary(event)
        return None
