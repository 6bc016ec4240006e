"""The application's icons as QIcons, loaded once per name, and the few drawn in code."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

from wsinspector.resources import icon_path


@functools.cache
def icon(name: str) -> QIcon:
    """The icon `name` from wsinspector/assets/icons (e.g. "send", "arrow-in").

    Raises FileNotFoundError for an unknown name: a missing icon is a packaging bug that
    should fail loudly in tests rather than show blank buttons.
    """
    return QIcon(str(icon_path(name)))


@functools.cache
def document_icon() -> QIcon:
    """A sheet with a folded corner and lines of text: a read-only log (a file, a recording),
    drawn so that it can't be taken for a connection's coloured state dot."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ink = QColor("#4a5568")
    painter.setPen(QPen(ink, 1))
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(
        QPolygonF(
            [
                QPointF(2.5, 0.5),
                QPointF(7.5, 0.5),
                QPointF(10.5, 3.5),
                QPointF(10.5, 11.5),
                QPointF(2.5, 11.5),
            ]
        )
    )
    painter.drawLine(QPointF(7.5, 0.5), QPointF(7.5, 3.5))
    painter.drawLine(QPointF(7.5, 3.5), QPointF(10.5, 3.5))
    for y in (5.5, 7.5, 9.5):
        painter.drawLine(QPointF(4.5, y), QPointF(8.5, y))
    painter.end()
    return QIcon(pixmap)
