"""A relay page's held messages: the list, an editor for the selected one, and what to do with it.

objectNames: `heldView` (one item per held message, oldest first; its UserRole is the log's
event id), `heldEdit` (the selected message's text, to edit), `forwardButton` (as it came),
`forwardEditedButton` (with `heldEdit`'s text), `dropButton`, `forwardAllButton`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.serving.relay import HeldMessage
from wsinspector.core.serving.relay_words import way_words

PREVIEW_CHARS = 120
EVENT_ID_ROLE = Qt.ItemDataRole.UserRole


def held_text(message: HeldMessage) -> str:
    """A held message's text for the editor: its text, or its bytes as hex."""
    if message.text:
        return message.data.decode(errors="replace")
    return message.data.hex(" ")


class HeldPane(QWidget):
    """The held messages and the buttons that let them go.

    Signals:
        forward_requested(int, object): forward event id, as it came (None) or edited (str).
        drop_requested(int): drop event id.
        forward_all_requested(): forward every held message.
    """

    forward_requested = Signal(int, object)
    drop_requested = Signal(int)
    forward_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messages: dict[int, HeldMessage] = {}
        self.title = QLabel("Held messages: none")
        self.view = QListWidget()
        self.view.setObjectName("heldView")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("heldEdit")
        self.editor.setPlaceholderText("The selected held message: edit it, then Forward edited")
        self.forward_button = QPushButton("Forward")
        self.forward_button.setObjectName("forwardButton")
        self.forward_edited_button = QPushButton("Forward edited")
        self.forward_edited_button.setObjectName("forwardEditedButton")
        self.drop_button = QPushButton("Drop")
        self.drop_button.setObjectName("dropButton")
        self.forward_all_button = QPushButton("Forward all")
        self.forward_all_button.setObjectName("forwardAllButton")
        buttons = QHBoxLayout()
        for button in (
            self.forward_button,
            self.forward_edited_button,
            self.drop_button,
            self.forward_all_button,
        ):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.view.currentItemChanged.connect(lambda *_: self._show_selected())
        self.forward_button.clicked.connect(lambda: self._act(edited=False))
        self.forward_edited_button.clicked.connect(lambda: self._act(edited=True))
        self.drop_button.clicked.connect(self._drop)
        self.forward_all_button.clicked.connect(self.forward_all_requested)
        self._update_buttons()

    def show_held(self, held: list[HeldMessage]) -> None:
        """List `held`, keeping the selection (and its edits) when it is still held."""
        selected = self.selected_id()
        self._messages = {message.event_id: message for message in held}
        self.view.blockSignals(True)
        self.view.clear()
        for message in held:
            preview = held_text(message).replace("\n", " ")[:PREVIEW_CHARS]
            item = QListWidgetItem(
                f"#{message.event_id} · client {message.client} ·"
                f" {way_words(message.direction)} · {preview}"
            )
            item.setData(EVENT_ID_ROLE, message.event_id)
            self.view.addItem(item)
            if message.event_id == selected:
                self.view.setCurrentItem(item)
        self.view.blockSignals(False)
        if self.view.currentItem() is None and held:
            self.view.setCurrentRow(0)  # shows it in the editor
        elif not held:
            self.editor.clear()
        count = len(held)
        self.title.setText(f"Held messages: {count}" if count else "Held messages: none")
        self._update_buttons()

    def selected_id(self) -> int | None:
        item = self.view.currentItem()
        return int(item.data(EVENT_ID_ROLE)) if item is not None else None

    def _show_selected(self) -> None:
        event_id = self.selected_id()
        message = self._messages.get(event_id) if event_id is not None else None
        self.editor.setPlainText(held_text(message) if message is not None else "")
        self._update_buttons()

    def _act(self, *, edited: bool) -> None:
        event_id = self.selected_id()
        if event_id is None:
            return
        message = self._messages[event_id]
        payload: object = None
        if edited:
            text = self.editor.toPlainText()
            try:
                payload = text if message.text else bytes.fromhex(text)
            except ValueError:
                self.title.setText("Not forwarded: a binary message is edited as hex bytes")
                return
        self.forward_requested.emit(event_id, payload)

    def _drop(self) -> None:
        event_id = self.selected_id()
        if event_id is not None:
            self.drop_requested.emit(event_id)

    def _update_buttons(self) -> None:
        selected = self.selected_id() is not None
        for button in (self.forward_button, self.forward_edited_button, self.drop_button):
            button.setEnabled(selected)
        self.forward_all_button.setEnabled(bool(self._messages))
