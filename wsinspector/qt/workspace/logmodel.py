"""The message log as a Qt table model over the core EventLog.

Rows are not copied: row i is `log[i]`, formatted only when the view paints it. Appends are
not announced one by one; the model notes that rows are pending and inserts all of them with
one beginInsertRows/endInsertRows on a short timer, so a flood costs a few inserts a second.

The frame view (set_frame_view) lists each message's frames as rows under it. Why rows of
this flat model, and not a tree or a separate pane: the log is a QTableView for speed (a
QTreeView lays out every row again on each insert), and the model already maps rows to log
positions through `_matches` while filtered. With the frame view on it simply always maps,
with a parallel `_frame_of` array saying which frame of the event a row shows (-1: the
event's own row). So filtering, the dropped-events note, batched inserts, selection (a frame
row selects its message), export and follow work unchanged, and with the view off (the
default) nothing at all is added to the flood's path. A message's frames are the ones the
session recorded (fragmented, compressed, or logged while the view was on), else the one
frame a plain message is on the wire (core.wireframes.implied_frames).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from wsinspector.core.decoders.page import decoded_preview
from wsinspector.core.log.eventlog import EventLog, EventSource
from wsinspector.core.log.events import (
    ControlEvent,
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.log.filtering import (
    LogFilter,
    Predicate,
    ScanCache,
    compile_filter,
    filter_indexes,
)
from wsinspector.core.log.wireframes import MessageFrames
from wsinspector.core.log.wording import (
    SENT_ARROW,
    direction_arrow,
    dropped_words,
    event_summary,
    event_type,
    frames_type_suffix,
    wire_size_sentence,
    wire_size_words,
)
from wsinspector.core.text.formatting import format_time, human_size
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.workspace.logcells import (
    ALIGNMENT,
    ARROW_FONT,
    BACKGROUND,
    COLUMN_ALIGNMENT,
    DECORATION,
    DISPLAY,
    ERROR_BRUSH,
    EVENT_ROLE,
    FONT,
    FOREGROUND,
    HEADER_TOOLTIPS,
    HEADERS,
    NOTE_BRUSH,
    RECEIVED_BRUSH,
    ROLES,
    SENT_BACKGROUND,
    SENT_BRUSH,
    TOOLTIP,
    message_frame_cell,
)
from wsinspector.qt.workspace.logcells import (
    Column as Column,  # re-exported: the log view and tests name the columns from here
)

# Older events tested per step of a new filter's scan: a few ms each, so the window answers.
SCAN_STEP = 50_000
# The same when binary payloads are decoded for the filter: 5 to 20 µs a message (MessagePack,
# CBOR), so a step takes 10 to 40 ms.
DECODING_SCAN_STEP = 2_000

# Often enough to look live, rarely enough that a flood costs nothing in inserts.
BATCH_INTERVAL_MS = 50
# While rows pour in, repaint less often: each batch repaints the whole visible log (about
# 12 ms offscreen), and a flood scrolling at 8 frames a second reads as well as at 20.
BUSY_INTERVAL_MS = 125
BUSY_ROWS = 500

AnyIndex = QModelIndex | QPersistentModelIndex


_NO_EVENT: Event = NoteEvent(0, 0.0, 0.0, "")
# The frame view maps rows even with no filter: through this one, which passes everything.
_EVERYTHING = compile_filter(LogFilter())
_NO_FRAMES: dict[int, MessageFrames] = {}


class LogModel(QAbstractTableModel):
    """Table model over an EventLog, fed in batches, optionally filtered.

    Unfiltered, row i (after the "older events dropped" note, if any) is log[i]. Filtered,
    `_matches` lists the log indexes that pass: a new filter is scanned in steps so the window
    keeps answering, and new events are tested once, at the flush that shows them.

    Signals:
        rows_flushed(int): rows were inserted in one batch; the argument is the new row count.
        filter_progress(int, int): (matching rows, log size) after each step of a filter scan,
            and whenever rows arrive while filtered.
    """

    rows_flushed = Signal(int)
    filter_progress = Signal(int, int)

    def __init__(self, log: EventSource, parent: Any = None) -> None:
        super().__init__(parent)
        self._log = log
        self._rows = len(log)  # log events inserted so far (unfiltered: shown)
        # 1 while row 0 is the "N older events dropped" note, else 0.
        self._top = 1 if log.dropped else 0
        # The note as shown: rebuilt after the rows of a drop are removed, and announced then
        # (built when painted, it would change in the middle of the removal).
        self._note = self._dropped_note()
        self._predicate: Predicate | None = None
        self._user_predicate: Predicate | None = None  # the filter bar's; None: no filter
        self._scan_cache: ScanCache | None = None
        self._matches: array[int] | None = None  # log index per row, while filtered or framed
        self._frame_view = False
        # With the frame view on, per row: -1 for an event's own row, k for its frame k.
        self._frame_of: array[int] | None = None
        self._shown_events = 0  # event rows among `_matches` (frame rows not counted)
        self._scanned = 0  # log indexes below this were tested against the filter
        self._dropping_rows = 0  # rows announced as removed, between dropping and dropped
        self._flush_pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)
        self._forget_cached()
        # The page decoder's one-line text of a binary payload (None: not decoded), asked
        # for the rows painted only: wsinspector.core.decoders.page.PageDecoder.line.
        self._decode_line: Callable[[bytes], str | None] | None = None
        # The page's protocol's (Type, Data) of a message row (core/protocols/rows.py).
        self._protocol_row: Callable[[MessageEvent], tuple[str, str]] | None = None
        self._conn_names: Mapping[int, str] = {}  # the Conn column's words in place of numbers
        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(0)
        self._scan_timer.timeout.connect(self._scan_step)
        log.add_listener(self)

    @property
    def log(self) -> EventSource:
        return self._log

    def set_log(self, log: EventSource) -> None:
        """Show another log (a read-only page over a recorded session); the filter is reset."""
        self._log.remove_listener(self)
        self._timer.stop()
        self._scan_timer.stop()
        self.beginResetModel()
        self._log = log
        self._rows = len(log)
        self._top = 1 if log.dropped else 0
        self._note = self._dropped_note()
        self._predicate, self._matches, self._scan_cache = None, None, None
        self._user_predicate, self._frame_of, self._frame_view = None, None, False
        self._shown_events = 0
        self._scanned = 0
        self._flush_pending = False
        self._forget_cached()
        self.endResetModel()
        log.add_listener(self)
        self.rows_flushed.emit(self.rowCount())

    def _forget_cached(self) -> None:
        """Log positions change meaning (dropped or cleared events): drop the cached record."""
        self._cached_position: int | None = None
        self._cached_event: Event = _NO_EVENT

    @property
    def shown(self) -> int:
        """Log events shown as rows (the matching ones while filtered)."""
        return self._rows if self._matches is None else self._shown_events

    @property
    def frame_view(self) -> bool:
        return self._frame_view

    def set_frame_view(self, on: bool) -> None:
        """List each message's frames under it (on), or only the events (off)."""
        if on != self._frame_view:
            self._frame_view = on
            self.set_filter(self._user_predicate)

    def frame_row(self, row: int) -> int:
        """Which frame of its event `row` shows: -1 for the event's own row."""
        frame_of = self._frame_of
        index = row - self._top
        if frame_of is None or not 0 <= index < len(frame_of):
            return -1
        return frame_of[index]

    def _frame_table(self) -> tuple[Mapping[int, MessageFrames], int]:
        """The live log's frames by event id and the id of its first event; read-only logs
        (files, the capture) keep no frames."""
        log = self._log
        if isinstance(log, EventLog) and log.frames:
            return log.frames, log.first_id
        return _NO_FRAMES, 0

    def frames_at(self, position: int) -> MessageFrames | None:
        """The recorded frames of the message at log position `position`, if any."""
        table, first_id = self._frame_table()
        return table.get(first_id + position) if table else None

    @property
    def scanning(self) -> bool:
        """A new filter is still being tested against older events."""
        return self._matches is not None and self._scanned < self._rows

    def set_decoder(self, decode_line: Callable[[bytes], str | None] | None) -> None:
        """Show binary messages in the Data column as `decode_line` decodes them (None: hex)."""
        self._decode_line = decode_line
        rows = self.rowCount()
        if rows:
            self.dataChanged.emit(self.index(0, Column.DATA), self.index(rows - 1, Column.DATA))

    def set_protocol_row(self, texts: Callable[[MessageEvent], tuple[str, str]] | None) -> None:
        """Show messages as the page's protocol reads them (None: as plain WebSocket)."""
        self._protocol_row = texts
        rows = self.rowCount()
        if rows:
            self.dataChanged.emit(self.index(0, Column.TYPE), self.index(rows - 1, Column.DATA))

    def set_connection_names(self, names: Mapping[int, str]) -> None:
        """Show these names in the Conn column (a relay's legs); read as rows are painted."""
        self._conn_names = names

    # -- filtering --------------------------------------------------------------------------

    def set_filter(self, predicate: Predicate | None) -> None:
        """Show only the events `predicate` accepts (None: all of them)."""
        self._scan_timer.stop()
        self.beginResetModel()
        if predicate is not None and predicate.accepts_all:
            predicate = None
        self._user_predicate = predicate
        self._forget_cached()
        if predicate is None and not self._frame_view:
            self._predicate, self._matches, self._frame_of = None, None, None
            self._scan_cache = None
        else:
            self._predicate = predicate if predicate is not None else _EVERYTHING
            self._matches = array("q")
            self._frame_of = array("i") if self._frame_view else None
            self._shown_events = 0
            if self._scan_cache is None:
                # Lowered payloads kept between scans: the next filter typed is cheaper.
                self._scan_cache = ScanCache()
            self._scanned = 0
        self.endResetModel()
        if self._matches is not None:
            self._scan_step()
        self.rows_flushed.emit(self.rowCount())

    def _scan_step(self) -> None:
        """Test the next slice of older events; a slice takes a few ms, then the loop runs."""
        matches, predicate = self._matches, self._predicate
        if matches is None or predicate is None:
            return
        step = DECODING_SCAN_STEP if predicate.decodes else SCAN_STEP
        stop = min(self._rows, self._scanned + step)
        self._append_matches(
            filter_indexes(self._log, predicate, self._scanned, stop, cache=self._scan_cache)
        )
        self._scanned = stop
        if self._scanned < self._rows:
            self._scan_timer.start()
        if self._user_predicate is not None:
            self.filter_progress.emit(self._shown_events, len(self._log))

    def _append_matches(self, found: Sequence[int]) -> None:
        matches = self._matches
        if matches is None or not found:
            return
        frame_of = self._frame_of
        if frame_of is None:
            rows, kinds = found, None
        else:
            rows, kinds = self._with_frames(found)
        first = self._top + len(matches)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        matches.extend(rows)
        if frame_of is not None and kinds is not None:
            frame_of.extend(kinds)
        self._shown_events += len(found)
        self.endInsertRows()

    def _with_frames(self, found: Sequence[int]) -> tuple[array[int], array[int]]:
        """Rows for these log indexes in the frame view: each event, then its frames."""
        rows, kinds = array("q"), array("i")
        entries = self._log.entries()
        table, first_id = self._frame_table()
        for index in found:
            rows.append(index)
            kinds.append(-1)
            if type(entries[index]) is tuple:  # a message (other events are stored as records)
                frames = table.get(first_id + index) if table else None
                count = len(frames) if frames else 1
                rows.extend([index] * count)
                kinds.extend(range(count))
        return rows, kinds

    # -- EventLogListener -------------------------------------------------------------------

    def messages_appended(self, log: EventLog) -> None:
        if not self._flush_pending:
            self._await_flush(True)
            self._timer.start()

    def _await_flush(self, pending: bool) -> None:
        """Between a message and the flush that shows it the model needs no word of the next
        ones (the flush takes them all): it stops listening to messages until then, so a flood
        makes a call to it per flush, not per message."""
        self._flush_pending = pending
        self._log.listen_to_messages(self, not pending)

    def event_appended(self, log: EventLog, event: Event) -> None:
        self.messages_appended(log)

    def events_dropping(self, log: EventLog, count: int) -> None:
        # Announced while the rows' events are still in the log, as Qt asks; the rows go in
        # events_dropped, once the log has let go of them.
        matches = self._matches
        gone = min(count, self._rows) if matches is None else bisect_left(matches, count)
        self._dropping_rows = gone
        if gone:
            self.beginRemoveRows(QModelIndex(), self._top, self._top + gone - 1)

    def events_dropped(self, log: EventLog, count: int) -> None:
        self._forget_cached()
        gone, self._dropping_rows = self._dropping_rows, 0
        matches = self._matches
        if matches is not None:
            # Every kept row's log index moves down, whether or not any row went.
            self._matches = array("q", (index - count for index in matches[gone:]))
            frame_of = self._frame_of
            if frame_of is None:
                self._shown_events -= gone
            elif gone:
                self._shown_events -= sum(1 for kind in frame_of[:gone] if kind < 0)
                self._frame_of = frame_of[gone:]
        self._rows = max(0, self._rows - count)
        self._scanned = max(0, self._scanned - count)
        if gone:
            self.endRemoveRows()
        self._note = self._dropped_note()
        if self._top:
            self.dataChanged.emit(self.index(0, 0), self.index(0, len(Column) - 1))
        else:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._top = 1
            self.endInsertRows()

    def log_cleared(self, log: EventLog) -> None:
        self._forget_cached()
        self.beginResetModel()
        self._top = 0
        self._rows = 0
        self._scanned = 0
        if self._matches is not None:
            self._matches = array("q")
            self._shown_events = 0
        if self._frame_of is not None:
            self._frame_of = array("i")
        self._await_flush(False)
        self._timer.stop()
        self._scan_timer.stop()
        self.endResetModel()
        self.rows_flushed.emit(0)

    def flush(self) -> None:
        """Insert every row appended since the last flush."""
        self._await_flush(False)
        total = len(self._log)
        if total <= self._rows:
            return
        busy = total - self._rows >= BUSY_ROWS
        self._timer.setInterval(BUSY_INTERVAL_MS if busy else BATCH_INTERVAL_MS)
        matches, predicate = self._matches, self._predicate
        if matches is None or predicate is None:
            top = self._top
            self.beginInsertRows(QModelIndex(), top + self._rows, top + total - 1)
            self._rows = total
            self.endInsertRows()
        else:
            caught_up = self._scanned >= self._rows
            self._rows = total
            if caught_up:  # else the running scan reaches the new events too
                self._append_matches(
                    filter_indexes(
                        self._log, predicate, self._scanned, total, cache=self._scan_cache
                    )
                )
                self._scanned = total
            if self._user_predicate is not None:
                self.filter_progress.emit(self._shown_events, total)
        self.rows_flushed.emit(self.rowCount())

    def detach(self) -> None:
        self._log.remove_listener(self)
        self._timer.stop()
        self._scan_timer.stop()

    # -- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        matches = self._matches
        return self._top + (self._rows if matches is None else len(matches))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if orientation == Qt.Orientation.Horizontal and role == TOOLTIP:
            return HEADER_TOOLTIPS.get(Column(section))
        return None

    def shown_log_indexes(self) -> Sequence[int]:
        """The log indexes of every event shown (the matching ones while filtered)."""
        matches, frame_of = self._matches, self._frame_of
        if matches is None:
            return range(self._rows)
        if frame_of is None:
            return matches
        return array(
            "q", (index for index, kind in zip(matches, frame_of, strict=True) if kind < 0)
        )

    def log_index(self, row: int) -> int | None:
        """The log index shown in `row`; None for the "older events dropped" note."""
        index = row - self._top
        if index < 0:
            return None
        matches = self._matches
        return index if matches is None else matches[index]

    def row_of(self, log_index: int) -> int | None:
        """The row that shows the event at `log_index`, or None when it is not shown."""
        matches = self._matches
        if matches is None:
            return self._top + log_index if 0 <= log_index < self._rows else None
        position = bisect_left(matches, log_index)
        if position < len(matches) and matches[position] == log_index:
            return self._top + position
        return None

    def event_at(self, row: int) -> Event:
        index = self.log_index(row)
        return self._log[index] if index is not None else self._note

    def _dropped_note(self) -> NoteEvent:
        log = self._log
        first = log[0] if len(log) else None
        wall, mono = (first.wall, first.mono) if first is not None else (0.0, 0.0)
        return NoteEvent(0, wall, mono, dropped_words(log.dropped, log.capacity), True)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Painting asks for a dozen roles per cell; most have no answer here, so they are
        # turned away before anything else is looked at.
        if role not in ROLES:
            return None
        # Roles that depend on the column alone: answered without looking at the event.
        if role == FONT:
            return ARROW_FONT if index.column() == Column.DIRECTION else None
        if role == ALIGNMENT:
            return COLUMN_ALIGNMENT.get(index.column())
        row = index.row() - self._top
        matches = self._matches
        if matches is None:
            if row >= self._rows:
                return None
            position = row
        else:
            if row >= len(matches):
                return None
            position = matches[row] if row >= 0 else -1
        # A row's cells ask one after the other: build its record once, not once per role.
        if position == self._cached_position:
            event = self._cached_event
        else:
            event = self._log[position] if row >= 0 else self._note
            self._cached_position, self._cached_event = position, event
        column = index.column()
        frame_of = self._frame_of
        if frame_of is not None and row >= 0 and frame_of[row] >= 0:
            return self._frame_data(event, position, frame_of[row], column, role)
        if role == DISPLAY:
            return self._display(event, column, position)
        if role == EVENT_ROLE:
            return event
        if role == DECORATION:
            if column == Column.DIRECTION and type(event) is ErrorEvent:
                return icon("error")
            return None
        if role == BACKGROUND:
            if getattr(event, "direction", None) is Direction.OUT:
                return SENT_BACKGROUND
            return None
        if role == FOREGROUND:
            kind = type(event)
            if column == Column.DIRECTION:
                direction = getattr(event, "direction", None)
                if direction is Direction.OUT:
                    return SENT_BRUSH
                return RECEIVED_BRUSH if direction is Direction.IN else None
            if kind is MessageEvent:
                return None
            if kind is ErrorEvent or (kind is HandshakeEvent and not event.accepted):  # type: ignore[attr-defined]
                return ERROR_BRUSH
            if kind is NoteEvent or kind is StateEvent:
                return NOTE_BRUSH
            return None
        if role == TOOLTIP:
            if column == Column.DIRECTION:
                arrow = direction_arrow(event)
                return ("sent" if arrow == SENT_ARROW else "received") if arrow else None
            if column == Column.DATA and isinstance(event, ErrorEvent) and event.detail:
                return event.detail
            if column == Column.SIZE and type(event) is MessageEvent:
                frames = self.frames_at(position)
                if frames is not None:
                    return wire_size_sentence(len(event.data), frames)
            return None
        return None

    def _frame_data(self, event: Event, position: int, k: int, column: int, role: int) -> Any:
        """A frame row of the frame view: the k-th frame of the message at `position`."""
        if role == EVENT_ROLE:
            return event
        if not isinstance(event, MessageEvent):
            return None
        return message_frame_cell(event, self.frames_at(position), k, column, role)

    def _display(self, event: Event, column: int, position: int = -1) -> str | None:
        if column == Column.TIME:
            return format_time(event.wall)
        if column == Column.CONNECTION:
            name = self._conn_names.get(event.conn)
            return name if name else str(event.conn) if event.conn else ""
        if column == Column.DIRECTION:
            return direction_arrow(event)
        if (column == Column.TYPE or column == Column.DATA) and type(event) is MessageEvent:
            protocol_row = self._protocol_row
            if protocol_row is not None:
                return protocol_row(event)[column == Column.DATA]
        if column == Column.TYPE:
            if type(event) is MessageEvent and position >= 0:
                frames = self.frames_at(position)
                if frames is not None:
                    return event_type(event) + frames_type_suffix(frames)
            return event_type(event)
        if column == Column.SIZE:
            if type(event) is MessageEvent and position >= 0:
                frames = self.frames_at(position)
                if frames is not None:
                    return wire_size_words(len(event.data), frames)
            if isinstance(event, MessageEvent | ControlEvent):
                return human_size(len(event.data))
            return ""
        if column == Column.DATA:
            decode = self._decode_line
            if decode is not None and type(event) is MessageEvent and not event.text:
                line = decode(event.data)
                if line is not None:
                    return decoded_preview(line)
            return event_summary(event)
        return None
