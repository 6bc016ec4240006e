"""A server page: the app listens, and every client that connects is a numbered connection
of the page's one log.

Around its LogWorkspace: the listen bar (where, which path, subprotocols, compression, plain
or TLS, Start/Stop and the address to give clients), the clients list (selecting a client
shows its handshake), the rules, the answer to the next handshakes, and under the log the
composer, which sends to the selected clients or to all, with ping, close (code and reason)
and drop. The server itself is core's (core/serving/server.py); this page only shows it.

objectNames: `serverPage`, `listenEdit`, `serverPathEdit`, `serverSubprotocolsEdit`,
`serverCompressionCheck`, `serverTlsCombo`, `serverCertEdit`, `serverKeyEdit`,
`listenButton`, `listenAddressLabel`, `copyAddressButton`, `serverFingerprintLabel`,
`serverStatusLabel`, `serverTabs`, `clientsView`, `broadcastCheck`, `closeCodeSpin`,
`closeReasonEdit`, `closeClientsButton`, `dropClientsButton`, `handshakeAnswerCombo`,
`rejectStatusSpin`, `rejectHeadersEdit`, `rejectBodyEdit`, `rejectPathEdit`,
`applyAnswerButton`, `recordCheck` (record into the capture, for the History: one session
from Start to Stop); the Decoding tab's `decoderCombo`; the rules editor (server_rules.py),
composer and workspace name their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Final

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.app.errors import UserError
from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import DEFAULT_CAPACITY, EventLog
from wsinspector.core.log.events import ConnState, Headers
from wsinspector.core.serving.rules import RuleBook, RuleError
from wsinspector.core.serving.server import ServedClient, Server
from wsinspector.core.serving.settings import (
    Rejection,
    ServerSettings,
    TlsSettings,
    parse_listen,
)
from wsinspector.core.storage.capture import CaptureStore, Recorder
from wsinspector.core.storage.profiles import Profile
from wsinspector.core.storage.profiles.dynamic import DynamicValues
from wsinspector.qt.forms.composer import Composer
from wsinspector.qt.forms.decoder_settings import DecoderSettingsTab
from wsinspector.qt.pages.page import Page
from wsinspector.qt.pages.server_clients import ClientsModel
from wsinspector.qt.pages.server_rules import RulesEditor
from wsinspector.qt.workspace.workspace import LogWorkspace

NEW_SERVER_TITLE: Final = "New server"
PLAIN, SELF_SIGNED, CERT_FILE = "Plain (ws://)", "TLS, self-signed", "TLS, certificate file"
ACCEPT, REJECT_NEXT, REJECT_PATH = "Accept", "Reject the next client", "Reject a path"
# The clients list follows the server at this pace, not per message.
REFRESH_MS: Final = 200


def parse_headers(text: str) -> Headers:
    """`Name: value` lines → headers; blank lines and lines without a colon are skipped."""
    headers = []
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return tuple(headers)


class ServerPage(Page):
    """A page that listens for WebSocket clients.

    Signals:
        title_changed(): see Page (the title says where the page listens).
    """

    def __init__(
        self, parent: QWidget | None = None, *, capacity: int | None = DEFAULT_CAPACITY
    ) -> None:
        log = EventLog(capacity)
        super().__init__(LogWorkspace(log), parent)
        self.setObjectName("serverPage")
        self.log = log
        self.server: Server | None = None
        self._tasks = TaskSet()
        self._dirty = False
        self._path_rejections: dict[str, Rejection] = {}
        self.capture: CaptureStore | None = None
        # The saved server profile this page was opened from or saved as (None: unsaved).
        self.profile: Profile | None = None
        # The profile's {{variables}}, filled in rule answers and timed messages.
        self.variables: dict[str, str] = {}
        self.recorder: Recorder | None = None
        # The rules' {{$counter}}, one per page as a client page's, kept across rule edits.
        self.dynamic = DynamicValues()
        self.clients_model = ClientsModel(self._client_list, self)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)
        self._build_listen_bar()
        self._build_tabs()
        self._build_composer()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(self._listen_bar)
        layout.addLayout(self._tls_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.tabs)
        layout.addWidget(self.workspace, 1)
        self._apply_state()

    # -- building ---------------------------------------------------------------------------

    def _build_listen_bar(self) -> None:
        self.listen_edit = QLineEdit("127.0.0.1:0")
        self.listen_edit.setObjectName("listenEdit")
        self.listen_edit.setToolTip("host:port to listen on; port 0 picks a free port")
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("serverPathEdit")
        self.path_edit.setPlaceholderText("any path")
        self.path_edit.setToolTip("The path clients connect to; empty accepts any path")
        self.subprotocols_edit = QLineEdit()
        self.subprotocols_edit.setObjectName("serverSubprotocolsEdit")
        self.subprotocols_edit.setPlaceholderText("subprotocols, comma-separated")
        self.compression_check = QCheckBox("Compression")
        self.compression_check.setObjectName("serverCompressionCheck")
        self.compression_check.setChecked(True)
        self.compression_check.setToolTip("Offer permessage-deflate to clients that ask")
        self.record_check = QCheckBox("Record")
        self.record_check.setObjectName("recordCheck")
        self.record_check.setToolTip("Keep what this server sees in the History")
        self.record_check.hide()  # shown once there is a capture to record into
        self.listen_button = QPushButton("Start")
        self.listen_button.setObjectName("listenButton")
        self.listen_button.setDefault(True)
        self._listen_bar = QHBoxLayout()
        self._listen_bar.addWidget(QLabel("Listen on"))
        self._listen_bar.addWidget(self.listen_edit, 1)
        self._listen_bar.addWidget(self.path_edit, 1)
        self._listen_bar.addWidget(self.subprotocols_edit, 1)
        self._listen_bar.addWidget(self.compression_check)
        self._listen_bar.addWidget(self.record_check)
        self._listen_bar.addWidget(self.listen_button)
        self.listen_button.clicked.connect(self.toggle_listening)
        self.listen_edit.returnPressed.connect(self.toggle_listening)

        self.tls_combo = QComboBox()
        self.tls_combo.setObjectName("serverTlsCombo")
        self.tls_combo.addItems([PLAIN, SELF_SIGNED, CERT_FILE])
        self.cert_edit = QLineEdit()
        self.cert_edit.setObjectName("serverCertEdit")
        self.cert_edit.setPlaceholderText("certificate (PEM)")
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("serverKeyEdit")
        self.key_edit.setPlaceholderText("key (PEM), empty when the certificate holds it")
        self.address_label = QLabel()
        self.address_label.setObjectName("listenAddressLabel")
        self.address_label.setTextInteractionFlags(
            self.address_label.textInteractionFlags().TextSelectableByMouse
        )
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("copyAddressButton")
        self.copy_button.setToolTip("Copy the address clients connect to")
        self.copy_button.clicked.connect(self.copy_address)
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setObjectName("serverFingerprintLabel")
        self.fingerprint_label.setWordWrap(True)
        self.fingerprint_label.setTextInteractionFlags(
            self.fingerprint_label.textInteractionFlags().TextSelectableByMouse
        )
        self._tls_row = QHBoxLayout()
        self._tls_row.addWidget(self.tls_combo)
        self._tls_row.addWidget(self.cert_edit, 1)
        self._tls_row.addWidget(self.key_edit, 1)
        self._tls_row.addWidget(self.address_label)
        self._tls_row.addWidget(self.copy_button)
        self.tls_combo.currentTextChanged.connect(self._on_tls_mode)
        self._on_tls_mode(self.tls_combo.currentText())
        self.status_label = QLabel()
        self.status_label.setObjectName("serverStatusLabel")
        self.status_label.setWordWrap(True)

    def _build_tabs(self) -> None:
        self.clients_view = QTableView()
        self.clients_view.setObjectName("clientsView")
        self.clients_view.setModel(self.clients_model)
        self.clients_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.clients_view.verticalHeader().hide()
        self.clients_view.horizontalHeader().setStretchLastSection(True)
        self.clients_view.selectionModel().selectionChanged.connect(self._on_client_selected)
        self.rules_editor = RulesEditor()
        self.rules_view = self.rules_editor.view
        self.rules_editor.model.rules_changed.connect(self._apply_rules)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("serverTabs")
        self.tabs.addTab(self.clients_view, "Clients")
        self.tabs.addTab(self.rules_editor, "Rules")
        self.tabs.addTab(self._build_answer_tab(), "Handshake answer")
        self.tabs.addTab(self.fingerprint_label, "TLS")
        self.decoder_tab = DecoderSettingsTab()
        self.decoder_tab.decoder_changed.connect(self.workspace.set_decoder)
        self.tabs.addTab(self.decoder_tab, "Decoding")
        self.tabs.setMaximumHeight(220)

    def _build_answer_tab(self) -> QWidget:
        tab = QWidget()
        self.answer_combo = QComboBox()
        self.answer_combo.setObjectName("handshakeAnswerCombo")
        self.answer_combo.addItems([ACCEPT, REJECT_NEXT, REJECT_PATH])
        self.reject_status_spin = QSpinBox()
        self.reject_status_spin.setObjectName("rejectStatusSpin")
        self.reject_status_spin.setRange(100, 599)
        self.reject_status_spin.setValue(403)
        self.reject_path_edit = QLineEdit()
        self.reject_path_edit.setObjectName("rejectPathEdit")
        self.reject_path_edit.setPlaceholderText("/path (for “Reject a path”)")
        self.reject_headers_edit = QPlainTextEdit()
        self.reject_headers_edit.setObjectName("rejectHeadersEdit")
        self.reject_headers_edit.setPlaceholderText("Name: value, one a line")
        self.reject_headers_edit.setMaximumHeight(50)
        self.reject_body_edit = QPlainTextEdit()
        self.reject_body_edit.setObjectName("rejectBodyEdit")
        self.reject_body_edit.setPlaceholderText("response body")
        self.reject_body_edit.setMaximumHeight(50)
        self.apply_answer_button = QPushButton("Apply")
        self.apply_answer_button.setObjectName("applyAnswerButton")
        self.apply_answer_button.clicked.connect(self.apply_answer)
        self.answer_label = QLabel()
        self.answer_label.setObjectName("handshakeAnswerLabel")
        form = QFormLayout(tab)
        row = QHBoxLayout()
        row.addWidget(self.answer_combo)
        row.addWidget(self.reject_status_spin)
        row.addWidget(self.reject_path_edit, 1)
        row.addWidget(self.apply_answer_button)
        form.addRow("Answer", row)
        form.addRow("Headers", self.reject_headers_edit)
        form.addRow("Body", self.reject_body_edit)
        form.addRow(self.answer_label)
        return tab

    def _build_composer(self) -> None:
        self.composer = Composer()
        self.message_edit, self.send_button = self.composer.message_edit, self.composer.send_button
        self.broadcast_check = QCheckBox("All clients")
        self.broadcast_check.setObjectName("broadcastCheck")
        self.broadcast_check.setToolTip("Send to every connected client, not the selected ones")
        self.close_code_spin = QSpinBox()
        self.close_code_spin.setObjectName("closeCodeSpin")
        self.close_code_spin.setRange(1000, 4999)
        self.close_code_spin.setValue(1000)
        self.close_reason_edit = QLineEdit()
        self.close_reason_edit.setObjectName("closeReasonEdit")
        self.close_reason_edit.setPlaceholderText("close reason")
        self.close_clients_button = QPushButton("Close")
        self.close_clients_button.setObjectName("closeClientsButton")
        self.close_clients_button.setToolTip("Close the clients with this code and reason")
        self.drop_button = QPushButton("Drop")
        self.drop_button.setObjectName("dropClientsButton")
        self.drop_button.setToolTip("End the TCP connection without a close frame (1006)")
        row = QHBoxLayout()
        row.addWidget(self.broadcast_check)
        row.addStretch(1)
        row.addWidget(QLabel("Close with"))
        row.addWidget(self.close_code_spin)
        row.addWidget(self.close_reason_edit, 1)
        row.addWidget(self.close_clients_button)
        row.addWidget(self.drop_button)
        lower = QWidget()
        column = QVBoxLayout(lower)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.composer)
        column.addLayout(row)
        self.workspace.put_under_log(lower)
        self.composer.send_text.connect(self.send_message)
        self.composer.send_binary.connect(self.send_message)
        self.composer.ping_requested.connect(self.ping)
        self.close_clients_button.clicked.connect(self.close_clients)
        self.drop_button.clicked.connect(self.drop_clients)

    # -- Page -------------------------------------------------------------------------------

    def title(self) -> str:
        if self.server is None or not self.server.address:
            return NEW_SERVER_TITLE
        return f"⇄ {self.server.address.split('://', 1)[1]}"

    def location(self) -> str:
        return self.server.address if self.server is not None else ""

    @property
    def state(self) -> ConnState:
        return ConnState.OPEN if self.is_running else ConnState.IDLE

    @property
    def is_running(self) -> bool:
        return self.server is not None and self.server.listening

    def clear_log(self) -> None:
        if self.recorder is not None:
            self.recorder.flush()  # what was shown stays in the capture
        self.log.clear()
        self.detail_view.show_event(None)
        self.handshake_pane.clear()
        self.workspace.show_counters(self.log.counters)

    async def shutdown(self, reason: str = "server shutting down") -> None:
        self._refresh_timer.stop()
        if self.server is not None:
            await self.server.stop(1001, reason)
        self._stop_recording("the page was closed")
        await super().shutdown(reason)

    # -- recording --------------------------------------------------------------------------

    def attach_capture(self, capture: CaptureStore | None, *, record: bool = True) -> None:
        """Record into `capture` (the History's) while listening, when recordCheck is on."""
        self.capture = capture
        self.record_check.setVisible(capture is not None)
        self.record_check.setChecked(record and capture is not None)

    def _start_recording(self, address: str) -> None:
        capture = self.capture
        if capture is None or capture.closed or not self.record_check.isChecked():
            return
        # One session from Start to Stop, whatever clients come and go (not until_end: that
        # would end it with the first client).
        self.recorder = capture.start_recording(self.log, uri=address, until_end=False)

    def _stop_recording(self, words: str) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None and recorder.recording:
            recorder.stop(words, wait=None)

    # -- listening ----------------------------------------------------------------------------

    def settings(self) -> ServerSettings:
        """The listen bar's settings (ValueError in words for a bad host:port)."""
        host, port = parse_listen(self.listen_edit.text())
        mode = self.tls_combo.currentText()
        tls = None
        if mode == SELF_SIGNED:
            tls = TlsSettings()
        elif mode == CERT_FILE:
            tls = TlsSettings(self.cert_edit.text().strip(), self.key_edit.text().strip())
        path = self.path_edit.text().strip()
        return ServerSettings(
            host=host,
            port=port,
            path=path if not path or path.startswith("/") else "/" + path,
            subprotocols=tuple(
                name.strip() for name in self.subprotocols_edit.text().split(",") if name.strip()
            ),
            compression=self.compression_check.isChecked(),
            tls=tls,
            rules=self.rules_editor.model.rules(),
            path_rejections=dict(
                self.server.path_rejections if self.server is not None else self._path_rejections
            ),
        )

    def apply_settings(self, settings: ServerSettings) -> None:
        """Fill the listen bar, the rules and the rejected paths from saved settings."""
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        self.listen_edit.setText(f"{host}:{settings.port}")
        self.path_edit.setText(settings.path)
        self.subprotocols_edit.setText(", ".join(settings.subprotocols))
        self.compression_check.setChecked(settings.compression)
        tls = settings.tls
        self.tls_combo.setCurrentText(
            PLAIN if tls is None else CERT_FILE if tls.certfile else SELF_SIGNED
        )
        self.cert_edit.setText(tls.certfile if tls is not None else "")
        self.key_edit.setText(tls.keyfile if tls is not None else "")
        self._path_rejections = dict(settings.path_rejections)
        self.rules_editor.model.set_rules(settings.rules)

    def toggle_listening(self) -> None:
        if self.is_running:
            self._spawn(self.stop_listening())
        elif self.server is None or not self.server.listening:
            self._spawn(self.start_listening())

    async def start_listening(self) -> None:
        try:
            settings = self.settings()
            RuleBook(settings.rules, self.variables)
        except (ValueError, RuleError) as exc:
            self._say(f"Not listening: {exc}", error=True)
            return
        server = Server(
            settings,
            self.log,
            on_change=self._mark_dirty,
            variables=self.variables,
            dynamic=self.dynamic,
        )
        self.listen_button.setEnabled(False)
        try:
            address = await server.start()
        except (OSError, UserError) as exc:
            self._say(f"Not listening: {exc}", error=True)
            self.listen_button.setEnabled(True)
            return
        self._start_recording(address)
        self.server = server
        self.address_label.setText(address)
        self.fingerprint_label.setText(
            f"SHA-256 fingerprint of the certificate: {server.fingerprint}"
            if server.fingerprint
            else "Plain ws://: no certificate."
        )
        self._say(f"Listening on {address}: clients connect there.")
        self._refresh_timer.start()
        self.listen_button.setEnabled(True)
        self._apply_state()

    async def stop_listening(self) -> None:
        if self.server is None:
            return
        self.listen_button.setEnabled(False)
        await self.server.stop()
        self._stop_recording("stopped listening")
        self.listen_button.setEnabled(True)
        self._refresh()
        self._say("Stopped listening; the clients were closed with 1001.")
        self._apply_state()

    def copy_address(self) -> None:
        clipboard = QApplication.clipboard()
        if clipboard is not None and self.address_label.text():
            clipboard.setText(self.address_label.text())

    # -- what the person does to clients ------------------------------------------------------

    def targets(self) -> list[int] | None:
        """The selected clients' numbers, or None for all (broadcastCheck)."""
        if self.broadcast_check.isChecked():
            return None
        rows = {index.row() for index in self.clients_view.selectionModel().selectedRows()}
        return [self.clients_model.client_at(row).number for row in sorted(rows)]

    def _chosen(self, verb: str) -> tuple[Server, list[int] | None] | None:
        """The server and the targets, or None after saying why nothing can be done."""
        server = self.server
        if server is None or not server.listening:
            self.composer.show_error(f"Not {verb}: start listening first")
            return None
        targets = self.targets()
        if targets is not None and not server.open_numbers(targets):
            self.composer.show_error(
                f"Not {verb}: select a connected client, or check “All clients”"
            )
            return None
        return server, targets

    def send_message(self, message: str | bytes) -> None:
        chosen = self._chosen("sent")
        if chosen is not None:
            server, targets = chosen
            self._spawn(server.send(targets, message))

    def ping(self) -> None:
        chosen = self._chosen("pinged")
        if chosen is not None:
            server, targets = chosen
            self._spawn(server.ping(targets))

    def close_clients(self) -> None:
        chosen = self._chosen("closed")
        if chosen is not None:
            server, targets = chosen
            code, reason = self.close_code_spin.value(), self.close_reason_edit.text()
            self._spawn(server.close(targets, code, reason))

    def drop_clients(self) -> None:
        chosen = self._chosen("dropped")
        if chosen is not None:
            server, targets = chosen
            server.drop(targets)

    def apply_answer(self) -> None:
        """Answer the next handshakes as the Handshake answer tab says."""
        choice = self.answer_combo.currentText()
        rejection = Rejection(
            self.reject_status_spin.value(),
            parse_headers(self.reject_headers_edit.toPlainText()),
            self.reject_body_edit.toPlainText(),
        )
        if self.server is None:
            self.answer_label.setText("Start listening first.")
            return
        path = self.reject_path_edit.text().strip()
        if choice == ACCEPT:
            self.server.reject_next(None)
            self.server.path_rejections.pop(path, None)
            self.answer_label.setText("Clients are accepted" + (f" on {path}" if path else ""))
        elif choice == REJECT_NEXT:
            self.server.reject_next(rejection)
            self.answer_label.setText(f"The next client is answered {rejection.status}.")
        else:
            if not path.startswith("/"):
                self.answer_label.setText("Name the path to reject, starting with /")
                return
            self.server.path_rejections[path] = rejection
            self.answer_label.setText(f"Clients on {path} are answered {rejection.status}.")

    # -- reactions --------------------------------------------------------------------------

    def _apply_rules(self) -> None:
        try:
            book = RuleBook(self.rules_editor.model.rules(), self.variables, dynamic=self.dynamic)
        except RuleError as exc:
            self.rules_editor.show_error(str(exc))
            return
        self.rules_editor.show_error("")
        if self.server is not None and self.server.listening:
            self.server.set_rules(book)

    def _client_list(self) -> list[ServedClient]:
        return list(self.server.clients.values()) if self.server is not None else []

    def _mark_dirty(self) -> None:
        self._dirty = True

    def _refresh(self) -> None:
        if self._dirty:
            self._dirty = False
            self.clients_model.refresh()
            self.workspace.show_counters(self.log.counters)

    def _on_client_selected(self, *_args: object) -> None:
        rows = self.clients_view.selectionModel().selectedRows()
        if len(rows) == 1:
            handshake = self.clients_model.client_at(rows[0].row()).handshake
            if handshake is not None:
                self.handshake_pane.show_handshake(handshake)

    def _on_tls_mode(self, mode: str) -> None:
        self.cert_edit.setVisible(mode == CERT_FILE)
        self.key_edit.setVisible(mode == CERT_FILE)

    def _apply_state(self) -> None:
        running = self.is_running
        self.listen_button.setText("Stop" if running else "Start")
        for widget in (
            self.listen_edit,
            self.path_edit,
            self.subprotocols_edit,
            self.compression_check,
            self.tls_combo,
            self.cert_edit,
            self.key_edit,
        ):
            widget.setEnabled(not running)
        self.copy_button.setEnabled(running)
        if not running:
            self.address_label.setText("")
        self.composer.set_connected(running)
        self.title_changed.emit()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #c53030;" if error else "")

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self._tasks.spawn(coroutine)
