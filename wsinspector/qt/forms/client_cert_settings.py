"""The client certificate rows of the TLS tab (mutual TLS).

`clientCertEdit` (a PEM certificate, or one PKCS#12 `.p12`/`.pfx` file) with
`clientCertBrowseButton`, `clientKeyEdit` (its PEM key, empty when the certificate file holds
it) with `clientKeyBrowseButton`, `clientKeyPasswordEdit` (the passphrase, shown as dots: a
secret). `clientCertInfoLabel` shows the certificate's subject and expiry once the files load,
`clientCertError` what keeps them from being used (wrong passphrase, key not matching,
expired), both checked as the fields change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from wsinspector.core.websocket.clientcert import ClientCertError, load_identity
from wsinspector.qt.forms.field_widgets import error_label


class ClientCertRows(QWidget):
    """The fields; `values()` reads them, `set_values()` fills them exactly.

    Signals:
        edited(): the user changed a field.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cert_edit = QLineEdit()
        self.cert_edit.setObjectName("clientCertEdit")
        self.cert_edit.setPlaceholderText("client certificate: PEM, or .p12/.pfx; optional")
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("clientKeyEdit")
        self.key_edit.setPlaceholderText("its PEM key; empty when the certificate file holds it")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("clientKeyPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("the key's passphrase, if any")
        self.info = QLabel()
        self.info.setObjectName("clientCertInfoLabel")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = error_label("clientCertError")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Client certificate", self._with_browse(self.cert_edit, "clientCertBrowse"))
        form.addRow("Client key", self._with_browse(self.key_edit, "clientKeyBrowse"))
        form.addRow("Key passphrase", self.password_edit)
        form.addRow("", self.info)
        form.addRow("", self.error)
        for edit in (self.cert_edit, self.key_edit, self.password_edit):
            edit.textEdited.connect(self.edited)
            edit.textChanged.connect(self._check)

    def _with_browse(self, edit: QLineEdit, name: str) -> QHBoxLayout:
        button = QPushButton("Browse…")
        button.setObjectName(f"{name}Button")
        button.clicked.connect(lambda: self._browse(edit))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(button)
        return row

    def _browse(self, edit: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Client certificate or key", "", "Certificates (*.pem *.crt *.key *.p12 *.pfx)"
        )
        if path:
            edit.setText(path)
            self.edited.emit()

    def values(self) -> tuple[str, str, str]:
        return (
            self.cert_edit.text().strip(),
            self.key_edit.text().strip(),
            self.password_edit.text(),
        )

    def set_values(self, cert: str, key: str, password: str) -> None:
        self.cert_edit.setText(cert)
        self.key_edit.setText(key)
        self.password_edit.setText(password)

    def _check(self) -> None:
        cert, key, password = self.values()
        self.info.clear()
        if not cert:
            self.error.hide()
            return
        try:
            identity = load_identity(cert, key, password)
        except ClientCertError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self.info.setText(identity.describe())
