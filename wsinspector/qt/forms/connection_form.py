"""The connection settings ↔ ConnectionOptions, with each problem shown next to its field.

The URI row (uriEdit, Connect, Close with code and reason) lives in the page's top bar; this
widget holds everything else as tabs under it, the way Postman does: Headers, Handshake, Auth
(qt/forms/auth_settings.py), Cookies (qt/forms/cookie_settings.py), TLS, Proxy
(qt/forms/proxy_settings.py), Reconnect, Advanced, On connect, Decoding. The tabs collapse to
their bar, so the log and panes get the room; settingsTabsMenuButton ("»", shown when the bar
is too narrow for its tabs) lists them all. `to_options(uri)` builds the record.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTabBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.websocket.options import (
    CLOSE_TIMEOUT_MAX,
    DEFAULT_MAX_MESSAGE_SIZE,
    MAX_MESSAGE_SIZE_MIB,
    OPEN_TIMEOUT_MAX,
    PING_SECONDS_MAX,
    ConnectionOptions,
    UserAgentMode,
)
from wsinspector.core.websocket.redirects import MOST_REDIRECTS
from wsinspector.core.websocket.validation import FieldError
from wsinspector.qt.forms.auth_settings import AuthSettingsTab
from wsinspector.qt.forms.client_cert_settings import ClientCertRows
from wsinspector.qt.forms.cookie_settings import CookieSettingsTab
from wsinspector.qt.forms.decoder_settings import DecoderSettingsTab
from wsinspector.qt.forms.field_widgets import (
    BAD_ROW_BRUSH,
    error_label,
    scrolled,
    seconds_spin,
)
from wsinspector.qt.forms.proxy_settings import ProxySettingsTab
from wsinspector.qt.forms.reconnect_settings import ReconnectSettings
from wsinspector.qt.forms.tab_overflow import TabOverflowButton

MIB = 2**20
# The on-connect box's paragraphs, as QTextDocument.toRawText() separates them.
PARAGRAPH_SEPARATOR = "\u2029"

# The open settings take at most this much height: the log and the panes keep the rest.
SETTINGS_MAX_HEIGHT = 230
ERROR_TAB_COLOR = QColor("#c53030")


class ConnectionForm(QWidget):
    """Everything about a connection except its URI, as tabs that collapse to their bar.

    Signals:
        edited(): any field changed (clears stale error messages).
        collapsed_changed(bool): the settings were folded away (True) or opened (False).
    """

    edited = Signal()
    collapsed_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionForm")
        self.tab_bar = QTabBar()
        self.tab_bar.setObjectName("settingsTabBar")
        self.tab_bar.setDrawBase(False)
        self.tab_bar.setExpanding(False)
        self.stack = QStackedWidget()
        self.stack.setObjectName("settingsStack")
        self.stack.setMaximumHeight(SETTINGS_MAX_HEIGHT)
        self._pages: list[QWidget] = []
        self.reconnect_settings = ReconnectSettings()
        self.proxy_tab = ProxySettingsTab()
        self.proxy_tab.edited.connect(self.edited)
        self.auth_tab = AuthSettingsTab()
        self.auth_tab.edited.connect(self.edited)
        self.cookies_tab = CookieSettingsTab()
        self.cookies_tab.edited.connect(self.edited)
        for title, page in (
            ("Headers", self._build_headers_page()),
            ("Handshake", self._build_handshake_page()),
            ("Auth", self.auth_tab),
            ("Cookies", self.cookies_tab),
            ("TLS", self._build_tls_group()),
            ("Proxy", self.proxy_tab),
            ("Reconnect", self.reconnect_settings),
            ("Advanced", self._build_limits_group()),
            ("On connect", self._build_on_connect_page()),
            ("Decoding", self._build_decoding_page()),
        ):
            self._pages.append(page)
            self.tab_bar.addTab(title)
            self.stack.addWidget(scrolled(page))
        self.toggle_button = QToolButton()
        self.toggle_button.setObjectName("settingsToggleButton")
        self.toggle_button.setAutoRaise(True)
        self.toggle_button.clicked.connect(lambda: self.set_collapsed(not self.collapsed))
        self.tab_bar.tabBarClicked.connect(self._on_tab_clicked)
        self.tabs_menu_button = TabOverflowButton(self.tab_bar, "settingsTabsMenuButton")
        self.tabs_menu_button.chosen.connect(lambda _index: self.set_collapsed(False))
        self.tab_bar.currentChanged.connect(self.stack.setCurrentIndex)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Settings:"))
        bar.addWidget(self.tab_bar)
        bar.addWidget(self.tabs_menu_button)
        bar.addWidget(self.toggle_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.stack)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._collapsed = False
        self._loading = False
        self.set_collapsed(True)
        self._header_model_rows: list[int] = []
        self._error_labels = {
            "origin": self.origin_error,
            "subprotocols": self.subprotocols_error,
            "headers": self.headers_error,
            "user_agent": self.user_agent_error,
            "ca_file": self.ca_file_error,
            "reconnect": self.reconnect_settings.error_label,
            "on_connect": self.on_connect_error,
            "proxy": self.proxy_tab.error,
            "client_cert": self.client_cert.error,
            "auth": self.auth_tab.error,
            "cookies": self.cookies_tab.error,
        }

    # -- collapsing ---------------------------------------------------------------------------

    @property
    def collapsed(self) -> bool:
        return self._collapsed

    def set_collapsed(self, collapsed: bool) -> None:
        self.stack.setVisible(not collapsed)
        self.toggle_button.setText("Show ▾" if collapsed else "Hide ▴")
        self.toggle_button.setToolTip(
            "Open the connection settings" if collapsed else "Fold the settings away"
        )
        if collapsed != self._collapsed:
            self._collapsed = collapsed
            self.collapsed_changed.emit(collapsed)

    def add_tab(self, title: str, page: QWidget) -> None:
        """One more settings tab (the page adds Variables, which belong to its profile)."""
        self._pages.append(page)
        self.tab_bar.addTab(title)
        self.stack.addWidget(scrolled(page))
        self.tabs_menu_button.update_visibility()

    def keep_only_tab(self, title: str) -> None:
        """Hide every tab but `title` (a read-only page keeps its Decoding settings)."""
        for index in range(self.tab_bar.count()):
            shown = self.tab_bar.tabText(index).removeprefix("⚠ ") == title
            self.tab_bar.setTabVisible(index, shown)
            if shown:
                self.tab_bar.setCurrentIndex(index)

    def _on_tab_clicked(self, index: int) -> None:
        # Clicking the open tab folds the settings away; any tab opens them.
        if index == self.tab_bar.currentIndex() and not self.collapsed:
            self.set_collapsed(True)
        else:
            self.set_collapsed(False)

    def _tab_of(self, widget: QWidget) -> int:
        for index, page in enumerate(self._pages):
            if page.isAncestorOf(widget):
                return index
        return -1

    # -- building ---------------------------------------------------------------------------

    def _build_headers_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self._build_headers(form)
        self.headers_model.dataChanged.connect(self.edited)
        return page

    def _build_on_connect_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.on_connect_edit = QPlainTextEdit()
        self.on_connect_edit.setObjectName("onConnectMessagesEdit")
        self.on_connect_edit.setPlaceholderText(
            "Text messages sent after every (re)connect, one per line, e.g. a subscription"
        )
        layout.addWidget(self.on_connect_edit)
        self.on_connect_error = error_label("onConnectError")
        layout.addWidget(self.on_connect_error)
        return page

    def _build_decoding_page(self) -> QWidget:
        self.decoder_tab = DecoderSettingsTab()
        self.decoder_tab.edited.connect(self.edited)
        return self.decoder_tab

    def _build_handshake_page(self) -> QWidget:
        group = QWidget()
        form = QFormLayout(group)
        self.origin_edit = QLineEdit()
        self.origin_edit.setObjectName("originEdit")
        self.origin_edit.setPlaceholderText("none sent, e.g. https://example.com")
        self.origin_error = error_label("originError")
        form.addRow("Origin", self.origin_edit)
        form.addRow("", self.origin_error)

        self.subprotocols_edit = QLineEdit()
        self.subprotocols_edit.setObjectName("subprotocolsEdit")
        self.subprotocols_edit.setPlaceholderText("comma-separated, in order of preference")
        self.subprotocols_error = error_label("subprotocolsError")
        form.addRow("Subprotocols", self.subprotocols_edit)
        form.addRow("", self.subprotocols_error)
        self._build_user_agent(form)
        return group

    def _build_headers(self, form: QFormLayout) -> None:
        self.headers_model = QStandardItemModel(0, 2, self)
        self.headers_model.setHorizontalHeaderLabels(["Name", "Value"])
        self.headers_table = QTableView()
        self.headers_table.setObjectName("headersTable")
        self.headers_table.setModel(self.headers_model)
        self.headers_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.headers_table.verticalHeader().hide()
        self.headers_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.headers_table.setMinimumHeight(90)
        add_header = QPushButton("Add header")
        add_header.setObjectName("addHeaderButton")
        add_header.clicked.connect(self.add_header_row)
        remove_header = QPushButton("Remove")
        remove_header.setObjectName("removeHeaderButton")
        remove_header.clicked.connect(self._remove_selected_headers)
        buttons = QHBoxLayout()
        buttons.addWidget(add_header)
        buttons.addWidget(remove_header)
        buttons.addStretch(1)
        self.headers_error = error_label("headersError")
        form.addRow(self.headers_table)
        form.addRow(buttons)
        form.addRow(self.headers_error)

    def _build_user_agent(self, form: QFormLayout) -> None:
        self.send_user_agent_check = QCheckBox("Send a User-Agent header")
        self.send_user_agent_check.setObjectName("sendUserAgentCheck")
        self.send_user_agent_check.setChecked(True)
        # Library default or this text; unticking the box above sends none. Typing a text picks
        # "this text", clearing it goes back to the default: the box alone does the obvious.
        self.user_agent_mode_combo = QComboBox()
        self.user_agent_mode_combo.setObjectName("userAgentModeCombo")
        self.user_agent_mode_combo.addItem("library default", UserAgentMode.DEFAULT.value)
        self.user_agent_mode_combo.addItem("this text:", UserAgentMode.CUSTOM.value)
        self.user_agent_mode_combo.setToolTip(
            "Library default: Python/x.y websockets/z. This text: exactly what the box holds."
        )
        self.user_agent_edit = QLineEdit()
        self.user_agent_edit.setObjectName("userAgentEdit")
        self.user_agent_edit.setPlaceholderText("library default (Python/x.y websockets/z)")
        self.user_agent_edit.textChanged.connect(self._on_user_agent_text)
        self.user_agent_mode_combo.activated.connect(self.edited)
        for widget in (self.user_agent_mode_combo, self.user_agent_edit):
            self.send_user_agent_check.toggled.connect(widget.setEnabled)
        self.user_agent_error = error_label("userAgentError")
        form.addRow(self.send_user_agent_check)
        user_agent_row = QHBoxLayout()
        user_agent_row.addWidget(self.user_agent_mode_combo)
        user_agent_row.addWidget(self.user_agent_edit, 1)
        form.addRow("User-Agent", user_agent_row)
        form.addRow("", self.user_agent_error)

        self.compression_check = QCheckBox("Offer permessage-deflate compression")
        self.compression_check.setObjectName("compressionCheck")
        self.compression_check.setChecked(True)
        form.addRow(self.compression_check)
        for edit in (self.origin_edit, self.subprotocols_edit, self.user_agent_edit):
            edit.textEdited.connect(self.edited)

    def _build_tls_group(self) -> QWidget:
        group = QWidget()
        form = QFormLayout(group)
        self.tls_verify_check = QCheckBox("Verify the server certificate and host name")
        self.tls_verify_check.setObjectName("tlsVerifyCheck")
        self.tls_verify_check.setChecked(True)
        form.addRow(self.tls_verify_check)
        self.ca_file_edit = QLineEdit()
        self.ca_file_edit.setObjectName("caFileEdit")
        self.ca_file_edit.setPlaceholderText("extra trusted CAs (PEM), optional")
        browse = QPushButton("Browse…")
        browse.setObjectName("caFileBrowseButton")
        browse.clicked.connect(self._browse_ca_file)
        row = QHBoxLayout()
        row.addWidget(self.ca_file_edit, 1)
        row.addWidget(browse)
        self.ca_file_error = error_label("caFileError")
        form.addRow("CA file", row)
        form.addRow("", self.ca_file_error)
        self.ca_file_edit.textEdited.connect(self.edited)
        self.client_cert = ClientCertRows()
        self.client_cert.edited.connect(self.edited)
        form.addRow(self.client_cert)
        return group

    def _build_limits_group(self) -> QWidget:
        group = QWidget()
        form = QFormLayout(group)
        self.open_timeout_spin = seconds_spin(10.0, OPEN_TIMEOUT_MAX, "none")
        self.open_timeout_spin.setObjectName("openTimeoutSpin")
        form.addRow("Open timeout", self.open_timeout_spin)
        self.ping_interval_spin = seconds_spin(20.0, PING_SECONDS_MAX, "off")
        self.ping_interval_spin.setObjectName("pingIntervalSpin")
        form.addRow("Keepalive ping every", self.ping_interval_spin)
        self.ping_timeout_spin = seconds_spin(20.0, PING_SECONDS_MAX, "none")
        self.ping_timeout_spin.setObjectName("pingTimeoutSpin")
        form.addRow("Pong timeout", self.ping_timeout_spin)
        self.close_timeout_spin = seconds_spin(3.0, CLOSE_TIMEOUT_MAX)
        self.close_timeout_spin.setObjectName("closeTimeoutSpin")
        self.close_timeout_spin.setToolTip(
            "How long to wait for the server's answer to a close frame before dropping the "
            "TCP connection"
        )
        form.addRow("Close timeout", self.close_timeout_spin)
        # Whole MiB in the first spin; the second makes any size exact (1000 bytes, 1.5 MiB).
        self.max_size_spin = QSpinBox()
        self.max_size_spin.setObjectName("maxMessageSizeSpin")
        self.max_size_spin.setRange(0, MAX_MESSAGE_SIZE_MIB)
        self.max_size_spin.setSuffix(" MiB")
        self.max_size_spin.setSpecialValueText("no limit")
        self.max_size_spin.setValue(DEFAULT_MAX_MESSAGE_SIZE // MIB)
        self.max_size_bytes_spin = QSpinBox()
        self.max_size_bytes_spin.setObjectName("maxMessageSizeBytesSpin")
        self.max_size_bytes_spin.setRange(0, MIB - 1)
        self.max_size_bytes_spin.setPrefix("+ ")
        self.max_size_bytes_spin.setSuffix(" bytes")
        self.max_size_bytes_spin.setToolTip("Bytes on top of the whole MiB, for an exact limit")
        self.max_size_bytes_spin.valueChanged.connect(self._on_max_size_bytes)
        size_row = QHBoxLayout()
        size_row.addWidget(self.max_size_spin, 1)
        size_row.addWidget(self.max_size_bytes_spin, 1)
        form.addRow("Largest message", size_row)
        self.max_redirects_spin = QSpinBox()
        self.max_redirects_spin.setObjectName("maxRedirectsSpin")
        self.max_redirects_spin.setRange(0, MOST_REDIRECTS)
        self.max_redirects_spin.setValue(MOST_REDIRECTS)
        self.max_redirects_spin.setSpecialValueText("none")
        self.max_redirects_spin.setToolTip(
            "HTTP redirects (301, 302, 303, 307, 308) one connection attempt follows at most; "
            "each is shown in the log"
        )
        form.addRow("Follow redirects", self.max_redirects_spin)
        return group

    def _on_max_size_bytes(self, extra: int) -> None:
        # 0 MiB means "no limit" only when no bytes are added on top.
        self.max_size_spin.setSpecialValueText("" if extra else "no limit")

    def _on_user_agent_text(self, text: str) -> None:
        if self._loading:
            return
        mode = UserAgentMode.CUSTOM if text else UserAgentMode.DEFAULT
        self.user_agent_mode_combo.setCurrentIndex(self.user_agent_mode_combo.findData(mode.value))

    # -- headers ----------------------------------------------------------------------------

    def add_header_row(self, name: str = "", value: str = "") -> None:
        self.headers_model.appendRow([QStandardItem(name), QStandardItem(value)])
        if not name:
            index = self.headers_model.index(self.headers_model.rowCount() - 1, 0)
            self.headers_table.setCurrentIndex(index)
            self.headers_table.edit(index)

    def _remove_selected_headers(self) -> None:
        rows = sorted({index.row() for index in self.headers_table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.headers_model.removeRow(row)
        self.edited.emit()

    def headers(self) -> tuple[tuple[str, str], ...]:
        """Rows with a name, in order, exactly as typed; a row with a blank name is ignored."""
        result = []
        self._header_model_rows = []
        model = self.headers_model
        for row in range(model.rowCount()):
            name = str(model.data(model.index(row, 0)) or "")
            value = str(model.data(model.index(row, 1)) or "")
            if name.strip():
                result.append((name, value))
                self._header_model_rows.append(row)
        return tuple(result)

    def _browse_ca_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Extra trusted CA certificates", "", "PEM files (*.pem *.crt *.cer);;All (*)"
        )
        if path:
            self.ca_file_edit.setText(path)

    # -- options ----------------------------------------------------------------------------

    def to_options(self, uri: str) -> ConnectionOptions:
        subprotocols = tuple(
            part.strip() for part in self.subprotocols_edit.text().split(",") if part.strip()
        )
        if not self.send_user_agent_check.isChecked():
            mode = UserAgentMode.NONE
        else:
            mode = UserAgentMode(self.user_agent_mode_combo.currentData())
        max_size = self.max_size_spin.value() * MIB + self.max_size_bytes_spin.value()
        # The raw text: toPlainText() would turn no-break spaces into spaces.
        raw = self.on_connect_edit.document().toRawText()
        on_connect = tuple(line for line in raw.split(PARAGRAPH_SEPARATOR) if line.strip())
        client_cert, client_key, client_key_password = self.client_cert.values()
        return ConnectionOptions(
            uri=uri.strip(),
            origin=self.origin_edit.text().strip(),
            subprotocols=subprotocols,
            headers=self.headers(),
            user_agent_mode=mode,
            user_agent=self.user_agent_edit.text(),
            tls_verify=self.tls_verify_check.isChecked(),
            ca_file=self.ca_file_edit.text().strip(),
            open_timeout=self.open_timeout_spin.value() or None,
            ping_interval=self.ping_interval_spin.value() or None,
            ping_timeout=self.ping_timeout_spin.value() or None,
            close_timeout=self.close_timeout_spin.value(),
            max_message_size=max_size or None,
            compression=self.compression_check.isChecked(),
            max_redirects=self.max_redirects_spin.value(),
            reconnect=self.reconnect_settings.policy(),
            on_connect_messages=on_connect,
            decoder=self.decoder_tab.settings(),
            proxy_mode=self.proxy_tab.mode(),
            proxy_url=self.proxy_tab.url(),
            client_cert=client_cert,
            client_key=client_key,
            client_key_password=client_key_password,
            auth=self.auth_tab.auth(),
            cookies=self.cookies_tab.cookies(),
            keep_set_cookies=self.cookies_tab.keep_set_cookies(),
        )

    def set_options(self, options: ConnectionOptions) -> None:
        """Fill the form from a record (the URI is the window's).

        Values inside the form's ranges (see core.websocket.options) come back exactly from
        to_options().
        """
        self._loading = True
        try:
            self._set_options(options)
        finally:
            self._loading = False

    def _set_options(self, options: ConnectionOptions) -> None:
        self.origin_edit.setText(options.origin)
        self.subprotocols_edit.setText(", ".join(options.subprotocols))
        self.headers_model.removeRows(0, self.headers_model.rowCount())
        for name, value in options.headers:
            self.headers_model.appendRow([QStandardItem(name), QStandardItem(value)])
        self.send_user_agent_check.setChecked(options.user_agent_mode is not UserAgentMode.NONE)
        self.user_agent_edit.setText(options.user_agent)
        mode = options.user_agent_mode
        if mode is UserAgentMode.NONE:
            # Ticking the box again offers what the text box suggests.
            mode = UserAgentMode.CUSTOM if options.user_agent else UserAgentMode.DEFAULT
        self.user_agent_mode_combo.setCurrentIndex(self.user_agent_mode_combo.findData(mode.value))
        self.tls_verify_check.setChecked(options.tls_verify)
        self.ca_file_edit.setText(options.ca_file)
        self.compression_check.setChecked(options.compression)
        self.open_timeout_spin.setValue(options.open_timeout or 0)
        self.ping_interval_spin.setValue(options.ping_interval or 0)
        self.ping_timeout_spin.setValue(options.ping_timeout or 0)
        self.close_timeout_spin.setValue(options.close_timeout)
        whole, extra = divmod(options.max_message_size or 0, MIB)
        self.max_size_spin.setValue(whole)
        self.max_size_bytes_spin.setValue(extra)
        self.max_redirects_spin.setValue(options.max_redirects)
        self.reconnect_settings.set_policy(options.reconnect)
        self.on_connect_edit.setPlainText("\n".join(options.on_connect_messages))
        self.decoder_tab.set_settings(options.decoder)
        self.proxy_tab.set_proxy(options.proxy_mode, options.proxy_url)
        self.client_cert.set_values(
            options.client_cert, options.client_key, options.client_key_password
        )
        self.auth_tab.set_auth(options.auth)
        self.cookies_tab.set_cookies(options.cookies, options.keep_set_cookies)

    # -- errors -----------------------------------------------------------------------------

    def show_errors(self, errors: list[FieldError]) -> None:
        """Show each problem under its field; fields without a problem are cleared."""
        messages: dict[str, list[str]] = {}
        for error in errors:
            if error.field in self._error_labels:
                messages.setdefault(error.field, []).append(error.message)
        tabs_with_errors: list[int] = []
        for field, label in self._error_labels.items():
            text = "\n".join(messages.get(field, []))
            label.setText(text)
            label.setVisible(bool(text))
            if text:
                tabs_with_errors.append(self._tab_of(label))
        for index in range(self.tab_bar.count()):
            title = self.tab_bar.tabText(index).removeprefix("⚠ ")
            bad = index in tabs_with_errors
            self.tab_bar.setTabText(index, f"⚠ {title}" if bad else title)
            self.tab_bar.setTabTextColor(index, ERROR_TAB_COLOR if bad else QColor())
        self.tabs_menu_button.update_visibility()
        if tabs_with_errors:
            # The user must see the problem: open the settings at the first tab that has one.
            self.tab_bar.setCurrentIndex(min(tabs_with_errors))
            self.set_collapsed(False)
        # Error rows count named headers only; map them back to the table's rows.
        model_rows = self._header_model_rows
        bad_rows = {
            model_rows[error.row]
            for error in errors
            if error.field == "headers" and error.row is not None and error.row < len(model_rows)
        }
        for row in range(self.headers_model.rowCount()):
            for column in range(2):
                item = self.headers_model.item(row, column)
                if item is not None:
                    item.setData(
                        BAD_ROW_BRUSH if row in bad_rows else None, Qt.ItemDataRole.BackgroundRole
                    )
