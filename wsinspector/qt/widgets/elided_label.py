"""A word-wrapped label that shows at most a few lines, the last one elided, never cut through.

A plain word-wrapped QLabel in a strip of fixed height draws every line its text needs and
lets the strip cut the last one in half ("port" half visible under two whole lines). This one
draws the lines that fit whole, ends the last of them with "…", and then carries the full
text in its tooltip. `text()` stays the full text (for tests, for Select All and Copy from
its context menu, for accessibility); only the painting is shortened.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QStyle, QStyleOption, QWidget


class ElidedLabel(QLabel):
    """Plain text, word-wrapped, in at most `max_lines` lines (fewer if its height holds
    fewer); what does not fit ends in "…" and the whole text is its tooltip."""

    def __init__(self, max_lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_lines = max_lines
        # The lines this class draws itself, or None while QLabel draws the whole text.
        self._drawn: list[str] | None = None
        self._elided = False
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)

    @property
    def elided(self) -> bool:
        """Whether the label shows less than its whole text."""
        return self._elided

    def setText(self, text: str) -> None:
        if text == self.text():
            return  # the countdown sets the same text often: nothing to lay out again
        super().setText(text)
        self._fit()

    def heightForWidth(self, width: int) -> int:
        # Never asks for more than max_lines: a long text does not push the layout around.
        margins = self.contentsMargins()
        most = self.max_lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()
        return min(super().heightForWidth(width), most)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()  # the state's style sheet sets the weight: the lines change

    # -- laying out ----------

    def _wrapped(self, text: str, width: int) -> list[str]:
        """The text's lines when wrapped at `width` pixels (all of them)."""
        # QTextLayout breaks lines at U+2028, not at "\n" (which it would draw as a box).
        text = text.replace("\n", "\u2028")
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        found: list[str] = []
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            found.append(
                text[line.textStart() : line.textStart() + line.textLength()].rstrip("\u2028")
            )
        layout.endLayout()
        return found

    def _fit(self) -> None:
        text = self.text()
        # Measured QLabel's own way, as QLabel paints it: when it all fits, QLabel draws it
        # (with the mouse selection); otherwise this class draws what fits.
        if not text or QLabel.heightForWidth(self, self.width()) <= self.height():
            drawn, elided = None, False
        else:
            rect = self.contentsRect()
            spacing = max(1, self.fontMetrics().lineSpacing())
            most = max(1, min(self.max_lines, rect.height() // spacing))
            lines = self._wrapped(text, rect.width())
            elided = len(lines) > most
            if elided:
                rest = " ".join(line.strip() for line in lines[most - 1 :])
                last = self.fontMetrics().elidedText(
                    rest, Qt.TextElideMode.ElideRight, rect.width()
                )
                lines = [*lines[: most - 1], last]
            drawn = [line.rstrip() for line in lines]
        if drawn != self._drawn:
            self._drawn = drawn
            self.update()
        self._elided = elided
        tip = text if elided else ""
        if self.toolTip() != tip:
            self.setToolTip(tip)

    def paintEvent(self, event: QPaintEvent) -> None:
        drawn = self._drawn
        if drawn is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        painter.setFont(self.font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        metrics = self.fontMetrics()
        spacing = metrics.lineSpacing()
        top = rect.top()
        if self.alignment() & Qt.AlignmentFlag.AlignVCenter:
            top += max(0, rect.height() - len(drawn) * spacing) // 2
        elif self.alignment() & Qt.AlignmentFlag.AlignBottom:
            top += max(0, rect.height() - len(drawn) * spacing)
        for number, line in enumerate(drawn):
            painter.drawText(QPointF(rect.left(), top + number * spacing + metrics.ascent()), line)
        painter.end()


__all__ = ["ElidedLabel"]
