"""The Proxy settings tab: which proxy a page's connections go through.

`proxyCombo` picks System (the environment's HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY,
the default), None or Custom; `proxyEdit` takes the custom URL (http://, https://, socks5://,
socks5h://, socks4://, user:password@ allowed; the password is kept as a secret), enabled only
for Custom. `proxyHintLabel` says which proxy System means for the current URI; `proxyError`
shows what is wrong with the URL.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from wsinspector.core.websocket.proxies import ProxyMode, proxy_for, redact_proxy
from wsinspector.qt.forms.field_widgets import error_label

MODE_LABELS = {
    ProxyMode.SYSTEM: "System (environment variables)",
    ProxyMode.NONE: "None: connect directly",
    ProxyMode.CUSTOM: "Custom",
}


class ProxySettingsTab(QWidget):
    """The proxy's fields; `mode()`/`url()` read them, `set_proxy()` fills them exactly.

    Signals:
        edited(): the user changed a field.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proxy_combo = QComboBox()
        self.proxy_combo.setObjectName("proxyCombo")
        for mode, label in MODE_LABELS.items():
            self.proxy_combo.addItem(label, mode.value)
        self.proxy_edit = QLineEdit()
        self.proxy_edit.setObjectName("proxyEdit")
        self.proxy_edit.setPlaceholderText("http://user:password@proxy:3128 or socks5h://host:1080")
        self.hint = QLabel()
        self.hint.setObjectName("proxyHintLabel")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.error = error_label("proxyError")
        form = QFormLayout(self)
        form.addRow("Proxy:", self.proxy_combo)
        form.addRow("URL:", self.proxy_edit)
        form.addRow("", self.error)
        form.addRow("", self.hint)
        self.proxy_combo.currentIndexChanged.connect(self._on_mode)
        self.proxy_combo.activated.connect(lambda _index: self.edited.emit())
        self.proxy_edit.textEdited.connect(self.edited)
        self._on_mode()

    def mode(self) -> ProxyMode:
        return ProxyMode(self.proxy_combo.currentData())

    def url(self) -> str:
        return self.proxy_edit.text().strip()

    def set_proxy(self, mode: ProxyMode, url: str) -> None:
        self.proxy_combo.setCurrentIndex(self.proxy_combo.findData(mode.value))
        self.proxy_edit.setText(url)

    def show_uri(self, uri: str) -> None:
        """Say where System sends a connection to `uri` (the environment decides)."""
        if self.mode() is not ProxyMode.SYSTEM:
            self.hint.clear()
            return
        proxy = proxy_for(uri, ProxyMode.SYSTEM, "") if uri.strip() else None
        self.hint.setText(
            f"The system's setting sends this connection through {redact_proxy(proxy)}"
            if proxy
            else "The system's setting connects directly (no proxy variable applies)"
        )

    def _on_mode(self) -> None:
        self.proxy_edit.setEnabled(self.mode() is ProxyMode.CUSTOM)
        if self.mode() is not ProxyMode.SYSTEM:
            self.hint.clear()
