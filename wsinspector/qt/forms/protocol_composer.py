"""The composer's fields in the page's protocol's terms, above the message box (`messageEdit`
holds Socket.IO's arguments as JSON, or GraphQL's operation).

objectNames: `protocolComposer`, `eventNameEdit`, `ackCheck`, `variablesEdit`,
`stopOperationButton`, `protocolComposeError`.

Signals:
    stop_requested(str): stop the running GraphQL operation with this id.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import BODY, Composed, ComposeError
from wsinspector.qt.forms.field_widgets import error_label


class ProtocolComposer(QWidget):
    stop_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protocolComposer")
        self.event_edit = QLineEdit()
        self.event_edit.setObjectName("eventNameEdit")
        self.event_edit.setPlaceholderText("event name (the arguments go below, as JSON)")
        self.ack_check = QCheckBox("Ask for an acknowledgement")
        self.ack_check.setObjectName("ackCheck")
        self.variables_edit = QPlainTextEdit()
        self.variables_edit.setObjectName("variablesEdit")
        self.variables_edit.setPlaceholderText("variables as a JSON object")
        self.variables_edit.setMaximumHeight(60)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopOperationButton")
        self.stop_button.setToolTip("Stop the latest running operation (a subscription)")
        self.error = error_label("protocolComposeError")
        self._socketio = QWidget()
        row = QHBoxLayout(self._socketio)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Event"))
        row.addWidget(self.event_edit, 1)
        row.addWidget(self.ack_check)
        self._graphql = QWidget()
        grow = QHBoxLayout(self._graphql)
        grow.setContentsMargins(0, 0, 0, 0)
        grow.addWidget(QLabel("Variables"))
        grow.addWidget(self.variables_edit, 1)
        grow.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._socketio)
        layout.addWidget(self._graphql)
        layout.addWidget(self.error)
        self._running: dict[str, str] = {}
        self.stop_button.clicked.connect(self._stop_latest)
        self.set_protocol(registry.WEBSOCKET)

    def set_protocol(self, key: str) -> None:
        self._socketio.setVisible(key == registry.SOCKETIO)
        self._graphql.setVisible(key == registry.GRAPHQL)
        self.setVisible(key in (registry.SOCKETIO, registry.GRAPHQL))
        self.show_error(None)

    def composed(self, body: str) -> Composed:
        return {
            BODY: body,
            "event": self.event_edit.text(),
            "ack": self.ack_check.isChecked(),
            "variables": self.variables_edit.toPlainText(),
        }

    def show_error(self, error: ComposeError | None) -> None:
        """A mistake next to its field (the body's goes to the composer's own error line)."""
        self.error.setText(str(error) if error is not None else "")
        self.error.setVisible(error is not None)

    def set_running(self, running: dict[str, str]) -> None:
        self._running = running
        self.stop_button.setEnabled(bool(running))
        names = ", ".join(f"{name} #{key}" for key, name in running.items())
        self.stop_button.setToolTip(f"Running: {names}" if names else "Nothing running")

    def _stop_latest(self) -> None:
        if self._running:
            self.stop_requested.emit(list(self._running)[-1])
