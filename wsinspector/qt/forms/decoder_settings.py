"""The Decoding settings tab: how a page decodes its binary messages.

`decoderCombo` picks the format (None, MessagePack, CBOR, Protocol Buffers). For Protocol
Buffers a .proto file (`protoFileEdit`) may be given: it is compiled when it changes, its
message types fill `messageTypeCombo` (whose first item, "Raw: by field number", decodes
without the schema), and a file that can't be used says why in `decoderError`, under it.
The tab emits the resulting PageDecoder; the page hands it to its log, filter and detail view.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from wsinspector.core.decoders.page import PageDecoder
from wsinspector.core.decoders.proto_schema import ProtoLoadError, ProtoSchema, load_proto
from wsinspector.core.decoders.settings import KIND_LABELS, DecoderKind, DecoderSettings

RAW_TYPE_LABEL = "Raw: by field number"


class DecoderSettingsTab(QWidget):
    """The decoder's fields; `settings()` reads them, `set_settings()` fills them exactly.

    Signals:
        edited(): the user changed a field.
        decoder_changed(object): the PageDecoder the fields now describe.
    """

    edited = Signal()
    decoder_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schema: ProtoSchema | None = None
        self._loaded_path: str | None = None  # the proto file text last compiled
        self._loading = False
        self.decoder_combo = QComboBox()
        self.decoder_combo.setObjectName("decoderCombo")
        self.decoder_combo.setToolTip(
            "How binary messages are decoded for the log's Data column, the filter and the "
            "detail view"
        )
        for kind, label in KIND_LABELS.items():
            self.decoder_combo.addItem(label, kind.value)
        self.proto_file_edit = QLineEdit()
        self.proto_file_edit.setObjectName("protoFileEdit")
        self.proto_file_edit.setPlaceholderText("optional .proto file; without one, raw fields")
        self.proto_file_button = QPushButton("Browse…")
        self.proto_file_button.setObjectName("protoFileButton")
        self.message_type_combo = QComboBox()
        self.message_type_combo.setObjectName("messageTypeCombo")
        self.message_type_combo.setToolTip("The message type every binary message is read as")
        self.message_type_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.message_type_combo.addItem(RAW_TYPE_LABEL, "")
        self.error_label = QLabel()
        self.error_label.setObjectName("decoderError")
        self.error_label.setStyleSheet("color: #c53030;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QFormLayout(self)
        form.addRow("Decode binary as", self.decoder_combo)
        file_row = QHBoxLayout()
        file_row.addWidget(self.proto_file_edit, 1)
        file_row.addWidget(self.proto_file_button)
        form.addRow(".proto file", file_row)
        form.addRow("", self.error_label)
        form.addRow("Message type", self.message_type_combo)
        self._update_enabled()

        self.decoder_combo.currentIndexChanged.connect(lambda _index: self._user_changed())
        self.message_type_combo.currentIndexChanged.connect(lambda _index: self._user_changed())
        self.proto_file_edit.editingFinished.connect(self._proto_file_entered)
        self.proto_file_button.clicked.connect(self._browse)

    # -- values -----------------------------------------------------------------------------

    def settings(self) -> DecoderSettings:
        return DecoderSettings(
            DecoderKind(self.decoder_combo.currentData()),
            self.proto_file_edit.text(),
            str(self.message_type_combo.currentData() or ""),
        )

    def set_settings(self, settings: DecoderSettings) -> None:
        """Show `settings` (compiling its .proto file); settings() gives them back exactly."""
        self._loading = True
        try:
            self.decoder_combo.setCurrentIndex(self.decoder_combo.findData(settings.kind.value))
            self.proto_file_edit.setText(settings.proto_file)
            self._load_schema(settings.proto_file, settings.message_type)
        finally:
            self._loading = False
        self._update_enabled()
        self.decoder_changed.emit(self.page_decoder())

    def page_decoder(self) -> PageDecoder:
        settings = self.settings()
        schema = self._schema if settings.kind is DecoderKind.PROTOBUF else None
        return PageDecoder(settings, schema)

    # -- editing ----------------------------------------------------------------------------

    def _user_changed(self) -> None:
        if self._loading:
            return
        self._update_enabled()
        self.edited.emit()
        self.decoder_changed.emit(self.page_decoder())

    def _proto_file_entered(self) -> None:
        path = self.proto_file_edit.text()
        if path == self._loaded_path:
            return
        self._loading = True
        try:
            # A new file: its first message type is the likely one.
            self._load_schema(path, None)
        finally:
            self._loading = False
        self._user_changed()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Protocol Buffers schema", "", "Protocol Buffers (*.proto);;All (*)"
        )
        if path:
            self.decoder_combo.setCurrentIndex(
                self.decoder_combo.findData(DecoderKind.PROTOBUF.value)
            )
            self.proto_file_edit.setText(path)
            self._loaded_path = None  # the same file chosen again: read it again
            self._proto_file_entered()

    def _load_schema(self, path: str, message_type: str | None) -> None:
        """Compile `path` ("" for none) and list its types; select `message_type` (None: the
        file's first type), keeping a type the file lacks so that nothing is lost."""
        self._loaded_path = path
        self._schema = None
        error = ""
        if path.strip():
            try:
                self._schema = load_proto(path.strip())
            except ProtoLoadError as exc:
                error = str(exc)
        self.error_label.setText(error)
        combo = self.message_type_combo
        combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem(RAW_TYPE_LABEL, "")
            types = self._schema.message_types if self._schema is not None else ()
            for name in types:
                combo.addItem(name, name)
            if message_type is None:
                message_type = types[0] if types else ""
            if message_type and combo.findData(message_type) < 0:
                combo.addItem(f"{message_type} (not in the file)", message_type)
            combo.setCurrentIndex(combo.findData(message_type))
        finally:
            combo.blockSignals(False)

    def _update_enabled(self) -> None:
        protobuf = DecoderKind(self.decoder_combo.currentData()) is DecoderKind.PROTOBUF
        for widget in (self.proto_file_edit, self.proto_file_button, self.message_type_combo):
            widget.setEnabled(protobuf)
        # A .proto file's problem matters while Protocol Buffers is chosen.
        self.error_label.setVisible(protobuf and bool(self.error_label.text()))
