"""A profile's saved messages: a list to send from, load into the composer, add to and
remove from; a protocol message (a saved Socket.IO event, a subscription) can be sent on
connect, after the protocol's handshake.

objectNames: `savedMessagesView`, `savedMessagesEmptyLabel`, `sendSavedMessageButton`,
`loadSavedMessageButton`, `removeSavedMessageButton`, `savedMessagesContextMenu` with
`savedMessageSendAction`, `savedMessageRemoveAction` and, for a protocol message,
`savedMessageLoadAction` and `savedMessageOnConnectAction`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.protocols import registry
from wsinspector.core.storage.profiles import MessageMode, SavedMessage
from wsinspector.core.storage.profiles.model import FieldValue

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
EMPTY_HINT = "No saved messages. Use “Save as message…” under the message box to keep one."
MODE_NAMES = {MessageMode.TEXT: "Text", MessageMode.JSON: "JSON", MessageMode.BINARY: "Binary"}
TOOLTIP_LIMIT = 2000
NAME_LIMIT = 40


def ask_text_dialog(parent: QWidget, title: str, label: str, text: str) -> str | None:
    """QInputDialog.getText (looked up at each call); None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def confirm_dialog(parent: QWidget, question: str) -> bool:
    """A Yes/No question, No by default. Only from a plain slot, never inside a coroutine."""
    answer = QMessageBox.question(
        parent,
        "wsinspector",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def suggested_name(text: str) -> str:
    """A name for a new saved message: its first non-blank line, shortened."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(line) > NAME_LIMIT:
        line = line[: NAME_LIMIT - 1] + "…"
    return line or "message"


def shown_name(message: SavedMessage) -> str:
    """The list's text: the name, then its protocol (and "on connect") or its mode unless
    it is plain text."""
    if message.protocol:
        label = registry.info(message.protocol).label
        return f"{message.name} · {label}" + (" · on connect" if message.on_connect else "")
    if message.mode == MessageMode.TEXT:
        return message.name
    return f"{message.name} · {MODE_NAMES[message.mode]}"


def tooltip(message: SavedMessage) -> str:
    text = message.text
    if len(text) > TOOLTIP_LIMIT:
        text = text[:TOOLTIP_LIMIT] + "…"
    if not message.protocol:
        return f"{MODE_NAMES[message.mode]} message:\n{text}"
    fields = "".join(f"{name}: {value}\n" for name, value in message.fields)
    when = "Sent on connect, after the handshake.\n" if message.on_connect else ""
    return f"{registry.info(message.protocol).label} message:\n{when}{fields}{text}"


class SavedMessagesView(QWidget):
    """The saved messages of one profile, in the list `savedMessagesView`.

    Double-click or Enter on a message (or its Send button / menu entry) asks for it to be
    sent; Load (button, or the menu of a protocol message) asks for it to be put into the
    composer; Remove (button, menu or Delete key) asks first, then drops it; "Send on
    connect" (the menu of a protocol message) toggles its on_connect. The view owns the list
    shown but stores nothing: the page saves the profile on messages_changed.

    The dialogs go through the attributes `ask_text(parent, title, label, text) -> str | None`
    and `confirm(parent, question) -> bool`, which tests may replace.

    Signals:
        send_requested(object): the user wants this SavedMessage sent.
        load_requested(object): the user wants this SavedMessage in the composer.
        messages_changed(tuple): the user added, changed or removed one; the new tuple of
            SavedMessage.
    """

    send_requested = Signal(object)
    load_requested = Signal(object)
    messages_changed = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ask_text: Callable[[QWidget, str, str, str], str | None] = ask_text_dialog
        self.confirm: Callable[[QWidget, str], bool] = confirm_dialog
        self._messages: tuple[SavedMessage, ...] = ()

        self.model = QStandardItemModel(self)
        self.view = QListView()
        self.view.setObjectName("savedMessagesView")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty_label = QLabel(EMPTY_HINT)
        self.empty_label.setObjectName("savedMessagesEmptyLabel")
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # drawn greyed, as a hint
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendSavedMessageButton")
        self.send_button.setToolTip("Send the selected message (double-click or Enter)")
        self.load_button = QPushButton("Load")
        self.load_button.setObjectName("loadSavedMessageButton")
        self.load_button.setToolTip("Put the selected message into the composer, to edit it")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeSavedMessageButton")
        self.remove_button.setToolTip("Remove the selected message from the profile (Delete)")

        self.send_action = QAction("Send", self)
        self.send_action.setObjectName("savedMessageSendAction")
        self.send_action.triggered.connect(self.send_selected)
        self.load_action = QAction("Load into the composer", self)
        self.load_action.setObjectName("savedMessageLoadAction")
        self.load_action.triggered.connect(self.load_selected)
        self.on_connect_action = QAction("Send on connect", self)
        self.on_connect_action.setObjectName("savedMessageOnConnectAction")
        self.on_connect_action.setCheckable(True)
        self.on_connect_action.setToolTip(
            "Send this protocol message on every connection, once the protocol's handshake is "
            "done (plain messages: the connection's On connect tab)"
        )
        self.on_connect_action.triggered.connect(self.set_selected_on_connect)
        self.remove_action = QAction("Remove…", self)
        self.remove_action.setObjectName("savedMessageRemoveAction")
        self.remove_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.remove_action.triggered.connect(self.remove_selected)
        self.view.addAction(self.remove_action)

        title = QLabel("<b>Saved messages</b>")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)

        self.view.activated.connect(self._on_activated)
        self.view.customContextMenuRequested.connect(self._show_context_menu)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.send_button.clicked.connect(self.send_selected)
        self.load_button.clicked.connect(self.load_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self._fill()

    # -- contents ---------------------------------------------------------------------------

    def messages(self) -> tuple[SavedMessage, ...]:
        return self._messages

    def set_messages(self, messages: tuple[SavedMessage, ...] | list[SavedMessage]) -> None:
        """Show these messages (a profile was opened or reloaded); emits nothing."""
        self._messages = tuple(messages)
        self._fill()

    def add_message(self, message: SavedMessage) -> None:
        """Append a message, select it, and emit messages_changed."""
        self._messages = (*self._messages, message)
        self._fill()
        self.select_row(len(self._messages) - 1)
        self.messages_changed.emit(self._messages)

    def save_new(
        self,
        text: str,
        mode: str,
        protocol: str = "",
        fields: tuple[tuple[str, FieldValue], ...] = (),
    ) -> bool:
        """Ask a name for (text, mode) (a MessageMode value, as Composer.save_requested gives
        it) and add it, with a protocol composer's fields when the page speaks `protocol`;
        False if the user cancelled. Blank names become the suggested one."""
        suggestion = suggested_name(str(dict(fields).get("event") or "") or text)
        name = self.ask_text(self, "Save message", "Name of the saved message:", suggestion)
        if name is None:
            return False
        name = name.strip() or suggestion
        self.add_message(SavedMessage(name, text, MessageMode(mode), protocol, fields))
        return True

    def _fill(self) -> None:
        self.model.clear()
        for message in self._messages:
            item = QStandardItem(shown_name(message))
            item.setToolTip(tooltip(message))
            item.setData(message, MESSAGE_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        self.empty_label.setVisible(not self._messages)
        self._update_actions()

    # -- selection and actions --------------------------------------------------------------

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def selected_row(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def selected_message(self) -> SavedMessage | None:
        row = self.selected_row()
        return self._messages[row] if row is not None else None

    def _update_actions(self) -> None:
        message = self.selected_message()
        has = message is not None
        for widget in (
            self.send_button,
            self.load_button,
            self.remove_button,
            self.send_action,
            self.load_action,
            self.remove_action,
        ):
            widget.setEnabled(has)
        self.on_connect_action.setEnabled(message is not None and bool(message.protocol))
        self.on_connect_action.setChecked(message is not None and message.on_connect)

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.send_requested.emit(self._messages[index.row()])

    def send_selected(self) -> None:
        message = self.selected_message()
        if message is not None:
            self.send_requested.emit(message)

    def load_selected(self) -> None:
        message = self.selected_message()
        if message is not None:
            self.load_requested.emit(message)

    def set_selected_on_connect(self, on: bool) -> None:
        """Send the selected protocol message on connect (or not); emits messages_changed."""
        row = self.selected_row()
        if row is None or not self._messages[row].protocol:
            return
        changed = dataclasses.replace(self._messages[row], on_connect=on)
        self._messages = (*self._messages[:row], changed, *self._messages[row + 1 :])
        self._fill()
        self.select_row(row)
        self.messages_changed.emit(self._messages)

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        if not self.confirm(self, f"Remove the saved message “{self._messages[row].name}”?"):
            return
        self._messages = self._messages[:row] + self._messages[row + 1 :]
        self._fill()
        if self._messages:
            self.select_row(min(row, len(self._messages) - 1))
        self.messages_changed.emit(self._messages)

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("savedMessagesContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(self.send_action)
        message = self.selected_message()
        if message is not None and message.protocol:
            # A protocol message's own entries; a plain one loads with the Load button.
            menu.addAction(self.load_action)
            menu.addAction(self.on_connect_action)
        menu.addAction(self.remove_action)
        return menu

    def _show_context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if index.isValid():
            self.view.setCurrentIndex(index)
        # popup(), not exec(): a nested event loop would re-enter qasync's running task.
        self.context_menu().popup(self.view.viewport().mapToGlobal(position))
