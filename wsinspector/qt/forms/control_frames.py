"""The payload for manual pings and pongs, typed as text or hex, and the Pong button.

Sits under the composer, whose Ping button (and Connection ▸ Ping) sends a ping with this
payload; Pong sends an unsolicited pong with it (RFC 6455 §5.5.3, a one-way heartbeat).
A payload that can't be sent (bad hex, over 125 bytes) is said next to the field.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from wsinspector.core.app.errors import UserError
from wsinspector.core.log.wireframes import MAX_CONTROL_PAYLOAD, parse_control_payload
from wsinspector.qt.forms.field_widgets import error_label


class ControlFrameBar(QWidget):
    """Payload field, hex switch, Pong button and the field's error.

    Signals:
        pong_requested(): the user wants an unsolicited pong sent.
    """

    pong_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payload_edit = QLineEdit()
        self.payload_edit.setObjectName("pingPayloadEdit")
        # The label beside it names the field: the hint says only what fits at 1280x800.
        self.payload_edit.setPlaceholderText(f"optional, up to {MAX_CONTROL_PAYLOAD} bytes")
        self.payload_edit.setToolTip(
            "Sent with Ping and Pong. Empty: a ping carries 4 random bytes, a pong none."
        )
        self.hex_check = QCheckBox("hex")
        self.hex_check.setObjectName("pingPayloadHexCheck")
        self.hex_check.setToolTip("The payload is hex digits (01 ff 7a), not text")
        self.pong_button = QPushButton("Pong")
        self.pong_button.setObjectName("pongButton")
        self.pong_button.setToolTip("Send an unsolicited pong: a heartbeat that needs no answer")
        self.error = error_label("pingPayloadError")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Ping/Pong payload"))
        row.addWidget(self.payload_edit, 1)
        row.addWidget(self.hex_check)
        row.addWidget(self.error)
        row.addWidget(self.pong_button)
        self.pong_button.clicked.connect(self.pong_requested)
        self.payload_edit.textChanged.connect(lambda _text: self.error.hide())
        self.hex_check.toggled.connect(lambda _on: self.error.hide())

    def set_connected(self, connected: bool) -> None:
        self.pong_button.setEnabled(connected)

    def payload(self) -> bytes | None:
        """The typed payload (b"" when empty), or None after showing why it can't be sent."""
        try:
            payload = parse_control_payload(self.payload_edit.text(), self.hex_check.isChecked())
        except UserError as exc:
            self.error.setText(f"Not sent: {exc}")
            self.error.show()
            return None
        self.error.hide()
        return payload
