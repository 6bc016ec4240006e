"""The Preferences dialog: the live log's capacity and what the capture keeps."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.storage.preferences import (
    MAX_AGE_DAYS,
    MAX_CAPTURE_GIB,
    MAX_LOG_CAPACITY,
    Preferences,
)


class PreferencesDialog(QDialog):
    """Edits a Preferences; `preferences()` reads the fields back. Open it with open()."""

    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")

        self.capacity_spin = QSpinBox()
        self.capacity_spin.setObjectName("logCapacitySpin")
        self.capacity_spin.setRange(0, MAX_LOG_CAPACITY)
        self.capacity_spin.setSingleStep(100_000)
        self.capacity_spin.setGroupSeparatorShown(True)
        self.capacity_spin.setSpecialValueText("No limit")
        self.capacity_spin.setSuffix(" events")
        self.capacity_spin.setValue(current.log_capacity)

        self.max_size_spin = QDoubleSpinBox()
        self.max_size_spin.setObjectName("captureMaxSizeSpin")
        self.max_size_spin.setRange(0, MAX_CAPTURE_GIB)
        self.max_size_spin.setDecimals(1)
        self.max_size_spin.setSingleStep(0.5)
        self.max_size_spin.setSpecialValueText("No limit")
        self.max_size_spin.setSuffix(" GiB")
        self.max_size_spin.setValue(current.capture_max_gib)

        self.max_age_spin = QSpinBox()
        self.max_age_spin.setObjectName("captureMaxAgeSpin")
        self.max_age_spin.setRange(0, MAX_AGE_DAYS)
        self.max_age_spin.setSpecialValueText("No limit")
        self.max_age_spin.setSuffix(" days")
        self.max_age_spin.setValue(current.capture_max_age_days)

        self.record_check = QCheckBox("Record new connection tabs")
        self.record_check.setObjectName("recordNewPagesCheck")
        self.record_check.setChecked(current.record_new_pages)
        self.record_check.setToolTip(
            "Each tab's Record box starts ticked or not; untick it in a tab for private traffic."
        )

        form = QFormLayout()
        form.addRow("Live log keeps at most", self.capacity_spin)
        form.addRow(
            "",
            _hint("Older events are dropped from the view (and said so); the capture keeps them."),
        )
        form.addRow("History keeps at most", self.max_size_spin)
        form.addRow("and nothing older than", self.max_age_spin)
        form.addRow("", _hint("The oldest recorded sessions are removed first."))
        form.addRow("", self.record_check)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("preferencesButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def preferences(self) -> Preferences:
        return Preferences(
            log_capacity=self.capacity_spin.value(),
            capture_max_gib=round(self.max_size_spin.value(), 1),
            capture_max_age_days=self.max_age_spin.value(),
            record_new_pages=self.record_check.isChecked(),
        )


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setEnabled(False)  # greyed: an explanation, not a field
    return label
