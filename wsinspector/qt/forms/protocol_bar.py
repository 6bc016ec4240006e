"""What the page speaks: the protocol box and the protocol's connection settings.

The box is proposed from what the user typed (core/protocols/registry.guess) until the user
picks an item; from then on the user's choice stays. The settings are the protocol's own
(Socket.IO's namespace and auth payload, GraphQL's connection_init payload), saved in the
profile with it; MQTT's, STOMP's and SignalR's (and Socket.IO's Engine.IO version) are in a
popup (protocol_settings.py) that `protocolSettingsButton` opens.

objectNames: `protocolCombo`, `namespaceEdit`, `socketioAuthEdit`, `graphqlPayloadEdit`,
`protocolSettingsButton`.

Signals:
    changed(str): the protocol's key after the user or the guess changed it.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from wsinspector.core.protocols import registry
from wsinspector.qt.forms.protocol_settings import ProtocolSettings


class ProtocolBar(QWidget):
    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("protocolCombo")
        self.combo.setToolTip("What rides on the socket; proposed from the URI and subprotocols")
        for info in registry.available():
            self.combo.addItem(info.label, info.key)
        # Sized for "WebSocket", not for the longest name ("GraphQL over WebSocket", 180 px):
        # the URI beside it needs the room (the list still opens as wide as its items).
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(len("WebSocket"))
        self.namespace_edit = QLineEdit("/")
        self.namespace_edit.setObjectName("namespaceEdit")
        self.namespace_edit.setToolTip("Socket.IO namespace to connect and emit on")
        self.auth_edit = QLineEdit()
        self.auth_edit.setObjectName("socketioAuthEdit")
        self.auth_edit.setPlaceholderText('auth payload as JSON, e.g. {"token": "…"}')
        self.payload_edit = QLineEdit()
        self.payload_edit.setObjectName("graphqlPayloadEdit")
        self.payload_edit.setPlaceholderText("connection_init payload as JSON")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self._namespace_label = QLabel("Namespace")
        layout.addWidget(self._namespace_label)
        layout.addWidget(self.namespace_edit)
        layout.addWidget(self.auth_edit, 1)
        layout.addWidget(self.payload_edit, 1)
        self.settings = ProtocolSettings(self)
        self.settings_button = QToolButton()
        self.settings_button.setObjectName("protocolSettingsButton")
        self.settings_button.setText("Settings…")
        self.settings_button.setToolTip("What the protocol's handshake says: client id, login …")
        self.settings_button.clicked.connect(self._open_settings)
        layout.addWidget(self.settings_button)
        self._chosen = False  # the user picked an item: no more guessing
        self.combo.activated.connect(self._on_chosen)
        self.combo.currentIndexChanged.connect(self._on_changed)
        self._show_settings()

    @property
    def key(self) -> str:
        return str(self.combo.currentData() or registry.WEBSOCKET)

    def propose(self, uri: str, subprotocols: tuple[str, ...]) -> None:
        """The guess from what was typed, unless the user chose already."""
        if not self._chosen:
            self._select(registry.guess(uri, subprotocols))

    def params(self) -> tuple[tuple[str, str], ...]:
        key = self.key
        if key == registry.SOCKETIO:
            pairs = [("namespace", self.namespace_edit.text().strip() or "/")]
            if self.auth_edit.text().strip():
                pairs.append(("auth", self.auth_edit.text().strip()))
            return (*pairs, *self.settings.params(key))
        if key == registry.GRAPHQL and self.payload_edit.text().strip():
            return (("payload", self.payload_edit.text().strip()),)
        return self.settings.params(key)

    def set_protocol(self, key: str, params: tuple[tuple[str, str], ...]) -> None:
        """Show a saved choice (a profile's): it counts as the user's."""
        values = dict(params)
        self.namespace_edit.setText(values.get("namespace", "/"))
        self.auth_edit.setText(values.get("auth", ""))
        self.payload_edit.setText(values.get("payload", ""))
        self.settings.set_params(params)
        self._chosen = bool(key) and key != registry.WEBSOCKET
        self._select(key or registry.WEBSOCKET)

    def _select(self, key: str) -> None:
        index = self.combo.findData(key)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def _on_chosen(self, _index: int) -> None:
        self._chosen = True

    def _on_changed(self, _index: int) -> None:
        self._show_settings()
        self.changed.emit(self.key)

    def _show_settings(self) -> None:
        key = self.key
        socketio = key == registry.SOCKETIO
        self._namespace_label.setVisible(socketio)
        self.namespace_edit.setVisible(socketio)
        self.auth_edit.setVisible(socketio)
        self.payload_edit.setVisible(key == registry.GRAPHQL)
        self.settings_button.setVisible(self.settings.has_settings(key))
        self.settings.show_for(key)

    def _open_settings(self) -> None:
        button = self.settings_button
        self.settings.adjustSize()
        self.settings.move(button.mapToGlobal(QPoint(0, button.height())))
        self.settings.show()
