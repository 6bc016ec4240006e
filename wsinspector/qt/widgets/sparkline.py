"""A small chart of the last minutes: messages per second (both ways) and round-trip time.

Painted with QPainter from the RateMeter's history (one point a second): no chart library
for two lines a few dozen pixels high. It repaints only when a point is added.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from wsinspector.core.log.rates import RatePoint

RATE_COLOR = QColor("#2f855a")
RTT_COLOR = QColor("#b7791f")


def _polyline(values: Sequence[float | None], width: float, height: float) -> QPolygonF:
    top = max((v for v in values if v is not None), default=0.0)
    polygon = QPolygonF()
    if top <= 0 or len(values) < 2:
        return polygon
    step = width / (len(values) - 1)
    for i, value in enumerate(values):
        if value is not None:
            polygon.append(QPointF(i * step, height - 1 - (height - 2) * value / top))
    return polygon


class Sparkline(QWidget):
    """Rate (green) and RTT (amber) over the history given to set_points(), each scaled to
    its own maximum; the tooltip says what the lines are and their peaks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rateSparkline")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._rates: list[float] = []
        self._rtts: list[float | None] = []
        self.setToolTip("Messages per second (green) and round-trip time (amber)")

    def sizeHint(self) -> QSize:
        return QSize(180, max(18, self.fontMetrics().height()))

    def set_points(self, points: Sequence[RatePoint], tooltip: str = "") -> None:
        self._rates = [p.rates.messages for p in points]
        self._rtts = [p.rtt for p in points]
        if tooltip:
            self.setToolTip(tooltip)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width, height = float(self.width()), float(self.height())
        painter.setPen(QPen(QColor("#e2e8f0")))
        painter.drawLine(QPointF(0, height - 1), QPointF(width, height - 1))
        for values, color in ((self._rtts, RTT_COLOR), (self._rates, RATE_COLOR)):
            polygon = _polyline(values, width, height)
            if not polygon.isEmpty():
                painter.setPen(QPen(color, 1.2, Qt.PenStyle.SolidLine))
                painter.drawPolyline(polygon)
        painter.end()
