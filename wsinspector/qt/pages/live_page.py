"""A live page: one client connection, one tab.

What a live connection needs around its LogWorkspace: the URI bar (environment, Connect,
Close with its code and reason, Record), the settings, the status strip (status_strip.py: state,
warnings, remedies for a bad URI or an untrusted certificate, rates), and the composer with the
profile's saved messages. Everything of the connection itself lives in its core `ConnectionState`
(state, countdown, last close, counters); when to record is the core RecordingPolicy's
decision; every send path prepares its message with core's `prepare_message`.

objectNames: `connectionPage`, `uriEdit`, `connectButton`, `closeButton`, `closeOptionsButton`,
`closeOptionsMenu`, `closeCodeSpin`, `closeReasonEdit`, `recordCheck`, `closeSummaryLabel`;
the status strip, form, composer, message preview, saved messages, Scripts tab, workspace and
protocol bar and composer (qt/forms/protocol_bar.py, protocol_composer.py,
pages/protocol_binding.py) name their own.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.log.eventlog import DEFAULT_CAPACITY, EventLog
from wsinspector.core.log.events import (
    ConnState,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.protocols.registry import prepare as prepare_for_protocol
from wsinspector.core.storage.capture import CaptureStore, Recorder
from wsinspector.core.storage.capture.policy import RecordingPolicy, RecordingTarget
from wsinspector.core.storage.profiles import MessageMode, Profile, ProfileError, SavedMessage
from wsinspector.core.storage.profiles.commandline import ParsedCommand
from wsinspector.core.storage.profiles.outgoing import Encoding
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.state import IDLE_TEXT, ConnectionState
from wsinspector.core.websocket.validation import check_close, check_options
from wsinspector.qt.forms.composer import HEX, JSON, TEXT, Composer
from wsinspector.qt.forms.connection_form import ConnectionForm
from wsinspector.qt.forms.control_frames import ControlFrameBar
from wsinspector.qt.forms.message_preview import MessagePreview
from wsinspector.qt.forms.repeat_sender import RepeatSender
from wsinspector.qt.forms.saved_messages_view import SavedMessagesView
from wsinspector.qt.forms.uri_commands import CommandLineEntry
from wsinspector.qt.pages.controller import SessionController
from wsinspector.qt.pages.live_remedies import Remedies
from wsinspector.qt.pages.page import NEW_PAGE_TITLE, STATE_COLORS, Page, title_for_uri
from wsinspector.qt.pages.page_profile import ProfileBinding
from wsinspector.qt.pages.protocol_binding import ProtocolBinding
from wsinspector.qt.pages.scripts_panel import ScriptsPanel, page_target
from wsinspector.qt.pages.status_strip import StatusStrip
from wsinspector.qt.widgets.icons import icon
from wsinspector.qt.workspace.workspace import LogWorkspace

__all__ = ["STATE_COLORS", "LivePage", "title_for_uri"]


READY_TEXT: Final = "Not connected. Connect (F5) opens the URI above."


class LivePage(Page):
    """One live connection page.

    Signals:
        title_changed(): the tab title or state changed (read `title()` and `state`).
        connect_started(str): a connection to this URI (as typed, before variables) starts.
        captured_session_requested(int): the id of a recorded session to open read-only (the
            whole session, when the live log dropped its older events).
    """

    connect_started = Signal(str)
    captured_session_requested = Signal(int)

    def __init__(
        self, parent: QWidget | None = None, *, capacity: int | None = DEFAULT_CAPACITY
    ) -> None:
        log = EventLog(capacity)
        super().__init__(LogWorkspace(log), parent)
        self.setObjectName("connectionPage")
        self.log = log
        self.connection = ConnectionState(log)
        # Listens before the controller: a recording has begun when the page hears of the
        # state that began it. The capture comes with attach_capture().
        self.recording_policy = RecordingPolicy(None, log, self._recording_target)
        self.controller = SessionController(self.connection, self)
        self._uri_title = NEW_PAGE_TITLE
        self.profile_binding = ProfileBinding(self)
        self.remedies = Remedies(self)

        self._build_uri_bar()
        self.form = ConnectionForm()
        self.form.add_tab("Variables", self._build_variables_tab())
        self.scripts = ScriptsPanel(
            self.log,
            self.controller,
            lambda: page_target(self.form_options(), self.profile_binding),
            self.workspace.log_view.select_log_index,
        )
        self.form.add_tab("Scripts", self.scripts)
        self.status_area = StatusStrip(self.log, lambda: self.controller.last_rtt)
        strip = self.status_area
        self.status_label, self.tls_warning = strip.status_label, strip.tls_warning
        self.uri_error, self.uri_fix_button = strip.uri_error, strip.uri_fix_button
        self.close_error, self.certificate_label = strip.close_error, strip.certificate_label
        self.ca_file_button, self.no_verify_button = strip.ca_file_button, strip.no_verify_button
        self.rate_view, self.rate_label = strip.rate_view, strip.rate_view.label
        self._build_composer()
        self.protocols = ProtocolBinding(self)
        self._composer_layout.insertWidget(0, self.protocols.composer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        # Before the URI, as Postman's request kind: no row taken from the log.
        self._uri_bar.insertWidget(0, self.protocols.bar)
        layout.addLayout(self._uri_bar)
        layout.addWidget(self.form)
        layout.addWidget(self.status_area)
        layout.addWidget(self.workspace, 1)
        self._wire()
        self._apply_state()
        self._update_counters()

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

    def _build_composer(self) -> None:
        """The composer and control frames under the log; saved messages beside the detail."""
        self.composer = Composer()
        self.control_frames = ControlFrameBar()
        composer_box = QWidget()
        composer_layout = QVBoxLayout(composer_box)
        composer_layout.setContentsMargins(0, 0, 0, 0)
        composer_layout.setSpacing(2)
        composer_layout.addWidget(self.composer, 1)
        self.message_preview = MessagePreview(
            self.composer.message_edit, self.profile_binding.preview_message
        )
        composer_layout.addWidget(self.message_preview)
        self.repeat_sender = RepeatSender(
            self.composer,
            lambda: self.saved_messages.selected_message(),
            self._repeat_composed,
            self._repeat_saved,
        )
        composer_layout.addLayout(self.repeat_sender.row_beside(self.control_frames))
        composer_layout.addWidget(self.repeat_sender)
        self._composer_layout = composer_layout
        self.workspace.put_under_log(composer_box)
        self.detail_tabs = self.workspace.detail_tabs
        self.saved_messages = SavedMessagesView()
        self.saved_messages_tab = self.detail_tabs.addTab(self.saved_messages, "Saved messages")
        self.detail_tabs.setTabVisible(self.saved_messages_tab, False)
        self.counters_label = self.workspace.counters_label
        self.follow_check = self.workspace.follow_check
        self.left_splitter = self.workspace.left_splitter
        self.body_splitter = self.workspace.body_splitter

    def _wire(self) -> None:
        self.connect_button.clicked.connect(self.connect_from_form)
        self.uri_edit.returnPressed.connect(self.connect_from_form)
        self.uri_edit.textEdited.connect(self._on_uri_edited)
        self.uri_edit.textChanged.connect(self.form.proxy_tab.show_uri)
        self.command_entry = CommandLineEntry(self.uri_edit)
        self.command_entry.parsed.connect(self._fill_from_command)
        self.command_entry.usage_line.connect(lambda words: self.remedies.show_uri_errors([words]))
        self.uri_edit.textChanged.connect(lambda _text: self._refresh_idle_hint())
        self.uri_fix_button.clicked.connect(self.remedies.apply_uri_fix)
        self.close_button.clicked.connect(self.close_connection)
        self.record_check.toggled.connect(self._on_record_toggled)
        self.close_code_spin.valueChanged.connect(self._update_close_summary)
        self.close_reason_edit.textChanged.connect(self._update_close_summary)
        self.ca_file_button.clicked.connect(self.remedies.choose_ca_file)
        self.no_verify_button.clicked.connect(self.remedies.connect_without_verification)
        self.log_panel.clear_requested.connect(self.clear_log)
        self.log_view.resend_requested.connect(self._resend)
        self.workspace.problem.connect(self.composer.show_error)
        self.log_view.whole_session_requested.connect(self._open_whole_session)
        self.controller.state_changed.connect(self._on_state)
        self.controller.handshake_changed.connect(self._on_handshake)
        self.controller.handshake_changed.connect(self.form.cookies_tab.take_set_cookies)
        self.controller.closed.connect(lambda _event: self._refresh_status_text())
        self.controller.message_failed.connect(self.composer.show_error)
        self.composer.send_text.connect(self._send_text)
        self.form.edited.connect(self.title_changed)
        self.form.edited.connect(lambda: self.profile_binding.show_secrets(self.form_options()))
        self.composer.save_requested.connect(self.protocols.save_new)
        self.saved_messages.send_requested.connect(self._send_saved)
        self.saved_messages.load_requested.connect(self.protocols.load)
        self.saved_messages.messages_changed.connect(self._save_messages)
        self.profile_binding.changed.connect(self.title_changed)
        self.profile_binding.changed.connect(self.message_preview.schedule)
        self.composer.send_binary.connect(self.controller.send_binary)
        self.composer.send_file.connect(self._send_file)
        self.composer.send_encoded.connect(self._send_encoded)
        self.composer.ping_requested.connect(self.ping)
        self.control_frames.pong_requested.connect(self.pong)
        self.log_panel.frame_view_check.toggled.connect(self.controller.set_record_frames)
        self.model.rows_flushed.connect(lambda _rows: self._update_counters())
        self.form.decoder_tab.decoder_changed.connect(self.workspace.set_decoder)
        self._countdown = QTimer(self)
        self._countdown.setInterval(100)
        self._countdown.timeout.connect(self._refresh_status_text)
        self._update_close_summary()

    # -- what the window asks ---------------------------------------------------------------

    @property
    def state(self) -> ConnState:
        return self.connection.state

    @property
    def is_running(self) -> bool:
        return self.controller.is_running

    def location(self) -> str:
        return self.uri_edit.text()

    def title(self) -> str:
        """The profile's name (marked • when the form differs from it), else host and path."""
        profile = self.profile_binding.profile
        if profile is None:
            return self._uri_title
        return f"{profile.name} •" if self.is_modified() else profile.name

    def form_options(self) -> ConnectionOptions:
        """The options as the form holds them, {{variables}} unresolved."""
        return self.protocols.apply(self.form.to_options(self.uri_edit.text()))

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
        # A secret the keyring could not give loaded as "": say so before it is sent empty.
        store = self.profile_binding.store
        unread = store.unread_secrets(profile.id) if store is not None else None
        if unread is not None:
            self.status_label.setText(unread.words(f"Profile “{profile.name}”") + ".")

    def _save_messages(self, messages: tuple[SavedMessage, ...]) -> None:
        binding = self.profile_binding
        profile = binding.with_messages(messages)
        if profile is None or binding.store is None:
            return
        try:
            binding.set_profile(binding.store.save(profile))
        except ProfileError as exc:
            self.composer.show_error(f"Not saved: {exc}")

    # -- sending: every path prepares its message the one way (core's prepare_message) -----

    def _send_prepared(self, text: str, encoding: Encoding) -> str:
        """Send one message: "" when sent, else why not (also shown under the composer)."""
        prepared = self.profile_binding.prepare_message(text, encoding)
        payload = prepared.payload
        if payload is None:
            self.composer.show_error(f"Not sent: {prepared.problem}")
            return prepared.problem
        if isinstance(payload, bytes):
            self.controller.send_binary(payload)
        else:
            self.controller.send_text(payload)
        return ""

    def _send_saved(self, message: SavedMessage) -> None:
        self._repeat_saved(message)

    def _repeat_saved(self, message: SavedMessage) -> str:
        """Send a saved message, in its protocol if it has one: "" when sent, else why not."""
        if message.protocol:
            return self.protocols.send_saved(message)
        return self._send_prepared(message.text, message.mode)

    def _repeat_composed(self, text: str, encoding: Encoding) -> str:
        """Send the composer's message, in the page's protocol when it speaks one (the
        protocol composer's fields with `text` as the body): "" when sent, else why not."""
        if self.protocols.speaks:
            return self.protocols.send_body(text)
        return self._send_prepared(text, encoding)

    def _send_text(self, text: str) -> None:
        if not self.protocols.send(text):
            self._send_prepared(text, MessageMode.TEXT)

    def _send_encoded(self, text: str, kind: DecoderKind) -> None:
        """JSON from the composer, its {{variables}} filled, sent as MessagePack or CBOR."""
        self._send_prepared(text, kind)

    def _send_file(self, path: str) -> None:
        status = self.composer.file_status
        if status.busy:
            self.composer.show_error("Not sent: a file is still being sent; wait, or cancel it")
            return
        sending = self.controller.send_file(path)
        if sending is not None and sending[0].streamed:
            status.track(*sending)

    def set_uri(self, uri: str) -> None:
        self.uri_edit.setText(uri)
        self._set_title(title_for_uri(uri))

    def set_options(self, options: ConnectionOptions) -> None:
        self.set_uri(options.uri)
        self.form.set_options(options)
        self.protocols.show(options)

    def connect_from_form(self) -> None:
        """Validate the form; connect when it is right, else show each problem by its field."""
        if self.controller.is_running or self.command_entry.check():
            return
        typed = self.form_options()
        options, errors = self.profile_binding.resolve_options(typed)
        # A field with an undefined variable is reported as such, not as malformed too.
        undefined = {(error.field, error.row) for error in errors}
        errors += [
            error
            for error in check_options(prepare_for_protocol(options))
            if (error.field, error.row) not in undefined and (error.field, None) not in undefined
        ]
        uri_errors = [error.message for error in errors if error.field == "uri"]
        self.remedies.show_uri_errors(uri_errors)
        self.form.show_errors(errors)
        self.handshake_pane.clear()  # a new attempt: the last one's words are not news
        self.remedies.hide()
        if errors:
            self.status_area.show_form_problem()
            return
        on_connect = self.protocols.on_connect(self.saved_messages.messages())
        if isinstance(on_connect, str):
            self.composer.show_error(f"Not connected: {on_connect}")
            return
        self._set_title(title_for_uri(options.uri))
        self.connect_started.emit(typed.uri)
        self.controller.connect_to(options, on_connect)

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
        self.recording_policy.flush()  # what was shown stays in the capture
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
        await self.controller.shutdown(reason)
        self.recording_policy.detach()
        self.scripts.detach()
        await super().shutdown(reason)

    # -- recording --------------------------------------------------------------------------

    def attach_capture(self, capture: CaptureStore | None) -> None:
        """Record this page's connections into `capture` (None: nowhere, the box is off)."""
        self.recording_policy.capture = capture
        self.record_check.setEnabled(capture is not None)
        if capture is None:
            self.record_check.setToolTip("Not recording: the capture database can't be used.")

    @property
    def capture(self) -> CaptureStore | None:
        return self.recording_policy.capture

    @property
    def recorder(self) -> Recorder | None:
        """The recording under way (or just ended), None before the first."""
        return self.recording_policy.recorder

    @property
    def recorded_session(self) -> int | None:
        """The last session recorded from this page."""
        return self.recording_policy.session_id

    def _recording_target(self) -> RecordingTarget:
        options = self.connection.options
        profile = self.profile_binding.profile
        return RecordingTarget(
            options.uri if options is not None else self.uri_edit.text(),
            profile.name if profile is not None else "",
            options,
        )

    def _open_whole_session(self) -> None:
        if self.recorded_session is not None:
            self.captured_session_requested.emit(self.recorded_session)

    def _on_record_toggled(self, on: bool) -> None:
        self.recording_policy.set_enabled(on, connection_active=self.connection.is_active)
        self._offer_whole_session()

    def _offer_whole_session(self) -> None:
        if self.recording_policy.recording:
            self.log_view.whole_session_offered = True

    # -- reactions --------------------------------------------------------------------------

    def _set_title(self, title: str) -> None:
        if title != self._uri_title:
            self._uri_title = title
            self.title_changed.emit()

    def _on_state(self, event: StateEvent) -> None:
        if event.state is ConnState.CONNECTING:
            self._offer_whole_session()  # the recording policy has begun a session
        self._apply_state()
        self.title_changed.emit()

    def _apply_state(self) -> None:
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
        self.repeat_sender.set_connected(is_open)
        options = self.connection.options
        insecure = options is not None and options.is_secure and not options.tls_verify
        self.tls_warning.setVisible(is_open and insecure)
        if self.connection.retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()
        if state is ConnState.FAILED:
            self.remedies.offer()
        self._refresh_status_text()

    def _refresh_status_text(self) -> None:
        text = self.connection.status_text()
        if text == IDLE_TEXT and self.uri_edit.text().strip():
            text = READY_TEXT  # "Enter a URI" read oddly under a URI typed or pasted
        self.status_label.setText(text)

    def _refresh_idle_hint(self) -> None:
        # Only the idle hint follows the URI bar: other words there (a command line filled
        # in, a failure) stay until the next state.
        if self.status_label.text() in (IDLE_TEXT, READY_TEXT):
            self._refresh_status_text()

    def _on_handshake(self, event: HandshakeEvent) -> None:
        self.handshake_pane.show_handshake(event)
        if not event.accepted:
            self.detail_tabs.setCurrentWidget(self.handshake_pane)

    def _update_counters(self) -> None:
        self.workspace.show_counters(self.log.counters)

    def _update_close_summary(self) -> None:
        code, reason = self.close_code_spin.value(), self.close_reason_edit.text()
        default = code == 1000 and not reason
        self.close_summary.setText("" if default else f"{code} {reason}".strip())
        self.close_error.hide()

    def _resend(self, event: MessageEvent) -> None:
        text = event.decoded()
        if text is None:
            self.composer.set_draft(event.data.hex(" "), HEX)
        else:
            self.composer.set_draft(
                text, JSON if self.composer.format_combo.currentText() == JSON else TEXT
            )

    # -- help for bad input and failures ----------------------------------------------------

    def _on_uri_edited(self, text: str) -> None:
        self.uri_error.hide()
        self.uri_fix_button.hide()
        self._set_title(title_for_uri(text))
        self.title_changed.emit()

    def _fill_from_command(self, parsed: ParsedCommand) -> None:
        """A wscat, websocat or curl command line (qt/forms/uri_commands.py) fills the form."""
        self.set_options(parsed.options)
        ignored = f"; not used: {' '.join(parsed.ignored)}" if parsed.ignored else ""
        self.status_label.setText(f"Filled from a {parsed.tool} command line{ignored}.")
        self.title_changed.emit()
