"""The message composer: text, JSON checked before sending, binary from hex or from a file."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.formatting import parse_hex
from wsinspector.qt.icons import icon

TEXT, JSON, HEX = "Text", "JSON", "Binary (hex)"
DISCONNECTED_HINT = "Connect to send messages; what you type here is kept."
CONNECTED_HINT = "Type a message; Ctrl+Enter sends it."


class Composer(QWidget):
    """Writes messages; sends nothing while disconnected (the buttons are disabled then).

    Signals:
        send_text(str): a text message to send.
        send_binary(bytes): a binary message to send.
        ping_requested(): the user wants a ping.
    """

    send_text = Signal(str)
    send_binary = Signal(bytes)
    ping_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_edit = QPlainTextEdit()
        self.message_edit.setObjectName("messageEdit")
        self.message_edit.setPlaceholderText(DISCONNECTED_HINT)
        self.message_edit.setMaximumHeight(110)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("messageFormatCombo")
        self.format_combo.addItems([TEXT, JSON, HEX])
        self.send_button = QPushButton(icon("send"), "Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send the message (Ctrl+Enter)")
        self.send_file_button = QPushButton("Send file…")
        self.send_file_button.setObjectName("sendFileButton")
        self.send_file_button.setToolTip("Send a file's bytes as one binary message")
        self.ping_button = QPushButton(icon("ping"), "Ping")
        self.ping_button.setObjectName("pingButton")
        self.error_label = QLabel()
        self.error_label.setObjectName("composerErrorLabel")
        self.error_label.setStyleSheet("color: #c53030;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        buttons = QVBoxLayout()
        buttons.addWidget(self.format_combo)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.send_file_button)
        buttons.addWidget(self.ping_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.message_edit, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.error_label)

        self.send_button.clicked.connect(self.send)
        self.send_file_button.clicked.connect(self._send_file)
        self.ping_button.clicked.connect(self.ping_requested)
        self.message_edit.textChanged.connect(self._clear_error)
        self.format_combo.currentIndexChanged.connect(self._clear_error)
        # Scoped to this composer: every connection page has one, and a window-wide shortcut
        # would be ambiguous between them.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send)
        self.set_connected(False)

    def set_connected(self, connected: bool) -> None:
        for button in (self.send_button, self.send_file_button, self.ping_button):
            button.setEnabled(connected)
        self.message_edit.setPlaceholderText(CONNECTED_HINT if connected else DISCONNECTED_HINT)
        # QPlainTextEdit does not repaint for a new placeholder: on X11 the old one stayed on
        # screen, or half of it ("Tonnect…").
        self.message_edit.viewport().update()

    def set_draft(self, text: str, mode: str = TEXT) -> None:
        """Put a message into the composer (Resend from the log), ready to edit and send."""
        self.format_combo.setCurrentText(mode)
        self.message_edit.setPlainText(text)
        self.message_edit.setFocus()

    def send(self) -> None:
        if not self.send_button.isEnabled():
            return
        text = self.message_edit.toPlainText()
        mode = self.format_combo.currentText()
        if mode == JSON:
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                self.show_error(
                    f"Not sent: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
                )
                return
            self.send_text.emit(text)
        elif mode == HEX:
            try:
                data = parse_hex(text)
            except ValueError as exc:
                self.show_error(f"Not sent: {exc}")
                return
            self.send_binary.emit(data)
        else:
            self.send_text.emit(text)

    def _send_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Send a file as a binary message")
        if not path:
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self.show_error(f"Not sent: can't read {path}: {exc.strerror}")
            return
        self.send_binary.emit(data)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _clear_error(self) -> None:
        self.error_label.hide()
