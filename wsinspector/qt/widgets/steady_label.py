"""A one-line label whose text changes often without laying the window out again.

QLabel.setText asks its layout to run again (updateGeometry) at every change. The request
climbs every layout up to the window's: a QSplitter and a QTabWidget on the way repaint all
they hold, and QMainWindow its docks. A log's counters change at every batch of rows, so in a
flood the whole window repainted a dozen times a second and more, for a label a few pixels
wide (README, Performance). Qt skips that request for a widget whose minimum and maximum sizes
are equal; this label keeps them equal, at a width that grows with its text in steps and
shrinks only when the text has become much shorter.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget

# Pixels the width grows by beyond what the text needs (so that the next digit fits), and how
# much wider than needed the label may stay before it shrinks.
GROWTH_STEP = 24
SHRINK_SLACK = 96


class SteadyLabel(QLabel):
    """Plain text on one line, at a fixed size that changes only in steps (see the module)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._fit("")

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        self._fit(text)  # first: then QLabel's own updateGeometry() finds nothing to do
        super().setText(text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit(self.text(), anew=True)

    def _fit(self, text: str, anew: bool = False) -> None:
        margins = self.contentsMargins()
        metrics = self.fontMetrics()
        needed = metrics.horizontalAdvance(text) + margins.left() + margins.right()
        needed += 2 * self.margin()
        width = self.minimumWidth()
        if anew or needed > width or needed + SHRINK_SLACK < width:
            width = needed + GROWTH_STEP if text else 0
        size = QSize(width, metrics.height() + margins.top() + margins.bottom() + 2 * self.margin())
        if self.minimumSize() != size or self.maximumSize() != size:
            self.setFixedSize(size)


__all__ = ["SteadyLabel"]
