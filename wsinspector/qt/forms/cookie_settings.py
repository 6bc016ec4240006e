"""The Cookies tab: name/value rows sent in the handshake's Cookie header.

`cookiesTable` holds the rows (Name, Value); `cookieAddButton` and `cookieRemoveButton` edit
them; `cookiePasteButton` fills them from the clipboard: a Cookie header, its value, or a
browser's whole request ("Copy request headers"). `keepSetCookieCheck` opts in to taking each
accepted handshake's Set-Cookie into the rows, as a browser keeps cookies for the next visit
(the page is then modified: saving the profile keeps them). `cookiesError` says what is wrong.
Values are secrets (kept in the keyring by profiles). Core: core/websocket/cookies.py.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.log.events import HandshakeEvent
from wsinspector.core.websocket.cookies import Pairs, kept_cookies, parse_cookie_text
from wsinspector.qt.forms.field_widgets import error_label


class CookieSettingsTab(QWidget):
    """The cookie rows; `cookies()`/`keep_set_cookies()` read them, `set_cookies()` fills them.

    Signals:
        edited(): the user changed a row, or a handshake's Set-Cookie did.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("cookiesTable")
        self.table.setHorizontalHeaderLabels(["Name", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("cookieAddButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("cookieRemoveButton")
        self.paste_button = QPushButton("Paste from a browser")
        self.paste_button.setObjectName("cookiePasteButton")
        self.paste_button.setToolTip(
            "Fill the rows from the clipboard: a Cookie header, or a request copied from the "
            "browser's developer tools"
        )
        self.keep_check = QCheckBox("Keep the cookies the server sets (Set-Cookie)")
        self.keep_check.setObjectName("keepSetCookieCheck")
        self.error = error_label("cookiesError")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.paste_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.keep_check)
        layout.addWidget(self.error)
        self.add_button.clicked.connect(lambda: self._add_row("", ""))
        self.remove_button.clicked.connect(self._remove_selected)
        self.paste_button.clicked.connect(self.paste)
        self.keep_check.toggled.connect(lambda _on: self.edited.emit())
        self.table.itemChanged.connect(lambda _item: self.edited.emit())

    def cookies(self) -> Pairs:
        pairs = []
        for row in range(self.table.rowCount()):
            name, value = (self.table.item(row, column) for column in range(2))
            name_text = name.text().strip() if name is not None else ""
            if name_text:
                pairs.append((name_text, value.text() if value is not None else ""))
        return tuple(pairs)

    def keep_set_cookies(self) -> bool:
        return self.keep_check.isChecked()

    def set_cookies(self, cookies: Pairs, keep: bool) -> None:
        blocked = self.blockSignals(True)
        try:
            self.table.setRowCount(0)
            for name, value in cookies:
                self._add_row(name, value)
            self.keep_check.setChecked(keep)
        finally:
            self.blockSignals(blocked)

    def paste(self) -> None:
        pairs = parse_cookie_text(QGuiApplication.clipboard().text())
        if not pairs:
            self.error.setText("The clipboard holds no cookies (a Cookie header or a request)")
            self.error.show()
            return
        self.error.hide()
        self.set_cookies(pairs, self.keep_set_cookies())
        self.edited.emit()

    def take_set_cookies(self, event: HandshakeEvent) -> None:
        """Keep the cookies an accepted handshake set, when the user opted in."""
        if not (self.keep_set_cookies() and event.accepted) or event.proxy_hop:
            return
        kept = kept_cookies(self.cookies(), event.response_headers)
        if kept != self.cookies():
            self.set_cookies(kept, True)
            self.edited.emit()

    def _add_row(self, name: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        self.table.setItem(row, 1, QTableWidgetItem(value))

    def _remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.edited.emit()
