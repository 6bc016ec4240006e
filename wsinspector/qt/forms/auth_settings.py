"""The Auth tab: credentials that become a header or query parameter at connect time.

`authTypeCombo` picks None, Basic, Bearer token, API key (header) or API key (query);
`authUsernameEdit` and `authPasswordEdit` serve Basic, `authTokenEdit` the bearer token or the
API key's value, `authKeyNameEdit` the API key's header or parameter name. Only the fields of
the chosen kind are shown. Password and token are secrets (echoed as dots, kept in the keyring
by profiles); `{{variables}}` work in every field. `authError` says what is wrong.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from wsinspector.core.websocket.auth import Auth, AuthType
from wsinspector.qt.forms.field_widgets import error_label

TYPE_LABELS = {
    AuthType.NONE: "None",
    AuthType.BASIC: "Basic",
    AuthType.BEARER: "Bearer token",
    AuthType.API_KEY_HEADER: "API key in a header",
    AuthType.API_KEY_QUERY: "API key in the query",
}


class AuthSettingsTab(QWidget):
    """The Auth fields; `auth()` reads them, `set_auth()` fills them exactly.

    Signals:
        edited(): the user changed a field.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("authTypeCombo")
        for kind, label in TYPE_LABELS.items():
            self.type_combo.addItem(label, kind.value)
        self.username_edit = self._edit("authUsernameEdit", "user name")
        self.password_edit = self._edit("authPasswordEdit", "password or {{variable}}", True)
        self.token_edit = self._edit("authTokenEdit", "token or {{variable}}", True)
        self.key_name_edit = self._edit("authKeyNameEdit", "X-Api-Key")
        self.error = error_label("authError")
        self.form = QFormLayout(self)
        self.form.addRow("Auth:", self.type_combo)
        self.form.addRow("User:", self.username_edit)
        self.form.addRow("Password:", self.password_edit)
        self.form.addRow("Name:", self.key_name_edit)
        self.form.addRow("Token:", self.token_edit)
        self.form.addRow("", self.error)
        self.type_combo.currentIndexChanged.connect(self._on_type)
        self.type_combo.activated.connect(lambda _index: self.edited.emit())
        self._on_type()

    def _edit(self, name: str, placeholder: str, secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        edit.textEdited.connect(self.edited)
        return edit

    def kind(self) -> AuthType:
        return AuthType(self.type_combo.currentData())

    def auth(self) -> Auth:
        return Auth(
            kind=self.kind(),
            username=self.username_edit.text(),
            password=self.password_edit.text(),
            token=self.token_edit.text(),
            key_name=self.key_name_edit.text(),
        )

    def set_auth(self, auth: Auth) -> None:
        self.type_combo.setCurrentIndex(self.type_combo.findData(auth.kind.value))
        self.username_edit.setText(auth.username)
        self.password_edit.setText(auth.password)
        self.token_edit.setText(auth.token)
        self.key_name_edit.setText(auth.key_name)

    def _on_type(self) -> None:
        kind = self.kind()
        basic = kind is AuthType.BASIC
        api_key = kind in (AuthType.API_KEY_HEADER, AuthType.API_KEY_QUERY)
        self.form.setRowVisible(self.username_edit, basic)
        self.form.setRowVisible(self.password_edit, basic)
        self.form.setRowVisible(self.key_name_edit, api_key)
        self.form.setRowVisible(self.token_edit, kind is AuthType.BEARER or api_key)
        label = self.form.labelForField(self.token_edit)
        if label is not None and hasattr(label, "setText"):
            label.setText("Key:" if api_key else "Token:")
