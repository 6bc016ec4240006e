"""One connection, one tab: URI bar, settings, status, log, detail and handshake panes, composer.

Everything that belongs to one connection lives here or in its core `Connection` (state,
countdown, last close, counters); the window only holds the pages and acts on the current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from PySide6.QtCore import QByteArray, QItemSelection, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from wsinspector.core.decoders.page import PageDecoder
from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.decoders.text import encode_json
from wsinspector.core.log.eventlog import DEFAULT_CAPACITY, Counters, EventLog
from wsinspector.core.log.events import (
    ConnState,
    ErrorKind,
    Event,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.storage.capture import CaptureStore, Recorder
from wsinspector.core.storage.logfiles import EntryLog, format_for_path
from wsinspector.core.storage.profiles import MessageMode, Profile, ProfileError, SavedMessage
from wsinspector.core.storage.profiles.commandline import parse_command_line
from wsinspector.core.text.formatting import human_size, parse_hex
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.state import Connection
from wsinspector.core.websocket.tlsinfo import describe_certificate, fetch_certificate
from wsinspector.core.websocket.validation import check_close, check_options, suggest_uri
from wsinspector.qt.dialogs.save_payload import save_payload
from wsinspector.qt.forms.composer import HEX, JSON, TEXT, Composer
from wsinspector.qt.forms.connection_form import ConnectionForm, error_label
from wsinspector.qt.forms.control_frames import ControlFrameBar
from wsinspector.qt.forms.saved_messages_view import SavedMessagesView
from wsinspector.qt.pages.controller import SessionController
from wsinspector.qt.pages.page_profile import ProfileBinding
from wsinspector.qt.pages.rate_view import RateView
from wsinspector.qt.widgets.elided_label import ElidedLabel
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.workspace.detail_view import MessageDetailView
from wsinspector.qt.workspace.handshake_pane import HandshakePane
from wsinspector.qt.workspace.log_export import ExportRunner, rows_of
from wsinspector.qt.workspace.log_view import LogPanel
from wsinspector.qt.workspace.logmodel import LogModel

STATE_COLORS = {
    ConnState.IDLE: "#6b7280",
    ConnState.CONNECTING: "#b7791f",
    ConnState.OPEN: "#2f855a",
    ConnState.CLOSING: "#b7791f",
    ConnState.CLOSED: "#6b7280",
    ConnState.RECONNECTING: "#b7791f",
    ConnState.FAILED: "#c53030",
}

NEW_PAGE_TITLE = "New connection"
# The log (with the composer) and the detail pane share the page's width in this proportion.
BODY_PROPORTIONS = (720, 540)


def title_for_uri(uri: str) -> str:
    """A tab title: host and path of the URI ("localhost:8765/chat"), or the text itself."""
    uri = uri.strip()
    if not uri:
        return NEW_PAGE_TITLE
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri
    if not parts.netloc:
        return uri
    path = parts.path if parts.path not in ("", "/") else ""
    return f"{parts.netloc}{path}"


class ConnectionPage(QWidget):
    """One connection page.

    Signals:
        title_changed(): the tab title or state changed (read `title()` and `state`).
        connect_started(str): a connection to this URI (as typed, before variables) starts.
        reopen_requested(object): ConnectionOptions of a logged connection to open again.
        profile_requested(object): ConnectionOptions of a logged connection to save as a profile.
        captured_session_requested(int): the id of a recorded session to open read-only (the
            whole session, when the live log dropped its older events).
    """

    title_changed = Signal()
    connect_started = Signal(str)
    reopen_requested = Signal(object)
    profile_requested = Signal(object)
    captured_session_requested = Signal(int)

    def __init__(
        self, parent: QWidget | None = None, *, capacity: int | None = DEFAULT_CAPACITY
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectionPage")
        self.read_only = False
        self._logged_options: ConnectionOptions | None = None
        # Recording to the capture (MainWindow.attach_capture): the store, the recording
        # under way, and the read-only log shown instead of self.log (a recorded session).
        self.capture: CaptureStore | None = None
        self.recorder: Recorder | None = None
        self.shown_source: EntryLog | None = None
        self.recorded_session: int | None = None  # the last session recorded from this page
        self.log = EventLog(capacity)
        self.connection = Connection(self.log)
        self.controller = SessionController(self.connection, self)
        self.model = LogModel(self.log, self)
        self._uri_title = NEW_PAGE_TITLE
        self._uri_suggestion = ""
        self.profile_binding = ProfileBinding(self)

        self._build_uri_bar()
        self.form = ConnectionForm()
        self.form.add_tab("Variables", self._build_variables_tab())
        self._build_status_area()
        body = self._build_body()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(self._uri_bar)
        layout.addWidget(self.form)
        layout.addWidget(self.status_area)
        layout.addWidget(body, 1)
        self._wire()
        self._apply_state()
        self._update_counters()

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
        log: EventLog | EntryLog = self.log if self.shown_source is None else self.shown_source
        source = log
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

    # -- read-only pages (imported logs, recorded sessions) ---------------------------------

    def show_events(self, title: str, events: Iterable[Event], source: str) -> None:
        """Turn this page into a read-only view of `events`: log, filter, detail, handshake.

        Nothing can be connected or sent from it; the URI bar shows where the events came
        from.
        """
        self._become_read_only(source)
        for event in events:
            self.log.append(event)
        self.model.flush()
        last = self.connection.last_handshake
        if last is not None:
            self.handshake_pane.show_handshake(last)
        self._finish_read_only(title, source, len(self.log))

    def show_source(
        self,
        title: str,
        source: EntryLog,
        description: str,
        *,
        counters: Counters | None = None,
        handshake: HandshakeEvent | None = None,
    ) -> None:
        """A read-only view of a log kept elsewhere (a recorded session read lazily from the
        capture): shown as it is, not copied into this page's log."""
        self._become_read_only(description)
        self.shown_source = source
        self.model.set_log(source)
        if counters is not None:
            self.log.counters = counters
        if handshake is not None:
            self.handshake_pane.show_handshake(handshake)
        self._finish_read_only(title, description, len(source))

    def _become_read_only(self, source: str) -> None:
        self.read_only = True
        self.stop_recording()
        self.record_check.hide()
        for widget in (
            self.connect_button,
            self.close_button,
            self.close_options_button,
            self.close_summary,
            self.composer,
            self.control_frames,
            self.rate_view,
            self.log_panel.frame_view_check,
        ):
            widget.hide()
        # Of the settings, only how binary payloads are decoded still means something here.
        self.form.keep_only_tab("Decoding")
        self.rate_view.stop()
        self.uri_edit.setText(source)
        self.uri_edit.setReadOnly(True)
        self.uri_edit.setClearButtonEnabled(False)

    def _finish_read_only(self, title: str, source: str, count: int) -> None:
        self._update_counters()
        self._uri_title = title
        self.status_label.setProperty("state", "readonly")
        self.status_label.setStyleSheet("color: #4a5568; font-weight: bold;")
        self.status_label.setText(f"Read-only: {count:,} events from {source}")
        self._countdown.stop()
        self.title_changed.emit()

    def offer_connections(self, connections: Mapping[int, ConnectionOptions]) -> None:
        """On a read-only page: open a logged connection again, or keep it as a profile."""
        if not connections:
            return
        self._logged_options = next(iter(connections.values()))
        self.reopen_button.show()
        self.keep_profile_button.show()

    def _reopen(self) -> None:
        options = self._logged_options
        if options is not None:
            self.reopen_requested.emit(options)

    def _keep_as_profile(self) -> None:
        options = self._logged_options
        if options is not None:
            self.profile_requested.emit(options)

    # -- building ---------------------------------------------------------------------------

    def _build_uri_bar(self) -> None:
        self.uri_edit = QLineEdit()
        self.uri_edit.setObjectName("uriEdit")
        self.uri_edit.setPlaceholderText("ws://localhost:8765/  or  wss://example.com/socket")
        self.uri_edit.setClearButtonEnabled(True)
        self.connect_button = QPushButton(icon("connect"), "Connect")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setDefault(True)
        self.close_button = QPushButton(icon("disconnect"), "Close")
        self.close_button.setObjectName("closeButton")
        self.close_button.setToolTip("Close cleanly with the code and reason under ▾")

        # The close code and reason live in the Close button's drop-down: set once, rarely
        # changed, and out of the URI bar's way.
        self.close_code_spin = QSpinBox()
        self.close_code_spin.setObjectName("closeCodeSpin")
        self.close_code_spin.setRange(1000, 4999)
        self.close_code_spin.setValue(1000)
        self.close_code_spin.setToolTip("Close code: 1000 normal, 3000-4999 for applications")
        self.close_reason_edit = QLineEdit()
        self.close_reason_edit.setObjectName("closeReasonEdit")
        self.close_reason_edit.setPlaceholderText("close reason (optional)")
        self.close_options_button = QToolButton()
        self.close_options_button.setObjectName("closeOptionsButton")
        self.close_options_button.setText("▾")
        self.close_options_button.setToolTip("Close code and reason")
        self.close_options_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.close_options_button)
        menu.setObjectName("closeOptionsMenu")
        box = QWidget()
        box_layout = QHBoxLayout(box)
        box_layout.setContentsMargins(8, 6, 8, 6)
        box_layout.addWidget(QLabel("Close code"))
        box_layout.addWidget(self.close_code_spin)
        box_layout.addWidget(self.close_reason_edit, 1)
        box.setMinimumWidth(360)
        action = QWidgetAction(menu)
        action.setDefaultWidget(box)
        menu.addAction(action)
        self.close_options_button.setMenu(menu)
        self.record_check = QCheckBox("Record")
        self.record_check.setObjectName("recordCheck")
        self.record_check.setChecked(True)
        self.record_check.setToolTip(
            "Keep this connection's traffic in the capture, to reopen and search later."
            " Switch it off for private traffic."
        )
        self.record_check.setEnabled(False)  # until the window gives the page its capture
        self.close_summary = QLabel()
        self.close_summary.setObjectName("closeSummaryLabel")
        self.close_summary.setStyleSheet("color: #6b7280;")

        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.profile_binding.environment_combo)
        row.addWidget(self.profile_binding.environments_button)
        row.addWidget(self.uri_edit, 1)
        row.addWidget(self.connect_button)
        row.addWidget(self.close_button)
        row.addWidget(self.close_options_button)
        row.addWidget(self.record_check)
        row.addWidget(self.close_summary)
        self._uri_bar = row

    def _build_variables_tab(self) -> QWidget:
        tab = QWidget()
        layout = QHBoxLayout(tab)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.profile_binding.variables, 3)
        layout.addWidget(self.profile_binding.secrets, 2)
        return tab

    def _build_status_area(self) -> None:
        """Status, warnings and errors in one strip of fixed height: nothing below jumps."""
        # The strip holds two lines: a longer status (a reconnect's last error) ends in "…"
        # with the whole of it in the tooltip, rather than the strip growing. While
        # reconnecting the status alternates between a short "Connecting …" and a long
        # "Reconnecting … last error: …" on every attempt; a growing strip would bounce the
        # log up and down each time. The error is also a row of the log, shown in full.
        self.status_label = ElidedLabel(max_lines=2)
        self.status_label.setObjectName("connectionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setMinimumWidth(200)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.tls_warning = QLabel(
            "⚠ TLS verification is off: this connection is encrypted, but the server's "
            "identity is not checked."
        )
        self.tls_warning.setObjectName("tlsWarningLabel")
        self.tls_warning.setStyleSheet(
            "background: #fefcbf; color: #744210; padding: 3px 6px; border-radius: 3px;"
        )
        self.tls_warning.setWordWrap(True)
        self.tls_warning.setMaximumWidth(420)
        self.tls_warning.hide()
        self.uri_error = error_label("uriError")
        self.uri_error.setTextFormat(Qt.TextFormat.PlainText)
        self.uri_fix_button = QPushButton()
        self.uri_fix_button.setObjectName("uriFixButton")
        self.uri_fix_button.hide()
        self.close_error = error_label("closeError")
        self.ca_file_button = QPushButton("Use a CA file…")
        self.ca_file_button.setObjectName("useCaFileButton")
        self.ca_file_button.setToolTip("Trust the server's CA from a PEM file, and connect again")
        self.reopen_button = QPushButton("Open this connection again")
        self.reopen_button.setObjectName("reopenConnectionButton")
        self.reopen_button.setToolTip(
            "A new tab with this log's URI, headers and subprotocols, ready to connect or save"
        )
        self.reopen_button.hide()
        self.keep_profile_button = QPushButton("Save as profile…")
        self.keep_profile_button.setObjectName("logToProfileButton")
        self.keep_profile_button.setToolTip("Keep this log's URI, headers and subprotocols")
        self.keep_profile_button.hide()
        self.no_verify_button = QPushButton("Connect without verification")
        self.no_verify_button.setObjectName("skipVerificationButton")
        self.no_verify_button.setToolTip(
            "Turn certificate and host name checks off for this connection, and connect again"
        )
        self.certificate_label = QLabel()
        self.certificate_label.setObjectName("certificateLabel")
        self.certificate_label.setTextFormat(Qt.TextFormat.PlainText)
        self.certificate_label.setWordWrap(True)
        self.certificate_label.setStyleSheet("color: #4a5568;")
        for widget in (self.ca_file_button, self.no_verify_button, self.certificate_label):
            widget.hide()

        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(0)
        left.addWidget(self.status_label)
        left.addWidget(self.certificate_label)
        left.addWidget(self.uri_error)
        left.addWidget(self.close_error)
        left.addStretch(1)
        right = QHBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.reopen_button)
        right.addWidget(self.keep_profile_button)
        right.addWidget(self.uri_fix_button)
        right.addWidget(self.ca_file_button)
        right.addWidget(self.no_verify_button)
        right.addWidget(self.tls_warning)
        # The page's status bar also shows the rates each way and the last round trip, with a
        # chart of the last minutes; in this strip it takes no height from the log.
        self.rate_view = RateView(self.log, lambda: self.controller.last_rtt)
        self.rate_label = self.rate_view.label
        right.addWidget(self.rate_view)
        strip = QHBoxLayout()
        strip.setContentsMargins(4, 2, 4, 2)
        strip.addLayout(left, 1)
        strip.addLayout(right)
        self.status_area = QFrame()
        self.status_area.setObjectName("statusArea")
        self.status_area.setLayout(strip)
        self.status_area.setFixedHeight(self.fontMetrics().height() * 2 + 10)

    def _build_body(self) -> QSplitter:
        self.log_panel = LogPanel(self.model)
        self.log_view = self.log_panel.view
        self.counters_label = self.log_panel.counters_label
        self.follow_check = self.log_panel.follow_check
        self.composer = Composer()
        self.control_frames = ControlFrameBar()
        composer_box = QWidget()
        composer_layout = QVBoxLayout(composer_box)
        composer_layout.setContentsMargins(0, 0, 0, 0)
        composer_layout.setSpacing(2)
        composer_layout.addWidget(self.composer, 1)
        composer_layout.addWidget(self.control_frames)
        self.detail_view = MessageDetailView()
        self.handshake_pane = HandshakePane()
        self.detail_tabs = QTabWidget()
        self.detail_tabs.setObjectName("detailTabs")
        self.detail_tabs.addTab(self.detail_view, "Selected event")
        self.detail_tabs.addTab(self.handshake_pane, "Handshake")
        self.saved_messages = SavedMessagesView()
        self.saved_messages_tab = self.detail_tabs.addTab(self.saved_messages, "Saved messages")
        self.detail_tabs.setTabVisible(self.saved_messages_tab, False)

        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("logComposerSplitter")
        self.left_splitter.addWidget(self.log_panel)
        self.left_splitter.addWidget(composer_box)
        self.left_splitter.setStretchFactor(0, 1)
        self.left_splitter.setStretchFactor(1, 0)
        self.left_splitter.setSizes([520, 120])
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
        return self.body_splitter

    def _wire(self) -> None:
        self.connect_button.clicked.connect(self.connect_from_form)
        self.uri_edit.returnPressed.connect(self.connect_from_form)
        self.uri_edit.textEdited.connect(self._on_uri_edited)
        self.uri_fix_button.clicked.connect(self._apply_uri_fix)
        self.reopen_button.clicked.connect(self._reopen)
        self.keep_profile_button.clicked.connect(self._keep_as_profile)
        self.close_button.clicked.connect(self.close_connection)
        self.record_check.toggled.connect(self._on_record_toggled)
        self.close_code_spin.valueChanged.connect(self._update_close_summary)
        self.close_reason_edit.textChanged.connect(self._update_close_summary)
        self.ca_file_button.clicked.connect(self._choose_ca_file)
        self.no_verify_button.clicked.connect(self._connect_without_verification)
        self.log_panel.clear_requested.connect(self.clear_log)
        # The detail view marks what the log filter looks for.
        self.log_panel.filter_bar.filter_changed.connect(
            lambda log_filter: self.detail_view.set_highlight(
                log_filter.text if log_filter is not None else "",
                log_filter.regex if log_filter is not None else False,
            )
        )
        self.log_view.resend_requested.connect(self._resend)
        self.log_view.save_requested.connect(self._save_payload)
        self.log_view.whole_session_requested.connect(self._open_whole_session)
        self.controller.state_changed.connect(self._on_state)
        self.controller.handshake_changed.connect(self._on_handshake)
        self.controller.closed.connect(lambda _event: self._refresh_status_text())
        self.controller.message_failed.connect(self.composer.show_error)
        self.composer.send_text.connect(self._send_text)
        self.form.edited.connect(self.title_changed)
        self.form.edited.connect(lambda: self.profile_binding.show_secrets(self.form_options()))
        self.composer.save_requested.connect(self.saved_messages.save_new)
        self.saved_messages.send_requested.connect(self._send_saved)
        self.saved_messages.messages_changed.connect(self._save_messages)
        self.exporter = ExportRunner(self)
        self.exporter.progress.connect(self._on_export_progress)
        self.exporter.finished.connect(self._on_export_done)
        self.exporter.failed.connect(self._on_export_failed)
        self.log_panel.export_cancel_button.clicked.connect(self.exporter.cancel)
        self.profile_binding.changed.connect(self.title_changed)
        self.composer.send_binary.connect(self.controller.send_binary)
        self.composer.send_file.connect(self._send_file)
        self.composer.send_encoded.connect(self._send_encoded)
        self.composer.ping_requested.connect(self.ping)
        self.control_frames.pong_requested.connect(self.pong)
        self.log_panel.frame_view_check.toggled.connect(self.controller.set_record_frames)
        self.model.rows_flushed.connect(lambda _rows: self._update_counters())
        self.log_view.selectionModel().selectionChanged.connect(self._on_selection)
        self.form.decoder_tab.decoder_changed.connect(self._set_decoder)
        self._countdown = QTimer(self)
        self._countdown.setInterval(100)
        self._countdown.timeout.connect(self._refresh_status_text)
        self._update_close_summary()

    # -- what the window asks ---------------------------------------------------------------

    @property
    def state(self) -> ConnState:
        return self.connection.state

    @property
    def is_active(self) -> bool:
        return self.controller.is_active

    def title(self) -> str:
        """The profile's name (marked • when the form differs from it), else host and path."""
        profile = self.profile_binding.profile
        if profile is None:
            return self._uri_title
        return f"{profile.name} •" if self.is_modified() else profile.name

    def form_options(self) -> ConnectionOptions:
        """The options as the form holds them, {{variables}} unresolved."""
        return self.form.to_options(self.uri_edit.text())

    def is_modified(self) -> bool:
        return self.profile_binding.is_modified(self.form_options())

    def set_profile(self, profile: Profile, *, fill_form: bool = True) -> None:
        """Fill the page from a saved profile; its name becomes the tab title."""
        if fill_form:
            self.set_options(profile.options)
        self.profile_binding.set_profile(profile)
        self.saved_messages.set_messages(profile.messages)
        self.detail_tabs.setTabVisible(self.saved_messages_tab, True)
        self.composer.set_can_save(True)
        self.title_changed.emit()

    def _save_messages(self, messages: tuple[SavedMessage, ...]) -> None:
        binding = self.profile_binding
        profile = binding.with_messages(messages)
        if profile is None or binding.store is None:
            return
        try:
            binding.set_profile(binding.store.save(profile))
        except ProfileError as exc:
            self.composer.show_error(f"Not saved: {exc}")

    def _send_saved(self, message: SavedMessage) -> None:
        text, errors = self.profile_binding.resolve_message(message.text)
        if errors:
            self.composer.show_error("Not sent: " + "; ".join(e.message for e in errors))
            return
        if message.mode is MessageMode.BINARY:
            try:
                self.controller.send_binary(parse_hex(text))
            except ValueError as exc:
                self.composer.show_error(f"Not sent: {exc}")
            return
        self.controller.send_text(text)

    def set_uri(self, uri: str) -> None:
        self.uri_edit.setText(uri)
        self._set_title(title_for_uri(uri))

    def set_options(self, options: ConnectionOptions) -> None:
        self.set_uri(options.uri)
        self.form.set_options(options)

    def connect_from_form(self) -> None:
        """Validate the form; connect when it is right, else show each problem by its field."""
        if self.controller.is_active:
            return
        typed = self.form_options()
        options, errors = self.profile_binding.resolve_options(typed)
        # A field with an undefined variable is reported as such, not as malformed too.
        undefined = {(error.field, error.row) for error in errors}
        errors += [
            error
            for error in check_options(options)
            if (error.field, error.row) not in undefined and (error.field, None) not in undefined
        ]
        uri_errors = [error.message for error in errors if error.field == "uri"]
        self._show_uri_errors(uri_errors)
        self.form.show_errors(errors)
        if errors:
            return
        self._set_title(title_for_uri(options.uri))
        self.handshake_pane.clear()
        self._hide_remedies()
        self.connect_started.emit(typed.uri)
        self.controller.connect_to(options)

    def _send_text(self, text: str) -> None:
        resolved, errors = self.profile_binding.resolve_message(text)
        if errors:
            self.composer.show_error("Not sent: " + "; ".join(e.message for e in errors))
            return
        self.controller.send_text(resolved)

    def _send_file(self, path: str) -> None:
        status = self.composer.file_status
        if status.busy:
            self.composer.show_error("Not sent: a file is still being sent; wait, or cancel it")
            return
        sending = self.controller.send_file(path)
        if sending is not None and sending[0].streamed:
            status.track(*sending)

    def _send_encoded(self, text: str, kind: DecoderKind) -> None:
        """JSON from the composer, its {{variables}} filled, sent as MessagePack or CBOR."""
        resolved, errors = self.profile_binding.resolve_message(text)
        if errors:
            self.composer.show_error("Not sent: " + "; ".join(e.message for e in errors))
            return
        try:
            payload = encode_json(resolved, kind)
        except ValueError as exc:
            self.composer.show_error(f"Not sent: {exc}")
            return
        self.controller.send_binary(payload)

    def close_connection(self) -> None:
        code, reason = self.close_code_spin.value(), self.close_reason_edit.text()
        errors = check_close(code, reason)
        self.close_error.setText("\n".join(error.message for error in errors))
        self.close_error.setVisible(bool(errors))
        if errors:
            return
        self.controller.close(code, reason)

    def ping(self) -> None:
        """Send a ping with the payload typed under the composer (random bytes when empty)."""
        payload = self.control_frames.payload()
        if payload is not None:
            self.controller.ping(payload or None)

    def pong(self) -> None:
        """Send an unsolicited pong with the payload typed under the composer."""
        payload = self.control_frames.payload()
        if payload is not None:
            self.controller.pong(payload)

    def clear_log(self) -> None:
        if self.recorder is not None:
            self.recorder.flush()  # what was shown stays in the capture
        self.log.clear()
        self.detail_view.show_event(None)
        self._update_counters()

    def focus_uri(self) -> None:
        self.uri_edit.setFocus()
        self.uri_edit.selectAll()

    async def shutdown(self, reason: str = "client shutting down") -> None:
        """Close the connection (1001, bounded in time) and stop everything of this page."""
        self._countdown.stop()
        self.rate_view.stop()
        if self.exporter.running:
            self.exporter.cancel()
        await self.controller.shutdown(reason)
        self.stop_recording()
        self.model.detach()

    def splitter_state(self) -> dict[str, QByteArray]:
        return {
            "body": self.body_splitter.saveState(),
            "left": self.left_splitter.saveState(),
        }

    def restore_splitters(self, states: dict[str, QByteArray]) -> None:
        if "body" in states:
            self.body_splitter.restoreState(states["body"])
        if "left" in states:
            self.left_splitter.restoreState(states["left"])

    # -- recording --------------------------------------------------------------------------

    def attach_capture(self, capture: CaptureStore | None) -> None:
        """Record this page's connections into `capture` (None: nowhere, the box is off)."""
        self.capture = capture
        self.record_check.setEnabled(capture is not None and not self.read_only)
        if capture is None:
            self.record_check.setToolTip("Not recording: the capture database can't be used.")

    def start_recording(self, from_id: int | None = None) -> Recorder | None:
        """Record from the event `from_id` (default: the next one) until the connection
        ends; a recording under way is ended first."""
        if self.capture is None or self.read_only or self.capture.closed:
            return None
        self.stop_recording()
        options = self.connection.options
        profile = self.profile_binding.profile
        self.recorder = self.capture.start_recording(
            self.log,
            uri=options.uri if options is not None else self.uri_edit.text(),
            profile=profile.name if profile is not None else "",
            options=options,
            from_id=from_id,
        )
        self.recorded_session = self.recorder.session_id
        self.log_view.whole_session_offered = True
        return self.recorder

    def stop_recording(self, words: str | None = None) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None and recorder.recording:
            recorder.stop(words, wait=None)

    def _open_whole_session(self) -> None:
        if self.recorded_session is not None:
            self.captured_session_requested.emit(self.recorded_session)

    def _on_record_toggled(self, on: bool) -> None:
        if not on:
            self.stop_recording("recording switched off")
        elif self.connection.is_active and (self.recorder is None or not self.recorder.recording):
            self.start_recording()

    # -- reactions --------------------------------------------------------------------------

    def _set_title(self, title: str) -> None:
        if title != self._uri_title:
            self._uri_title = title
            self.title_changed.emit()

    def _on_state(self, event: StateEvent) -> None:
        if event.state is ConnState.CONNECTING and self.record_check.isChecked():
            # A new session begins with this event (log[-1]): it is the first recorded.
            self.start_recording(self.log.next_id - 1)
        self._apply_state()
        self.title_changed.emit()

    def _apply_state(self) -> None:
        if self.read_only:
            return
        state = self.connection.state
        event = self.connection.state_event
        label = self.status_label
        label.setProperty("state", state.value)
        label.setProperty("attempt", event.attempt if event is not None else 0)
        label.setStyleSheet(f"color: {STATE_COLORS[state]}; font-weight: bold;")
        active = self.connection.is_active
        self.connect_button.setEnabled(not active)
        self.close_button.setEnabled(active and state is not ConnState.CLOSING)
        is_open = state is ConnState.OPEN
        self.composer.set_connected(is_open)
        self.control_frames.set_connected(is_open)
        options = self.connection.options
        insecure = options is not None and options.is_secure and not options.tls_verify
        self.tls_warning.setVisible(is_open and insecure)
        if self.connection.retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()
        if state is ConnState.FAILED:
            self._offer_remedies()
        self._refresh_status_text()

    def _refresh_status_text(self) -> None:
        self.status_label.setText(self.connection.status_text())

    def _on_handshake(self, event: HandshakeEvent) -> None:
        self.handshake_pane.show_handshake(event)
        if not event.accepted:
            self.detail_tabs.setCurrentWidget(self.handshake_pane)

    def _update_counters(self) -> None:
        counters = self.log.counters
        self.counters_label.setText(
            f"↑ {counters.messages_out:,} msgs · {human_size(counters.bytes_out)}    "
            f"↓ {counters.messages_in:,} msgs · {human_size(counters.bytes_in)}"
        )

    def _update_close_summary(self) -> None:
        code, reason = self.close_code_spin.value(), self.close_reason_edit.text()
        default = code == 1000 and not reason
        self.close_summary.setText("" if default else f"{code} {reason}".strip())
        self.close_error.hide()

    def _set_decoder(self, decoder: PageDecoder) -> None:
        """The Decoding tab's decoder, for the log's Data column, the filter and the detail."""
        line = decoder.line if decoder.active else None
        self.model.set_decoder(line)
        self.log_panel.decode = line
        if self.log_panel.filter_bar.text_edit.text():  # filter again, with decoded text
            self.log_panel.filter_bar.apply()
        self.detail_view.set_decoder(decoder)

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        events = self.log_view.selected_events()
        if len(events) != 1:
            return
        (event,) = events
        self.detail_view.show_event(event)
        if isinstance(event, HandshakeEvent):
            self.handshake_pane.show_handshake(event)

    def _resend(self, event: MessageEvent) -> None:
        text = event.decoded()
        if text is None:
            self.composer.set_draft(event.data.hex(" "), HEX)
        else:
            self.composer.set_draft(
                text, JSON if self.composer.format_combo.currentText() == JSON else TEXT
            )

    def _save_payload(self, event: MessageEvent) -> None:
        outcome = save_payload(self, event)
        if outcome is not None and not outcome.saved:
            self.composer.show_error(outcome.words)

    # -- help for bad input and failures ----------------------------------------------------

    def _on_uri_edited(self, text: str) -> None:
        self.uri_error.hide()
        self.uri_fix_button.hide()
        parsed = parse_command_line(text) if " " in text.strip() else None
        if parsed is not None:
            # A pasted wscat, websocat or curl command line fills the whole form.
            self.set_options(parsed.options)
            ignored = f"; not used: {' '.join(parsed.ignored)}" if parsed.ignored else ""
            self.status_label.setText(f"Filled from a {parsed.tool} command line{ignored}.")
            return
        self._set_title(title_for_uri(text))
        self.title_changed.emit()

    def _show_uri_errors(self, messages: list[str]) -> None:
        self.uri_error.setText("\n".join(messages))
        self.uri_error.setVisible(bool(messages))
        suggestion = suggest_uri(self.uri_edit.text()) if messages else None
        self._uri_suggestion = suggestion or ""
        if suggestion:
            self.uri_fix_button.setText(f"Use {suggestion}")
        self.uri_fix_button.setVisible(bool(suggestion))

    def _apply_uri_fix(self) -> None:
        """The user took the suggested URI: use it and connect."""
        self.set_uri(self._uri_suggestion)
        self.uri_fix_button.hide()
        self.uri_error.hide()
        self.connect_from_form()

    def _offer_remedies(self) -> None:
        """An untrusted certificate: offer a CA file or no verification, show the certificate."""
        error = self.connection.last_error
        options = self.connection.options
        if error is None or error.kind is not ErrorKind.TLS_UNTRUSTED or options is None:
            return
        self.ca_file_button.show()
        self.no_verify_button.show()
        self.certificate_label.setText("Reading the server's certificate …")
        self.certificate_label.show()
        self.controller.spawn(self._show_certificate(options.uri))

    async def _show_certificate(self, uri: str) -> None:
        info = await fetch_certificate(uri)
        if not self.certificate_label.isHidden():
            self.certificate_label.setText(
                describe_certificate(info).replace("\n", " · ")
                if info is not None
                else "The server's certificate could not be read."
            )

    def _hide_remedies(self) -> None:
        for widget in (self.ca_file_button, self.no_verify_button, self.certificate_label):
            widget.hide()

    def _choose_ca_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Trust the CA certificates in", "", "PEM files (*.pem *.crt *.cer);;All (*)"
        )
        if path:
            self.form.ca_file_edit.setText(path)
            self.form.tls_verify_check.setChecked(True)
            self.connect_from_form()

    def _connect_without_verification(self) -> None:
        self.form.tls_verify_check.setChecked(False)
        self.connect_from_form()
