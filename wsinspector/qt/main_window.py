"""The main window: assembles the panes, maps buttons and menu actions onto the controller."""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import wsinspector
from wsinspector.core.eventlog import EventLog
from wsinspector.core.events import (
    CloseEvent,
    ConnState,
    HandshakeEvent,
    StateEvent,
    close_code_name,
)
from wsinspector.core.formatting import human_size
from wsinspector.core.options import ConnectionOptions
from wsinspector.core.validation import check_close, check_options
from wsinspector.qt.composer import Composer
from wsinspector.qt.connection_form import ConnectionForm, error_label
from wsinspector.qt.controller import SessionController
from wsinspector.qt.detail_view import MessageDetailView
from wsinspector.qt.handshake_pane import HandshakePane
from wsinspector.qt.icons import icon
from wsinspector.qt.logmodel import Column, LogModel

ACTIVE_STATES = {ConnState.CONNECTING, ConnState.OPEN, ConnState.CLOSING, ConnState.RECONNECTING}

STATE_COLORS = {
    ConnState.IDLE: "#6b7280",
    ConnState.CONNECTING: "#b7791f",
    ConnState.OPEN: "#2f855a",
    ConnState.CLOSING: "#b7791f",
    ConnState.CLOSED: "#6b7280",
    ConnState.RECONNECTING: "#b7791f",
    ConnState.FAILED: "#c53030",
}


class MainWindow(QMainWindow):
    """wsinspector's window.

    Signals:
        closed_for_good(): the window has closed after its connection was shut down.
    """

    closed_for_good = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("wsinspector")
        self.setWindowIcon(icon("app"))
        self.resize(1280, 800)
        self.log = EventLog()
        self.controller = SessionController(self.log, self)
        self.model = LogModel(self.log, self)
        self._options: ConnectionOptions | None = None
        self._retry_at: float | None = None
        self._state_event: StateEvent | None = None
        self._closed_text = ""
        self._may_close = False
        self._shutdown_task: asyncio.Task[None] | None = None

        self._build_top_bar()
        self._build_body()
        self._build_menus()
        self._wire()
        self._apply_state(ConnState.IDLE)

    # -- building ---------------------------------------------------------------------------

    def _build_top_bar(self) -> None:
        self.uri_edit = QLineEdit()
        self.uri_edit.setObjectName("uriEdit")
        self.uri_edit.setPlaceholderText("ws://localhost:8765/  or  wss://example.com/socket")
        self.connect_button = QPushButton(icon("connect"), "Connect")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setDefault(True)
        self.close_button = QPushButton(icon("disconnect"), "Close")
        self.close_button.setObjectName("closeButton")
        self.close_button.setToolTip("Close cleanly with this code and reason; stops reconnecting")
        self.close_code_spin = QSpinBox()
        self.close_code_spin.setObjectName("closeCodeSpin")
        self.close_code_spin.setRange(1000, 4999)
        self.close_code_spin.setValue(1000)
        self.close_code_spin.setToolTip("Close code: 1000 normal, 3000-4999 for applications")
        self.close_reason_edit = QLineEdit()
        self.close_reason_edit.setObjectName("closeReasonEdit")
        self.close_reason_edit.setPlaceholderText("close reason")
        self.close_reason_edit.setMaximumWidth(220)
        self.uri_error = error_label("uriError")
        self.close_error = error_label("closeError")

        self.status_label = QLabel()
        self.status_label.setObjectName("connectionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Long errors wrap instead of widening the window past the screen.
        self.status_label.setWordWrap(True)
        self.status_label.setMinimumWidth(200)
        self.tls_warning = QLabel(
            "⚠ TLS verification is off: this connection is encrypted, but the server's "
            "identity is not checked."
        )
        self.tls_warning.setObjectName("tlsWarningLabel")
        self.tls_warning.setStyleSheet(
            "background: #fefcbf; color: #744210; padding: 3px 6px; border-radius: 3px;"
        )
        self.tls_warning.setWordWrap(True)
        self.tls_warning.hide()
        self.counters_label = QLabel()
        self.counters_label.setObjectName("countersLabel")

        row = QHBoxLayout()
        row.addWidget(self.uri_edit, 1)
        row.addWidget(self.connect_button)
        row.addWidget(self.close_button)
        row.addWidget(QLabel("code"))
        row.addWidget(self.close_code_spin)
        row.addWidget(self.close_reason_edit)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.tls_warning)
        self._top = QVBoxLayout()
        self._top.addLayout(row)
        self._top.addWidget(self.uri_error)
        self._top.addWidget(self.close_error)
        self._top.addLayout(status_row)

    def _build_body(self) -> None:
        self.form = ConnectionForm()
        scroll = QScrollArea()
        scroll.setObjectName("connectionFormScroll")
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(380)

        # A QTableView, not a QTreeView: QTreeView lays out every row again on each insert,
        # which made a batch cost O(rows) (1.5 s per batch at 300k rows); a table with fixed
        # row heights costs the same at any size.
        self.log_view = QTableView()
        self.log_view.setObjectName("messageLog")
        self.log_view.setModel(self.model)
        self.log_view.setShowGrid(False)
        self.log_view.setWordWrap(False)
        self.log_view.setAlternatingRowColors(True)
        self.log_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.log_view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        rows.hide()
        header = self.log_view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in (
            (Column.TIME, 100),
            (Column.CONNECTION, 44),
            (Column.DIRECTION, 30),
            (Column.TYPE, 80),
            (Column.SIZE, 70),
        ):
            header.resizeSection(column, width)

        self.follow_check = QCheckBox("Follow")
        self.follow_check.setObjectName("followCheck")
        self.follow_check.setChecked(True)
        self.follow_check.setToolTip("Keep the newest message in view")
        clear_button = QPushButton(icon("clear"), "Clear")
        clear_button.setObjectName("clearLogButton")
        self._clear_button = clear_button
        log_bar = QHBoxLayout()
        log_bar.addWidget(QLabel("<b>Messages</b>"))
        log_bar.addStretch(1)
        log_bar.addWidget(self.counters_label)
        log_bar.addWidget(self.follow_check)
        log_bar.addWidget(clear_button)
        log_box = QWidget()
        log_layout = QVBoxLayout(log_box)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addLayout(log_bar)
        log_layout.addWidget(self.log_view, 1)

        self.detail_view = MessageDetailView()
        self.handshake_pane = HandshakePane()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        self.tabs.addTab(self.detail_view, "Selected event")
        self.tabs.addTab(self.handshake_pane, "Handshake")

        self.composer = Composer()

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(log_box)
        right.addWidget(self.tabs)
        right.addWidget(self.composer)
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 3)
        right.setStretchFactor(2, 0)
        right.setSizes([430, 250, 110])

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(scroll)
        body.addWidget(right)
        body.setStretchFactor(0, 0)
        body.setStretchFactor(1, 1)
        body.setSizes([390, 890])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(self._top)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("actionQuit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        connection_menu = menu.addMenu("&Connection")
        self.action_connect = QAction(icon("connect"), "&Connect", self)
        self.action_connect.setObjectName("actionConnect")
        self.action_connect.triggered.connect(self.connect_from_form)
        self.action_close = QAction(icon("disconnect"), "C&lose", self)
        self.action_close.setObjectName("actionClose")
        self.action_close.triggered.connect(self.close_connection)
        self.action_ping = QAction(icon("ping"), "&Ping", self)
        self.action_ping.setObjectName("actionPing")
        self.action_ping.triggered.connect(lambda: self.controller.ping())
        for action in (self.action_connect, self.action_close, self.action_ping):
            connection_menu.addAction(action)

        log_menu = menu.addMenu("&Log")
        self.action_clear_log = QAction(icon("clear"), "C&lear log", self)
        self.action_clear_log.setObjectName("actionClearLog")
        self.action_clear_log.triggered.connect(self.clear_log)
        log_menu.addAction(self.action_clear_log)

        help_menu = menu.addMenu("&Help")
        about = QAction("&About wsinspector", self)
        about.setObjectName("actionAbout")
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _wire(self) -> None:
        self.connect_button.clicked.connect(self.connect_from_form)
        self.uri_edit.returnPressed.connect(self.connect_from_form)
        self.uri_edit.textEdited.connect(lambda _text: self.uri_error.hide())
        self.close_button.clicked.connect(self.close_connection)
        self._clear_button.clicked.connect(self.clear_log)
        self.controller.state_changed.connect(self._on_state)
        self.controller.handshake_changed.connect(self._on_handshake)
        self.controller.closed.connect(self._on_closed)
        self.controller.message_failed.connect(self.composer.show_error)
        self.composer.send_text.connect(self.controller.send_text)
        self.composer.send_binary.connect(self.controller.send_binary)
        self.composer.ping_requested.connect(lambda: self.controller.ping())
        self.model.rows_flushed.connect(self._on_rows_flushed)
        selection = self.log_view.selectionModel()
        selection.selectionChanged.connect(self._on_selection)
        self._countdown = QTimer(self)
        self._countdown.setInterval(100)
        self._countdown.timeout.connect(self._refresh_status_text)

    # -- commands ---------------------------------------------------------------------------

    def set_uri(self, uri: str) -> None:
        self.uri_edit.setText(uri)

    def set_options(self, options: ConnectionOptions) -> None:
        self.uri_edit.setText(options.uri)
        self.form.set_options(options)

    def connect_from_form(self) -> None:
        """Validate the form; connect when it is right, else show each problem by its field."""
        if self.controller.is_active:
            return
        options = self.form.to_options(self.uri_edit.text())
        errors = check_options(options)
        uri_errors = [error.message for error in errors if error.field == "uri"]
        self.uri_error.setText("\n".join(uri_errors))
        self.uri_error.setVisible(bool(uri_errors))
        self.form.show_errors(errors)
        if errors:
            return
        self._options = options
        self.setWindowTitle(f"wsinspector — {options.uri}")
        self.handshake_pane.clear()
        self.controller.connect_to(options)

    def close_connection(self) -> None:
        code, reason = self.close_code_spin.value(), self.close_reason_edit.text()
        errors = check_close(code, reason)
        self.close_error.setText("\n".join(error.message for error in errors))
        self.close_error.setVisible(bool(errors))
        if errors:
            return
        self.controller.close(code, reason)

    def clear_log(self) -> None:
        self.log.clear()
        self.detail_view.show_event(None)
        self._update_counters()

    # -- reactions --------------------------------------------------------------------------

    def _on_state(self, event: StateEvent) -> None:
        self._state_event = event
        self._retry_at = (
            event.mono + event.delay
            if event.state is ConnState.RECONNECTING and event.delay
            else None
        )
        self._apply_state(event.state, event.attempt)

    def _apply_state(self, state: ConnState, attempt: int = 0) -> None:
        label = self.status_label
        label.setProperty("state", state.value)
        label.setProperty("attempt", attempt)
        label.setStyleSheet(f"color: {STATE_COLORS[state]}; font-weight: bold;")
        active = state in ACTIVE_STATES
        self.connect_button.setEnabled(not active)
        self.action_connect.setEnabled(not active)
        self.close_button.setEnabled(active and state is not ConnState.CLOSING)
        self.action_close.setEnabled(self.close_button.isEnabled())
        is_open = state is ConnState.OPEN
        self.composer.set_connected(is_open)
        self.action_ping.setEnabled(is_open)
        insecure = (
            self._options is not None and self._options.is_secure and not self._options.tls_verify
        )
        self.tls_warning.setVisible(is_open and insecure)
        if self._retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()
        self._refresh_status_text()

    def _refresh_status_text(self) -> None:
        event = self._state_event
        if event is None:
            self.status_label.setText("Not connected. Enter a ws:// or wss:// URI and connect.")
            return
        uri = event.uri
        state = event.state
        if state is ConnState.CONNECTING:
            text = f"Connecting to {uri} …"
        elif state is ConnState.OPEN:
            text = f"Open — {uri}"
            websocket = self.controller.session.websocket if self.controller.session else None
            if websocket is not None and websocket.subprotocol:
                text += f" · subprotocol {websocket.subprotocol}"
        elif state is ConnState.CLOSING:
            text = "Closing …"
        elif state is ConnState.RECONNECTING:
            if self._retry_at is not None:
                remaining = max(0.0, self._retry_at - time.monotonic())
                when = f"in {remaining:.1f} s"
            else:
                when = "now"
            text = f"Reconnecting — attempt {event.attempt} {when}"
            if event.error:
                text += f" · last error: {event.error}"
        elif state is ConnState.FAILED:
            text = f"Failed — {event.error}" if event.error else "Failed"
        elif state is ConnState.CLOSED:
            text = self._closed_text or "Closed"
        else:
            text = "Not connected."
        self.status_label.setText(text)

    def _on_closed(self, event: CloseEvent) -> None:
        who = f" by the {event.initiator}" if event.initiator else ""
        reason = f" “{event.reason}”" if event.reason else ""
        self._closed_text = f"Closed{who}: {event.code} {close_code_name(event.code)}{reason}"
        self._refresh_status_text()

    def _on_handshake(self, event: HandshakeEvent) -> None:
        self.handshake_pane.show_handshake(event)
        if not event.accepted:
            self.tabs.setCurrentWidget(self.handshake_pane)

    def _on_rows_flushed(self, rows: int) -> None:
        if rows and self.follow_check.isChecked():
            self.log_view.scrollToBottom()
        self._update_counters()

    def _update_counters(self) -> None:
        counters = self.log.counters
        self.counters_label.setText(
            f"↑ {counters.messages_out:,} msgs · {human_size(counters.bytes_out)}    "
            f"↓ {counters.messages_in:,} msgs · {human_size(counters.bytes_in)}"
        )

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        index: QModelIndex = indexes[0]
        event = self.model.event_at(index.row())
        self.detail_view.show_event(event)
        if isinstance(event, HandshakeEvent):
            self.handshake_pane.show_handshake(event)

    def _about(self) -> None:
        # open(), not exec(): a nested event loop would re-enter qasync's running task.
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About wsinspector",
            f"wsinspector {wsinspector.__version__}\nA desktop WebSocket inspector.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- shutdown ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """First close: send the close frame (1001) and wait for it, bounded; then really close."""
        if self._may_close:
            self.model.detach()
            event.accept()
            self.closed_for_good.emit()
            return
        event.ignore()
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.get_running_loop().create_task(self._shutdown())

    async def _shutdown(self) -> None:
        try:
            await self.controller.shutdown()
        finally:
            self._may_close = True
            self.close()
