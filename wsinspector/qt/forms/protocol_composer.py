"""The composer's fields in the page's protocol's terms, above the message box (`messageEdit`
holds Socket.IO's arguments as JSON, GraphQL's operation, MQTT's payload, STOMP's body or a
SignalR hub method's arguments as JSON).

objectNames: `protocolComposer`, `eventNameEdit`, `ackCheck`, `variablesEdit`,
`stopOperationButton`, `protocolComposeError`; MQTT `mqttActionCombo`, `topicEdit`,
`qosCombo`, `retainCheck`; STOMP `stompCommandCombo`, `destinationEdit`, `stompHeadersEdit`;
SignalR `hubMethodEdit`, `signalrModeCombo`.

Signals:
    stop_requested(str): stop the running GraphQL operation with this id.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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

STOMP_COMMANDS = ("SEND", "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK", "BEGIN", "COMMIT", "ABORT")
QOS_ITEMS = ("0 (at most once)", "1 (at least once)", "2 (exactly once)")
# The fields each protocol's row shows: what a saved message of that protocol keeps.
FIELDS = {
    registry.SOCKETIO: ("event", "ack"),
    registry.GRAPHQL: ("variables",),
    registry.MQTT: ("action", "topic", "qos", "retain"),
    registry.STOMP: ("command", "destination", "headers"),
    registry.SIGNALR: ("method", "mode"),
}


def _row(*widgets: QWidget | str) -> QWidget:
    """One line of fields; a str is a label."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        if isinstance(widget, str):
            layout.addWidget(QLabel(widget))
        else:
            layout.addWidget(widget, 1 if isinstance(widget, (QLineEdit, QPlainTextEdit)) else 0)
    return row


def _combo(name: str, items: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems(list(items))
    return combo


def _edit(name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class ProtocolComposer(QWidget):
    stop_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protocolComposer")
        self.event_edit = QLineEdit()
        self.event_edit.setObjectName("eventNameEdit")
        self.event_edit.setPlaceholderText(
            'event name (arguments below as JSON; {"$binary": "<base64>"} for bytes)'
        )
        self.event_edit.setToolTip(
            "The event's arguments go in the message box as JSON: an array is several "
            'arguments, and {"$binary": "<base64>"} stands for bytes, sent as binary '
            "attachments"
        )
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
        self.mqtt_action = _combo("mqttActionCombo", ("Publish", "Subscribe", "Unsubscribe"))
        self.topic_edit = _edit("topicEdit", "topic (publish) or filter (subscribe), e.g. a/+/c")
        self.qos_combo = _combo("qosCombo", QOS_ITEMS)
        self.retain_check = QCheckBox("Retain")
        self.retain_check.setObjectName("retainCheck")
        self.stomp_command = _combo("stompCommandCombo", STOMP_COMMANDS)
        self.destination_edit = _edit("destinationEdit", "destination, e.g. /queue/a")
        self.headers_edit = QPlainTextEdit()
        self.headers_edit.setObjectName("stompHeadersEdit")
        self.headers_edit.setPlaceholderText("headers, one name: value a line (the body below)")
        self.headers_edit.setMaximumHeight(60)
        self.method_edit = _edit("hubMethodEdit", "hub method (its arguments below, as JSON)")
        self.signalr_mode = _combo("signalrModeCombo", ("Invoke", "Send", "Stream"))
        self._rows = {
            registry.SOCKETIO: self._socketio,
            registry.GRAPHQL: self._graphql,
            registry.MQTT: _row(
                self.mqtt_action, self.topic_edit, "QoS", self.qos_combo, self.retain_check
            ),
            registry.STOMP: _row(self.stomp_command, self.destination_edit, self.headers_edit),
            registry.SIGNALR: _row("Method", self.method_edit, self.signalr_mode),
        }
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for row_widget in self._rows.values():
            layout.addWidget(row_widget)
        layout.addWidget(self.error)
        self._running: dict[str, str] = {}
        self.stop_button.clicked.connect(self._stop_latest)
        self.set_protocol(registry.WEBSOCKET)

    def set_protocol(self, key: str) -> None:
        for row_key, row_widget in self._rows.items():
            row_widget.setVisible(row_key == key)
        self.setVisible(key in self._rows)
        self.show_error(None)

    def composed(self, body: str) -> Composed:
        return {
            BODY: body,
            "event": self.event_edit.text(),
            "ack": self.ack_check.isChecked(),
            "variables": self.variables_edit.toPlainText(),
            "action": self.mqtt_action.currentText().lower(),
            "topic": self.topic_edit.text(),
            "qos": self.qos_combo.currentIndex(),
            "retain": self.retain_check.isChecked(),
            "command": self.stomp_command.currentText(),
            "destination": self.destination_edit.text(),
            "headers": self.headers_edit.toPlainText(),
            "method": self.method_edit.text(),
            "mode": self.signalr_mode.currentText().lower(),
        }

    def fields(self, key: str) -> tuple[tuple[str, str | bool | int], ...]:
        """The fields of protocol `key`'s row as they are (the body aside), to save."""
        composed = self.composed("")
        return tuple((name, composed[name]) for name in FIELDS.get(key, ()))

    def fill(self, fields: Mapping[str, str | bool | int]) -> None:
        """Put a saved message's fields back (those it has; the others stay as they are)."""
        texts = {
            "event": self.event_edit.setText,
            "topic": self.topic_edit.setText,
            "destination": self.destination_edit.setText,
            "method": self.method_edit.setText,
            "variables": self.variables_edit.setPlainText,
            "headers": self.headers_edit.setPlainText,
        }
        combos = {
            "action": self.mqtt_action,
            "command": self.stomp_command,
            "mode": self.signalr_mode,
        }
        checks = {"ack": self.ack_check, "retain": self.retain_check}
        for name, value in fields.items():
            if name in texts:
                texts[name](str(value))
            elif name in combos:
                combo = combos[name]
                index = combo.findText(str(value), Qt.MatchFlag.MatchFixedString)
                if index >= 0:
                    combo.setCurrentIndex(index)
            elif name in checks:
                checks[name].setChecked(bool(value))
            elif name == "qos" and isinstance(value, int) and 0 <= value < len(QOS_ITEMS):
                self.qos_combo.setCurrentIndex(value)

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
