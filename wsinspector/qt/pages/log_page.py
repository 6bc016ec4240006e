"""A read-only page: the events of a log file or of a recorded session of the capture.

It shows them in a LogWorkspace (log, filter, detail, handshake, export) under a line
saying where they come from, and a header with a sheet's icon saying what it is ("Imported from
chat.jsonl", "Recorded session 3"): it can't connect or send, and must not look as if it could.
Its counters are its own: those of the file's events as read, or the ones the capture kept for
the session. When the log names the connection it came from, the page offers to open it again
or keep it as a profile.

objectNames: `logPage`, `logSourceEdit` (where the events come from), `connectionStatusLabel`
(property `state` = "readonly"), `logPageIcon`, `reopenConnectionButton`, `logToProfileButton`,
`decodingButton` (shows the Decoding settings: `decoderCombo` and its fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.log.eventlog import Counters, EventLog
from wsinspector.core.log.events import Event, HandshakeEvent
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.logfiles import EntryLog, ImportedLog, connections_of
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.forms.decoder_settings import DecoderSettingsTab
from wsinspector.qt.pages.log_protocol import saved_options, show_as_logged
from wsinspector.qt.pages.page import Page, title_for_uri
from wsinspector.qt.widgets.icons import document_icon
from wsinspector.qt.workspace.workspace import LogWorkspace


class LogPage(Page):
    """A read-only page over `source`, titled `title`, its origin said by `description`.

    Signals:
        title_changed(): see Page (the title of a log page does not change).
        reopen_requested(object): ConnectionOptions of a logged connection to open again.
        profile_requested(object): ConnectionOptions of a logged connection to save as a
            profile.
    """

    reopen_requested = Signal(object)
    profile_requested = Signal(object)
    read_only = True

    def __init__(
        self,
        title: str,
        source: EventLog | EntryLog,
        description: str,
        *,
        counters: Counters,
        heading: str = "Read-only log",
        handshake: HandshakeEvent | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(LogWorkspace(source), parent)
        self.setObjectName("logPage")
        self._title = title
        self._description = description
        self._heading = heading
        self.counters = counters
        self._logged_options: ConnectionOptions | None = None
        self._build()
        self.workspace.problem.connect(self.status_label.setText)
        self.workspace.show_counters(counters)
        if handshake is not None:
            self.workspace.handshake_pane.show_handshake(handshake)
        self.model.flush()

    @classmethod
    def of_events(
        cls, title: str, events: Iterable[Event], description: str, heading: str = "Read-only log"
    ) -> LogPage:
        """A page over events read from a file: kept in a log of their own, without limit,
        whose counters are those of these events."""
        log = EventLog(None)
        handshake: HandshakeEvent | None = None
        for event in events:
            log.append(event)
            if isinstance(event, HandshakeEvent) and not event.proxy_hop:
                handshake = event
        return cls(
            title, log, description, counters=log.counters, heading=heading, handshake=handshake
        )

    @classmethod
    def of_file(cls, path: str, imported: ImportedLog) -> LogPage:
        """An imported .jsonl or .har, with "Open this connection again" for its connections."""
        name = Path(path).name
        page = cls.of_events(
            f"▤ {name}", imported, f"{path} ({imported.source})", f"Imported from {name}"
        )
        page.offer_connections(imported.connections)
        return page

    @classmethod
    def of_capture(cls, capture: CaptureStore, session_id: int) -> LogPage:
        """A recorded session, as committed so far, with "Open this connection again" for
        each of its connections, read in the protocol it spoke; KeyError when there is no
        such session."""
        info = capture.session(session_id)
        events = capture.session_events(session_id)
        if info is None:
            raise KeyError(f"no recorded session {session_id}")
        others = capture.other_events(session_id)
        handshakes = [entry for _row, entry in others if isinstance(entry, HandshakeEvent)]
        page = cls(
            f"◷ {info.profile or title_for_uri(info.uri)}",
            events,
            f"{info.uri} (recorded session {session_id})",
            counters=Counters(info.messages_in, info.messages_out, info.bytes_in, info.bytes_out),
            heading=f"Recorded session {session_id}",
            handshake=handshakes[-1] if handshakes else None,
        )
        page.offer_connections(connections_of(EntryLog([0] * len(others), [e for _r, e in others])))
        kept = saved_options(info.options)
        if kept is not None and kept.protocol:  # what it spoke, not a guess
            show_as_logged(page.workspace, kept)
        return page

    @property
    def log(self) -> EventLog | EntryLog:
        """The events shown."""
        return self.workspace.source

    def title(self) -> str:
        return self._title

    def location(self) -> str:
        return self._description

    def clear_log(self) -> None:
        """Empty the view of a file's log (a file or the capture stays as it is)."""
        log = self.workspace.source
        if isinstance(log, EventLog):
            log.clear()
            self.counters = log.counters
        self.workspace.detail_view.show_event(None)
        self.workspace.show_counters(self.counters)

    def offer_connections(self, connections: Mapping[int, ConnectionOptions]) -> None:
        """Open a logged connection again, or keep it as a profile; read its messages in
        the protocol it spoke (log_protocol.py)."""
        if not connections:
            return
        self._logged_options = next(iter(connections.values()))
        show_as_logged(self.workspace, self._logged_options)
        self.reopen_button.show()
        self.keep_profile_button.show()

    def _reopen(self) -> None:
        if self._logged_options is not None:
            self.reopen_requested.emit(self._logged_options)

    def _keep_as_profile(self) -> None:
        if self._logged_options is not None:
            self.profile_requested.emit(self._logged_options)

    def _build(self) -> None:
        self.source_edit = QLineEdit(self._description)
        self.source_edit.setObjectName("logSourceEdit")
        self.source_edit.setReadOnly(True)
        self.decoding_button = QToolButton()
        self.decoding_button.setObjectName("decodingButton")
        self.decoding_button.setText("Decoding")
        self.decoding_button.setCheckable(True)
        self.decoding_button.setToolTip("How binary payloads are decoded in this log")
        self.reopen_button = QPushButton("Open this connection again")
        self.reopen_button.setObjectName("reopenConnectionButton")
        self.reopen_button.setToolTip(
            "A new tab with this log's URI, headers and subprotocols, ready to connect or save"
        )
        self.keep_profile_button = QPushButton("Save as profile…")
        self.keep_profile_button.setObjectName("logToProfileButton")
        self.keep_profile_button.setToolTip("Keep this log's URI, headers and subprotocols")
        for button in (self.reopen_button, self.keep_profile_button):
            button.hide()
        self.decoder_tab = DecoderSettingsTab()
        self.decoder_tab.hide()
        self.icon_label = QLabel()
        self.icon_label.setObjectName("logPageIcon")
        self.icon_label.setPixmap(document_icon().pixmap(16, 16))
        self.icon_label.setToolTip("A read-only log: it can't connect or send")
        self.status_label = QLabel(
            f"{self._heading} — read-only, {len(self.workspace.source):,} events"
        )
        self.status_label.setToolTip(self._description)
        self.status_label.setObjectName("connectionStatusLabel")
        self.status_label.setProperty("state", "readonly")
        self.status_label.setStyleSheet("color: #4a5568; font-weight: bold;")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.source_edit, 1)
        row.addWidget(self.decoding_button)
        status = QHBoxLayout()
        status.addWidget(self.icon_label)
        status.addWidget(self.status_label, 1)
        status.addWidget(self.reopen_button)
        status.addWidget(self.keep_profile_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.decoder_tab)
        layout.addLayout(status)
        layout.addWidget(self.workspace, 1)

        self.reopen_button.clicked.connect(self._reopen)
        self.keep_profile_button.clicked.connect(self._keep_as_profile)
        self.decoding_button.toggled.connect(self.decoder_tab.setVisible)
        self.decoder_tab.decoder_changed.connect(self.workspace.set_decoder)
        self.workspace.log_panel.clear_requested.connect(self.clear_log)
        # A file holds payloads, not the frames they crossed in.
        self.workspace.log_panel.frame_view_check.hide()
