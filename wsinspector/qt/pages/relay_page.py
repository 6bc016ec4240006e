"""A relay page: the app under test connects here, each client is forwarded to an upstream URI.

Around its LogWorkspace: the listen bar (where to listen, the upstream, Start/Stop, the address
to give the app, the close code for a dropped leg), the upstream's connection settings (the
same form as a connection page's: headers, TLS, timeouts…), the intercept (a filter in the
log's filter language, which ways, the held messages) and a composer that injects a message
into every client's app or upstream leg. Everything of the relaying itself is the core Relay.

objectNames: `relayPage`, `listenEdit`, `upstreamEdit`, `listenButton`, `listenAddressLabel`,
`faultCodeSpin`, `relayStatusLabel`, `interceptCheck`, `interceptFilterEdit`,
`interceptDirectionCombo`, `injectDirectionCombo`, `messageEdit`, `sendButton`; the held
messages pane (relay_held.py), the settings form, the status strip (status_strip.py: its
status label is `relayStatusLabel` here, with `statusArea` and `rateLabel`) and the workspace
name their own.
"""

from __future__ import annotations

import contextlib
from typing import Final

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import DEFAULT_CAPACITY, EventLog
from wsinspector.core.log.events import ConnState, Direction
from wsinspector.core.log.filtering import LogFilter
from wsinspector.core.serving.intercept import InterceptRule
from wsinspector.core.serving.relay import (
    DEFAULT_FAULT_CODE,
    DEFAULT_LISTEN,
    TO_APP,
    TO_UPSTREAM,
    Relay,
)
from wsinspector.core.serving.relay_request import PATH_RULE
from wsinspector.core.storage.profiles import Profile, RelaySettings
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.validation import check_options
from wsinspector.qt.forms.connection_form import ConnectionForm
from wsinspector.qt.pages.page import Page, title_for_uri
from wsinspector.qt.pages.relay_held import HeldPane
from wsinspector.qt.pages.status_strip import StatusStrip
from wsinspector.qt.workspace.logmodel import Column
from wsinspector.qt.workspace.workspace import LogWorkspace

RELAY_TITLE: Final = "New relay"
BOTH_WAYS: Final = "Both ways"
# The intercept's and the composer's ways, as the user reads them.
WAYS: Final = {
    BOTH_WAYS: frozenset({TO_UPSTREAM, TO_APP}),
    "App → upstream": frozenset({TO_UPSTREAM}),
    "Upstream → app": frozenset({TO_APP}),
}
INJECT_WAYS: Final = {"To the upstream": TO_UPSTREAM, "To the app": TO_APP}
COUNTERS_MS = 250
LEG_SAMPLE: Final = "upstream #99"  # the Conn column is this wide


class RelayPage(Page):
    """One relay: a listening address, an upstream, and both legs of every client in one log.

    Signals:
        title_changed(): the tab title or state changed (read `title()` and `state`).
    """

    def __init__(
        self, parent: QWidget | None = None, *, capacity: int | None = DEFAULT_CAPACITY
    ) -> None:
        log = EventLog(capacity)
        super().__init__(LogWorkspace(log), parent)
        self.setObjectName("relayPage")
        self.log = log
        self.relay: Relay | None = None
        self.profile: Profile | None = None  # the saved profile the page was opened from
        # "app #1", "upstream #1" by connection number: kept across Stop and Start.
        self.leg_names: dict[int, str] = {}
        self.workspace.model.set_connection_names(self.leg_names)
        view = self.workspace.log_view
        width = view.fontMetrics().horizontalAdvance(LEG_SAMPLE) + 12  # a cell's margins
        view.horizontalHeader().resizeSection(Column.CONNECTION, width)
        self._state = ConnState.IDLE
        self._tasks = TaskSet()
        self._build()
        self._counters_timer = QTimer(self)
        self._counters_timer.setInterval(COUNTERS_MS)
        self._counters_timer.timeout.connect(lambda: self.workspace.show_counters(log.counters))
        self._show_state("Not listening. Start listens and shows the address for the app.")

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.listen_edit = QLineEdit(DEFAULT_LISTEN)
        self.listen_edit.setObjectName("listenEdit")
        self.listen_edit.setToolTip("host:port to listen on; port 0 picks a free one")
        self.upstream_edit = QLineEdit()
        self.upstream_edit.setObjectName("upstreamEdit")
        self.upstream_edit.setPlaceholderText("ws:// or wss:// URI each client is forwarded to")
        self.upstream_edit.setToolTip(
            f"Each client is forwarded here: {PATH_RULE} (upstream ws://host/api, app asks"
            " /chat?room=1: the upstream gets /api/chat?room=1). The app's Cookie,"
            " Authorization, Origin and X- headers go along unless the settings below set them."
        )
        self.listen_button = QPushButton("Start")
        self.listen_button.setObjectName("listenButton")
        self.listen_button.setDefault(True)
        self.fault_code_spin = QSpinBox()
        self.fault_code_spin.setObjectName("faultCodeSpin")
        self.fault_code_spin.setRange(1000, 4999)
        self.fault_code_spin.setValue(DEFAULT_FAULT_CODE)
        self.fault_code_spin.setToolTip("The code the other leg is closed with when one drops")
        self.address_label = QLabel()
        self.address_label.setObjectName("listenAddressLabel")
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A live page's strip (its TLS and URI widgets stay hidden here): the relay's state,
        # clients and last fault, and the rates of both legs with the last round trip.
        self.status_strip = StatusStrip(self.log, self._last_rtt)
        self.status_label = self.status_strip.status_label
        self.status_label.setObjectName("relayStatusLabel")
        self.rate_view = self.status_strip.rate_view
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Listen"))
        bar.addWidget(self.listen_edit)
        bar.addWidget(QLabel("→ upstream"))
        bar.addWidget(self.upstream_edit, 1)
        bar.addWidget(QLabel("Dropped leg closes the other with"))
        bar.addWidget(self.fault_code_spin)
        bar.addWidget(self.listen_button)
        self.form = ConnectionForm()

        self.intercept_check = QCheckBox("Intercept")
        self.intercept_check.setObjectName("interceptCheck")
        self.intercept_check.setToolTip("Hold the messages that match, to forward, edit or drop")
        self.intercept_filter_edit = QLineEdit()
        self.intercept_filter_edit.setObjectName("interceptFilterEdit")
        self.intercept_filter_edit.setPlaceholderText("hold messages containing… (empty: all)")
        self.intercept_direction_combo = QComboBox()
        self.intercept_direction_combo.setObjectName("interceptDirectionCombo")
        self.intercept_direction_combo.addItems(list(WAYS))
        intercept_bar = QHBoxLayout()
        intercept_bar.addWidget(self.intercept_check)
        intercept_bar.addWidget(self.intercept_filter_edit, 1)
        intercept_bar.addWidget(self.intercept_direction_combo)
        self.held_pane = HeldPane()

        self.message_edit = QPlainTextEdit()
        self.message_edit.setObjectName("messageEdit")
        self.message_edit.setPlaceholderText("A message to inject into every client's leg")
        self.inject_direction_combo = QComboBox()
        self.inject_direction_combo.setObjectName("injectDirectionCombo")
        self.inject_direction_combo.addItems(list(INJECT_WAYS))
        self.send_button = QPushButton("Inject")
        self.send_button.setObjectName("sendButton")
        inject_bar = QHBoxLayout()
        inject_bar.addWidget(self.inject_direction_combo)
        inject_bar.addStretch(1)
        inject_bar.addWidget(self.send_button)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(intercept_bar)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.held_pane)
        composer = QWidget()
        composer_layout = QVBoxLayout(composer)
        composer_layout.setContentsMargins(0, 0, 0, 0)
        composer_layout.addWidget(self.message_edit, 1)
        composer_layout.addLayout(inject_bar)
        splitter.addWidget(composer)
        lower_layout.addWidget(splitter, 1)
        self.workspace.put_under_log(lower)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.address_label)
        layout.addWidget(self.form)
        layout.addWidget(self.status_strip)
        layout.addWidget(self.workspace, 1)

        self.listen_button.clicked.connect(self.toggle_listening)
        self.upstream_edit.textChanged.connect(lambda _text: self.title_changed.emit())
        self.intercept_check.toggled.connect(lambda _on: self._apply_intercept())
        self.intercept_filter_edit.editingFinished.connect(self._apply_intercept)
        self.intercept_direction_combo.currentIndexChanged.connect(self._apply_intercept)
        self.send_button.clicked.connect(self.inject)
        self.held_pane.forward_requested.connect(self._forward)
        self.held_pane.drop_requested.connect(self._drop)
        self.held_pane.forward_all_requested.connect(self._forward_all)

    # -- Page -------------------------------------------------------------------------------

    def title(self) -> str:
        upstream = self.upstream_edit.text().strip()
        return f"⇄ {title_for_uri(upstream)}" if upstream else RELAY_TITLE

    def location(self) -> str:
        return self.relay.address if self.relay is not None else ""

    @property
    def state(self) -> ConnState:
        return self._state

    @property
    def is_running(self) -> bool:
        return self.relay is not None and self.relay.listening

    def clear_log(self) -> None:
        self.log.clear()
        self.workspace.show_counters(self.log.counters)

    async def shutdown(self, reason: str = "client shutting down") -> None:
        """Stop listening: held messages go on first, then every leg closes with 1001."""
        await self.stop(reason)
        self.rate_view.stop()
        await super().shutdown(reason)

    # -- settings and profiles --------------------------------------------------------------

    def form_options(self) -> ConnectionOptions:
        """The upstream and its connection settings, as the form holds them."""
        return self.form.to_options(self.upstream_edit.text())

    def settings(self) -> RelaySettings:
        """The relay's own settings, as the page holds them (what a profile keeps)."""
        return RelaySettings(
            listen=self.listen_edit.text().strip(),
            fault_code=self.fault_code_spin.value(),
            intercept=self.intercept_check.isChecked(),
            intercept_filter=self.intercept_filter_edit.text(),
            intercept_directions=WAYS[self.intercept_direction_combo.currentText()],
        )

    def set_profile(self, profile: Profile) -> None:
        """Fill the page from a saved relay profile (not while listening)."""
        self.profile = profile
        self.apply(profile.options, profile.relay or RelaySettings())

    def apply(self, options: ConnectionOptions, settings: RelaySettings) -> None:
        """Fill the page: the upstream and its connection settings, and the relay's own."""
        self.upstream_edit.setText(options.uri)
        self.form.set_options(options)
        self.listen_edit.setText(settings.listen)
        self.fault_code_spin.setValue(settings.fault_code)
        self.intercept_filter_edit.setText(settings.intercept_filter)
        ways = [w for w, directions in WAYS.items() if directions == settings.intercept_directions]
        self.intercept_direction_combo.setCurrentText(ways[0] if ways else BOTH_WAYS)
        self.intercept_check.setChecked(settings.intercept)
        self.title_changed.emit()

    # -- listening --------------------------------------------------------------------------

    def toggle_listening(self) -> None:
        if self.relay is None:
            self._tasks.spawn(self.start())
        else:
            self._tasks.spawn(self.stop())

    async def start(self) -> str | None:
        """Listen with the page's settings; the address, or None (the problem is shown)."""
        if self.relay is not None:
            return self.relay.address
        options = self.form_options()
        errors = check_options(options)
        self.form.show_errors([e for e in errors if e.field != "uri"])
        if errors:
            self._show_state(f"Not started: {errors[0].message}")
            return None
        try:
            relay = Relay(
                options,
                self.log,
                self.listen_edit.text(),
                fault_code=self.fault_code_spin.value(),
                leg_names=self.leg_names,
            )
        except ValueError as exc:
            self._show_state(f"Not started: {exc}")
            return None
        relay.on_change = self._on_relay_change
        self.relay = relay
        self._apply_intercept()
        self._set_editable(False)
        try:
            address = await relay.start()
        except OSError as exc:
            self.relay = None
            self._set_editable(True)
            self._show_state(f"Not started: can't listen on {self.listen_edit.text()}: {exc}")
            return None
        self.address_label.setText(address)
        self.listen_button.setText("Stop")
        self._counters_timer.start()
        self._set_state(ConnState.OPEN)
        self._show_state(f"Listening: point the app at {address}")
        return address

    async def stop(self, reason: str = "relay stopped") -> None:
        relay = self.relay
        if relay is None:
            return
        self._set_state(ConnState.CLOSING)
        await relay.stop(1001, reason)
        self.relay = None
        self._counters_timer.stop()
        self.workspace.show_counters(self.log.counters)
        self.listen_button.setText("Start")
        self.address_label.clear()
        self._set_editable(True)
        self.held_pane.show_held([])
        self._set_state(ConnState.CLOSED)
        self._show_state("Stopped: not listening.")

    # -- intercept and injecting ------------------------------------------------------------

    def intercept_rule(self) -> InterceptRule | None:
        if not self.intercept_check.isChecked():
            return None
        text = self.intercept_filter_edit.text()
        ways = WAYS[self.intercept_direction_combo.currentText()]
        return InterceptRule(LogFilter(text), ways)

    def _apply_intercept(self) -> None:
        relay = self.relay
        if relay is None:
            return
        rule = self.intercept_rule()
        relay.intercept = rule
        if rule is None:
            relay.release_all()  # intercept off: what was held goes on, in order

    def inject(self) -> None:
        relay = self.relay
        text = self.message_edit.toPlainText()
        if relay is None or not relay.clients:
            self._show_state("Not sent: no client is connected to the relay")
            return
        direction: Direction = INJECT_WAYS[self.inject_direction_combo.currentText()]
        for number in list(relay.clients):
            self._tasks.spawn(self._inject(relay, number, direction, text))

    async def _inject(self, relay: Relay, number: int, direction: Direction, text: str) -> None:
        with contextlib.suppress(KeyError, ConnectionError):
            await relay.inject(number, direction, text)

    def _forward(self, event_id: int, edited: object) -> None:
        if self.relay is None:
            return
        assert edited is None or isinstance(edited, str | bytes)
        try:
            self.relay.forward(event_id, edited)
        except KeyError:
            pass  # no longer held: its client went away meanwhile
        except ValueError:
            self._show_state("Not forwarded: a text message must stay valid UTF-8")

    def _drop(self, event_id: int) -> None:
        if self.relay is not None:
            with contextlib.suppress(KeyError):
                self.relay.drop(event_id)

    def _forward_all(self) -> None:
        if self.relay is not None:
            self.relay.release_all()

    def _on_relay_change(self) -> None:
        relay = self.relay
        if relay is not None:
            self.held_pane.show_held(relay.held())
            plural = "s" if len(relay.clients) != 1 else ""
            fault = f" · last fault: {relay.last_fault}" if relay.last_fault else ""
            self._show_state(
                f"Listening: point the app at {relay.address} · {len(relay.clients)}"
                f" client{plural} relayed{fault}"
            )

    def _last_rtt(self) -> float | None:
        return self.relay.last_rtt if self.relay is not None else None

    # -- helpers ----------------------------------------------------------------------------

    def _set_editable(self, editable: bool) -> None:
        for widget in (self.listen_edit, self.upstream_edit, self.fault_code_spin, self.form):
            widget.setEnabled(editable)

    def _set_state(self, state: ConnState) -> None:
        self._state = state
        self.title_changed.emit()

    def _show_state(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("state", self._state.value)
