"""The connection settings of MQTT, STOMP and SignalR (and Socket.IO's Engine.IO version), in
a popup the protocol bar opens (`protocolSettingsButton`): what CONNECT or the handshake
says, saved in the profile as the protocol's parameters
(core/protocols/registry.ProtocolInfo.params). Credentials are typed in password fields;
profiles keep them in the keyring (ProtocolInfo.secrets).

objectNames: `protocolSettingsPopup`; Socket.IO `socketioVersionCombo`; MQTT
`mqttVersionCombo`, `mqttClientIdEdit`, `mqttUsernameEdit`, `mqttPasswordEdit`,
`mqttKeepaliveEdit`, `mqttCleanStartCheck`; STOMP `stompLoginEdit`, `stompPasscodeEdit`,
`stompHostEdit`, `stompHeartbeatEdit`; SignalR
`signalrSkipNegotiationCheck`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.protocols import registry

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Field:
    """One setting: its parameter, label, objectName, kind (text, secret, check or a
    choice of `choices`) and the value it shows when the profile says nothing."""

    param: str
    label: str
    name: str
    kind: str = "text"
    default: str = ""
    choices: tuple[str, ...] = ()


FIELDS: dict[str, tuple[Field, ...]] = {
    registry.SOCKETIO: (
        # auto: the URI's EIO= when typed, else 4 (core/protocols/socketio/engine.py).
        Field("eio", "Engine.IO", "socketioVersionCombo", "choice", "auto", ("auto", "4", "3")),
    ),
    registry.MQTT: (
        Field("version", "Version", "mqttVersionCombo", "choice", "3.1.1", ("3.1.1", "5")),
        Field("client_id", "Client id", "mqttClientIdEdit", default=""),
        Field("username", "Username", "mqttUsernameEdit"),
        Field("password", "Password", "mqttPasswordEdit", "secret"),
        Field("keepalive", "Keepalive (s)", "mqttKeepaliveEdit", default="60"),
        Field("clean_start", "Clean start", "mqttCleanStartCheck", "check", "true"),
    ),
    registry.STOMP: (
        Field("login", "Login", "stompLoginEdit"),
        Field("passcode", "Passcode", "stompPasscodeEdit", "secret"),
        Field("host", "Virtual host", "stompHostEdit", default="/"),
        Field("heartbeat", "Heart-beats (ms)", "stompHeartbeatEdit", default="10000,10000"),
    ),
    registry.SIGNALR: (
        Field(
            "skip_negotiation",
            "Skip negotiation",
            "signalrSkipNegotiationCheck",
            "check",
            "false",
        ),
    ),
}


class ProtocolSettings(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("protocolSettingsPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self._groups: dict[str, QWidget] = {}
        self._widgets: dict[str, dict[str, QWidget]] = {}
        for key, fields in FIELDS.items():
            group = QWidget()
            form = QFormLayout(group)
            widgets: dict[str, QWidget] = {}
            for field in fields:
                widget = _widget(field)
                form.addRow(field.label, widget)
                widgets[field.param] = widget
            self._groups[key] = group
            self._widgets[key] = widgets
            layout.addWidget(group)
        self.set_params(())

    def has_settings(self, key: str) -> bool:
        return key in FIELDS

    def show_for(self, key: str) -> None:
        for group_key, group in self._groups.items():
            group.setVisible(group_key == key)

    def params(self, key: str) -> Params:
        """The settings that differ from their defaults (a profile keeps only those)."""
        pairs: list[tuple[str, str]] = []
        for field in FIELDS.get(key, ()):
            value = _value(self._widgets[key][field.param])
            if value != field.default:
                pairs.append((field.param, value))
        return tuple(pairs)

    def set_params(self, params: Params) -> None:
        """Show saved settings; each protocol's fields read the parameters they name."""
        values = dict(params)
        for key, fields in FIELDS.items():
            for field in fields:
                _set_value(self._widgets[key][field.param], values.get(field.param, field.default))


def _widget(field: Field) -> QWidget:
    widget: QWidget
    if field.kind == "check":
        widget = QCheckBox()
    elif field.kind == "choice":
        combo = QComboBox()
        combo.addItems(list(field.choices))
        widget = combo
    else:
        edit = QLineEdit()
        if field.kind == "secret":
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        if field.default:
            edit.setPlaceholderText(field.default)
        widget = edit
    widget.setObjectName(field.name)
    return widget


def _value(widget: QWidget) -> str:
    if isinstance(widget, QCheckBox):
        return "true" if widget.isChecked() else "false"
    if isinstance(widget, QComboBox):
        return widget.currentText()
    assert isinstance(widget, QLineEdit)
    # A password is kept as typed: spaces can be part of it.
    secret = widget.echoMode() is QLineEdit.EchoMode.Password
    return widget.text() if secret else widget.text().strip()


def _set_value(widget: QWidget, value: str) -> None:
    if isinstance(widget, QCheckBox):
        widget.setChecked(value.strip().lower() in ("1", "true", "yes", "on"))
    elif isinstance(widget, QComboBox):
        index = widget.findText(value)
        widget.setCurrentIndex(max(index, 0))
    elif isinstance(widget, QLineEdit):
        widget.setText(value)
