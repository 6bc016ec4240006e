"""Small widgets the settings forms share: the red error label under a field, a seconds spin."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QScrollArea, QWidget

from wsinspector.core.websocket.options import SECONDS_DECIMALS

ERROR_STYLE = "color: #c53030;"
BAD_ROW_BRUSH = QBrush(QColor("#fde2e2"))


def error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def seconds_spin(value: float, maximum: float, special: str | None = None) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(SECONDS_DECIMALS)
    spin.setRange(0.0, maximum)
    spin.setSingleStep(0.5)
    spin.setSuffix(" s")
    spin.setValue(value)
    if special:
        spin.setSpecialValueText(special)
    return spin


def scrolled(page: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidget(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroll
