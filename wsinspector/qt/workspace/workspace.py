"""What every page shows of its log: the log view and its model, the filter bar, the detail
view and the handshake pane, and the export of the log.

A page (live, read-only log, and later a server or relay page) is a source of events plus a
LogWorkspace plus its own controls. The workspace puts the log (title bar, filter, rows) on
the left and the detail tabs ("Selected event", "Handshake") on the right; a page may put a
widget under the log (the live page's composer) and add detail tabs (its saved messages).

A page that speaks a protocol (set_protocol) shows its messages in the protocol's terms: the
rows, a "Protocol" detail tab (the decoded structure, the raw payload under it) and a filter
that also matches what the protocol reads in a message (core/log/readings.py).

objectNames: `pageSplitter` (log | detail), `logComposerSplitter` (log over the page's lower
widget), `detailTabs`, `protocolDetailView` (the Protocol tab); the log panel, detail view
and handshake pane name their own.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QTabWidget, QVBoxLayout, QWidget

from wsinspector.core.decoders.page import PageDecoder
from wsinspector.core.log.eventlog import Counters, EventLog
from wsinspector.core.log.events import HandshakeEvent, MessageEvent
from wsinspector.core.log.filtering import LogFilter
from wsinspector.core.log.wording import counter_words
from wsinspector.core.protocols.base import WireProtocol
from wsinspector.core.protocols.matching import message_words
from wsinspector.core.protocols.rows import detail_text, row_texts
from wsinspector.core.storage.logfiles import EntryLog, format_for_path
from wsinspector.qt.dialogs.save_payload import save_payload
from wsinspector.qt.workspace.detail_view import MessageDetailView
from wsinspector.qt.workspace.handshake_pane import HandshakePane
from wsinspector.qt.workspace.log_export import ExportRunner, rows_of
from wsinspector.qt.workspace.log_view import LogPanel
from wsinspector.qt.workspace.logmodel import LogModel

# The log (with what a page puts under it) and the detail pane share the page's width in
# this proportion.
BODY_PROPORTIONS = (720, 540)
# Narrower, the detail pane's three tabs need scroll arrows and its text is cut: a saved
# layout that squeezed it below this is not taken back as it was.
DETAIL_MIN_WIDTH = 340


class LogWorkspace(QWidget):
    """One log on screen: rows, filter, detail, handshake, export.

    Signals:
        problem(str): what the user asked of the log could not be done (a payload not
            saved); the page shows the words where its other problems go.
    """

    problem = Signal(str)

    def __init__(self, source: EventLog | EntryLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repair_on_show = False
        self.model = LogModel(source, self)
        self.log_panel = LogPanel(self.model)
        self.log_view = self.log_panel.view
        self.counters_label = self.log_panel.counters_label
        self.follow_check = self.log_panel.follow_check
        self.detail_view = MessageDetailView()
        self.handshake_pane = HandshakePane()
        self.detail_tabs = QTabWidget()
        self.detail_tabs.setObjectName("detailTabs")
        self.detail_tabs.addTab(self.detail_view, "Selected event")
        self.detail_tabs.addTab(self.handshake_pane, "Handshake")
        self.protocol_detail = QPlainTextEdit()
        self.protocol_detail.setObjectName("protocolDetailView")
        self.protocol_detail.setReadOnly(True)
        self._protocol_tab = self.detail_tabs.addTab(self.protocol_detail, "Protocol")
        self.detail_tabs.setTabVisible(self._protocol_tab, False)
        self._reader: WireProtocol | None = None

        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("logComposerSplitter")
        self.left_splitter.addWidget(self.log_panel)
        self.left_splitter.setStretchFactor(0, 1)
        self.body_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.body_splitter.setObjectName("pageSplitter")
        self.body_splitter.addWidget(self.left_splitter)
        self.body_splitter.addWidget(self.detail_tabs)
        # QSplitter shares the width in the proportion of these sizes (the stretch factors
        # only mark both sides as stretching), as long as each side gets its minimum width.
        # At 1280x800 with the Profiles and History docks the body is 878 px: 502 for the
        # log (its Data column keeps ~150 px), 376 for the detail pane: its three tabs
        # without scroll arrows, a message's pretty JSON unwrapped, and the handshake's
        # summary and extensions in few enough lines to leave 12 header lines each way.
        # (540/340 gave the log 40 px more but wrapped those two into a line more each.)
        # What squeezed the detail pane to 195 px was the log's minimum width (700 px
        # with "Jump to newest" in its title bar), now about 410: see log_view.LogPanel.
        self.body_splitter.setStretchFactor(0, 1)
        self.body_splitter.setStretchFactor(1, 1)
        self.body_splitter.setSizes(list(BODY_PROPORTIONS))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.body_splitter)

        self.exporter = ExportRunner(self)
        self.exporter.progress.connect(self._on_export_progress)
        self.exporter.finished.connect(self._on_export_done)
        self.exporter.failed.connect(self._on_export_failed)
        self.log_panel.export_cancel_button.clicked.connect(self.exporter.cancel)
        # The detail view marks what the log filter looks for in the text (not its `name:`
        # and `kind:` words).
        self.log_panel.filter_bar.filter_changed.connect(self._highlight_filter)
        self.log_view.save_requested.connect(self._save_payload)
        self.log_view.selectionModel().selectionChanged.connect(self._on_selection)

    def _highlight_filter(self, log_filter: LogFilter | None) -> None:
        if log_filter is None:
            self.detail_view.set_highlight("", regex=False)
            return
        searched = self.log_panel.page_filter(log_filter)
        self.detail_view.set_highlight(searched.text, searched.regex)

    @property
    def source(self) -> EventLog | EntryLog:
        """The log shown."""
        source = self.model.log
        assert isinstance(source, EventLog | EntryLog)
        return source

    def put_under_log(self, widget: QWidget) -> None:
        """A widget under the log (the live page's composer), which keeps its height."""
        self.left_splitter.addWidget(widget)
        self.left_splitter.setStretchFactor(1, 0)
        self.left_splitter.setSizes([520, 120])

    def show_counters(self, counters: Counters) -> None:
        self.counters_label.setText(counter_words(counters))

    def set_decoder(self, decoder: PageDecoder) -> None:
        """How binary payloads are decoded, for the log's Data column, the filter and the
        detail."""
        line = decoder.line if decoder.active else None
        self.model.set_decoder(line)
        self.log_panel.decode = line
        if self.log_panel.filter_bar.text_edit.text():  # filter again, with decoded text
            self.log_panel.filter_bar.apply()
        self.detail_view.set_decoder(decoder)

    def set_protocol(self, reader: WireProtocol | None) -> None:
        """Read messages as `reader` does (None: plain WebSocket), in rows, the Protocol tab
        and the filter."""
        self._reader = reader
        self.model.set_protocol_row(
            (lambda event: row_texts(reader, event)) if reader is not None else None
        )
        self.detail_tabs.setTabVisible(self._protocol_tab, reader is not None)
        panel = self.log_panel
        panel.words = message_words(reader) if reader is not None else None
        if panel.filter_bar.text_edit.text():  # filter again, with the protocol's words
            panel.filter_bar.apply()
        self._show_protocol_detail()

    # -- exporting --------------------------------------------------------------------------

    def export_log(self, path: str, scope: str = "all", *, include_secrets: bool = False) -> None:
        """Write the whole log ("all"), the filtered rows or the selected rows to `path`.

        The format follows the file's suffix; the file appears once complete.
        """
        try:
            fmt = format_for_path(path)
        except ValueError as exc:
            self.log_panel.export_label.setText(f"Not exported: {exc}")
            return
        log = self.source
        source: EventLog | EntryLog = log
        if scope == "filtered":
            source = rows_of(log, self.model.shown_log_indexes())
        elif scope == "selected":
            source = rows_of(log, self.log_view.selected_log_indexes())
        self.model.flush()
        self.log_panel.export_cancel_button.show()
        self.exporter.start(source, path, fmt, redact=not include_secrets)

    def _on_export_progress(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        self.log_panel.export_label.setText(f"Exporting… {percent}%")

    def _on_export_done(self, path: str, count: int) -> None:
        self.log_panel.export_cancel_button.hide()
        self.log_panel.export_label.setText(f"Exported {count:,} events to {path}")

    def _on_export_failed(self, message: str) -> None:
        self.log_panel.export_cancel_button.hide()
        self.log_panel.export_label.setText(message)

    # -- layout and lifetime ----------------------------------------------------------------

    def splitter_state(self) -> dict[str, QByteArray]:
        return {
            "body": self.body_splitter.saveState(),
            "left": self.left_splitter.saveState(),
        }

    def restore_splitters(self, states: dict[str, QByteArray]) -> None:
        """The splitters as saved; a detail pane squeezed below DETAIL_MIN_WIDTH is widened
        once shown (the restored sizes are those of another width until then)."""
        if "body" in states:
            self.body_splitter.restoreState(states["body"])
            self._repair_on_show = True
        if "left" in states:
            self.left_splitter.restoreState(states["left"])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._repair_on_show:
            self._repair_on_show = False
            QTimer.singleShot(0, self._repair_squeezed_detail)

    def _repair_squeezed_detail(self) -> None:
        # Back to the default proportions when there is room for the pane's minimum.
        log, detail = self.body_splitter.sizes()
        room = log + detail - self.left_splitter.minimumSizeHint().width()
        if 0 < detail < DETAIL_MIN_WIDTH <= room:
            self.body_splitter.setSizes(list(BODY_PROPORTIONS))

    def shutdown(self) -> None:
        """Stop what runs for this log: an export under way, the model's batches."""
        if self.exporter.running:
            self.exporter.cancel()
        self.model.detach()

    # -- reactions --------------------------------------------------------------------------

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        events = self.log_view.selected_events()
        if len(events) != 1:
            return
        (event,) = events
        self.detail_view.show_event(event)
        if isinstance(event, HandshakeEvent):
            self.handshake_pane.show_handshake(event)
        self._show_protocol_detail()

    def _show_protocol_detail(self) -> None:
        events = self.log_view.selected_events()
        reader = self._reader
        if len(events) == 1 and isinstance(events[0], MessageEvent) and reader is not None:
            self.protocol_detail.setPlainText(detail_text(reader, events[0]))

    def _save_payload(self, event: MessageEvent) -> None:
        outcome = save_payload(self, event)
        if outcome is not None and not outcome.saved:
            self.problem.emit(outcome.words)
