"""The message composer: text, JSON checked before sending, binary from hex or from a file,
or JSON encoded as MessagePack or CBOR (sent as a binary message; saved as its JSON).

Each composer keeps the messages it sent, as a shell keeps commands: Up in an empty composer
brings back the last one, Up and Down walk further while what is shown is a history entry
(moving the cursor first in a message of several lines), Down past the newest empties the
composer again. Editing a recalled message stops the walk; sending it adds it as the newest.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextCursor
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

from wsinspector.core.app.errors import UserError
from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.storage.profiles import MessageMode
from wsinspector.core.text.formatting import parse_hex
from wsinspector.qt.forms.file_sender import FileSendStatus
from wsinspector.qt.widgets.icons import icon

TEXT, JSON, HEX = "Text", "JSON", "Binary (hex)"
AS_MSGPACK, AS_CBOR = "JSON → MessagePack", "JSON → CBOR"
# The formats that encode the JSON typed before sending it as a binary message.
ENCODINGS = {AS_MSGPACK: DecoderKind.MSGPACK, AS_CBOR: DecoderKind.CBOR}
# The format box's labels and the saved-message modes of core.profiles, both ways (a message
# to encode is kept as its JSON).
MODE_OF_LABEL = {
    TEXT: MessageMode.TEXT,
    JSON: MessageMode.JSON,
    HEX: MessageMode.BINARY,
    AS_MSGPACK: MessageMode.JSON,
    AS_CBOR: MessageMode.JSON,
}
LABEL_OF_MODE = {MessageMode.TEXT: TEXT, MessageMode.JSON: JSON, MessageMode.BINARY: HEX}
HISTORY_LIMIT = 200
DISCONNECTED_HINT = "Connect to send messages; what you type here is kept."
CONNECTED_HINT = "Type a message; Ctrl+Enter sends it."


class Composer(QWidget):
    """Writes messages; sends nothing while disconnected (the buttons are disabled then).

    Signals:
        send_text(str): a text message to send.
        send_binary(bytes): a binary message to send.
        send_file(str): the path of a file to send as one binary message (the page checks
            it against its limit and streams it; `file_status` shows the progress).
        send_encoded(str, object): JSON text to send encoded as the DecoderKind given
            (MessagePack or CBOR), once the page has filled its {{variables}}.
        ping_requested(): the user wants a ping.
        save_requested(str, str): the user wants (text, mode) kept as a saved message; mode
            is a MessageMode value ("text", "json", "binary" with hex digits as text). The
            "Save as message…" button is shown only after set_can_save(True).
    """

    send_text = Signal(str)
    send_binary = Signal(bytes)
    send_file = Signal(str)
    send_encoded = Signal(str, object)
    ping_requested = Signal()
    save_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A protocol message may have no body (an MQTT subscription): the page says so.
        self.empty_saves = False
        self.message_edit = QPlainTextEdit()
        self.message_edit.setObjectName("messageEdit")
        self.message_edit.setPlaceholderText(DISCONNECTED_HINT)
        self.message_edit.setMaximumHeight(110)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("messageFormatCombo")
        self.format_combo.addItems([TEXT, JSON, HEX, AS_MSGPACK, AS_CBOR])
        self.format_combo.setToolTip(
            "How the text is sent: as text, as checked JSON, as bytes from hex, or as JSON "
            "encoded to MessagePack or CBOR (a binary message)"
        )
        self.send_button = QPushButton(icon("send"), "Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send the message (Ctrl+Enter)")
        self.send_file_button = QPushButton("Send file…")
        self.send_file_button.setObjectName("sendFileButton")
        self.send_file_button.setToolTip("Send a file's bytes as one binary message")
        self.ping_button = QPushButton(icon("ping"), "Ping")
        self.ping_button.setObjectName("pingButton")
        self.save_message_button = QPushButton("Save as message…")
        self.save_message_button.setObjectName("saveMessageButton")
        self.save_message_button.setToolTip("Keep this message in the profile's saved messages")
        self.save_message_button.hide()
        self.error_label = QLabel()
        self.error_label.setObjectName("composerErrorLabel")
        self.error_label.setStyleSheet("color: #c53030;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.file_status = FileSendStatus()

        buttons = QVBoxLayout()
        buttons.addWidget(self.format_combo)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.send_file_button)
        buttons.addWidget(self.ping_button)
        buttons.addWidget(self.save_message_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.message_edit, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.file_status)

        self.send_button.clicked.connect(self.send)
        self.send_file_button.clicked.connect(self._send_file)
        self.ping_button.clicked.connect(self.ping_requested)
        self.save_message_button.clicked.connect(self.save_message)
        self.message_edit.textChanged.connect(self._clear_error)
        self.message_edit.textChanged.connect(self._on_text_changed)
        self.message_edit.installEventFilter(self)
        self.format_combo.currentIndexChanged.connect(self._clear_error)
        # Scoped to this composer: every connection page has one, and a window-wide shortcut
        # would be ambiguous between them.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send)
        # Sent messages, oldest first, as (text, format label); while walking, the index of the
        # entry shown and the format chosen before the walk began.
        self._history: list[tuple[str, str]] = []
        self._walk_index: int | None = None
        self._walk_start_mode = TEXT
        self.set_connected(False)

    def set_connected(self, connected: bool) -> None:
        for button in (self.send_button, self.send_file_button, self.ping_button):
            button.setEnabled(connected)
        self.message_edit.setPlaceholderText(CONNECTED_HINT if connected else DISCONNECTED_HINT)
        # QPlainTextEdit does not repaint for a new placeholder: on X11 the old one stayed on
        # screen, or half of it ("Tonnect…").
        self.message_edit.viewport().update()

    def set_can_save(self, can_save: bool) -> None:
        """Show "Save as message…" (the page has a profile to keep messages in) or hide it."""
        self.save_message_button.setVisible(can_save)

    def set_draft(self, text: str, mode: str = TEXT) -> None:
        """Put a message into the composer (Resend from the log, a saved message), ready to
        edit and send. `mode` is a format label (TEXT, JSON, HEX) or a MessageMode."""
        self.format_combo.setCurrentText(_label(mode))
        self.message_edit.setPlainText(text)
        self.message_edit.setFocus()

    def history(self) -> list[tuple[str, str]]:
        """The messages sent from this composer, oldest first, as (text, format label)."""
        return list(self._history)

    def send(self) -> None:
        if not self.send_button.isEnabled():
            return
        text = self.message_edit.toPlainText()
        mode = self.format_combo.currentText()
        payload = self._checked(text, mode, "Not sent")
        if payload is None:
            return
        if isinstance(payload, bytes):
            self.send_binary.emit(payload)
        elif mode in ENCODINGS:
            self.send_encoded.emit(payload, ENCODINGS[mode])
        else:
            self.send_text.emit(payload)
        self._remember(text, mode)

    def save_message(self) -> None:
        """Ask the page to keep the message as it would be sent (checked the same way)."""
        text = self.message_edit.toPlainText()
        mode = self.format_combo.currentText()
        if not text.strip() and not self.empty_saves:
            self.show_error("Not saved: the message is empty")
            return
        if self._checked(text, mode, "Not saved") is not None:
            self.save_requested.emit(text, MODE_OF_LABEL[mode].value)

    def _checked(self, text: str, mode: str, failure: str) -> str | bytes | None:
        """What `text` sends as in `mode`, or None after showing why it can't be sent."""
        if mode == JSON or mode in ENCODINGS:
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                self.show_error(
                    f"{failure}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
                )
                return None
        elif mode == HEX:
            try:
                return parse_hex(text)
            except UserError as exc:
                self.show_error(f"{failure}: {exc}")
                return None
        return text

    # -- history ----------------------------------------------------------------------------

    def _remember(self, text: str, mode: str) -> None:
        if not text:
            return
        if not self._history or self._history[-1] != (text, mode):
            self._history.append((text, mode))
            del self._history[:-HISTORY_LIMIT]
        # The composer still shows what was sent, the newest entry: Up goes on from there.
        self._walk_index = len(self._history) - 1
        self._walk_start_mode = mode

    def _show_entry(self, index: int) -> None:
        text, mode = self._history[index]
        self._walk_index = index
        self.format_combo.setCurrentText(mode)
        self.message_edit.setPlainText(text)
        self.message_edit.moveCursor(QTextCursor.MoveOperation.End)

    def _on_text_changed(self) -> None:
        index = self._walk_index
        if index is not None and self.message_edit.toPlainText() != self._history[index][0]:
            self._walk_index = None  # edited: the arrows move the cursor again

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.message_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._history_key(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def _history_key(self, event: QKeyEvent) -> bool:
        """Walk the history for Up or Down, as a shell does; False to let the key move the
        cursor (a modifier, a message being edited, not on the first or last line)."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        block = self.message_edit.textCursor().blockNumber()
        index = self._walk_index
        if event.key() == Qt.Key.Key_Up:
            if not self.message_edit.toPlainText() and self._history:
                self._walk_start_mode = self.format_combo.currentText()
                self._show_entry(len(self._history) - 1)
                return True
            if index is not None and index > 0 and block == 0:
                self._show_entry(index - 1)
                return True
            return False
        if event.key() == Qt.Key.Key_Down:
            if index is None or block != self.message_edit.blockCount() - 1:
                return False
            if index + 1 < len(self._history):
                self._show_entry(index + 1)
            else:  # past the newest: an empty composer, in the format it had before
                self._walk_index = None
                self.message_edit.clear()
                self.format_combo.setCurrentText(self._walk_start_mode)
            return True
        return False

    def _send_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Send a file as a binary message")
        if path:
            self._clear_error()
            self.send_file.emit(path)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _clear_error(self) -> None:
        self.error_label.hide()


def _label(mode: str) -> str:
    """The format box's label for a label or a MessageMode value ("json" → "JSON")."""
    try:
        return LABEL_OF_MODE[MessageMode(mode)]
    except ValueError:
        return mode
