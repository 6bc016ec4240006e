"""The log's Data cells: their text cut to what the column could ever show, before Qt lays it out.

A message's preview is up to 200 characters, and Qt lays a cell's text out whole (to place
it, then to elide it) before it draws the part that fits. In the default window the Data
column is about 140 px wide, room for some 25 characters. Laying out the rest was the largest
part of a repaint of the log that Python does not pay for, and while a flood scrolls by the
log repaints every 125 ms, each repaint one pause of the event loop (issue 20).

The text handed to Qt stops after as many characters as the column could hold were each of
them the font's narrowest printable ASCII character, and two more. A cut text is therefore
wider than the column and elided at the same place as the whole text. Only printable ASCII
is cut: other characters can be narrower (a combining mark has no width at all), and such a
cell keeps its whole text, as before, and so does a cell elided elsewhere than at its end.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from wsinspector.core.text.formatting import ELLIPSIS

PRINTABLE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))
# Characters kept past the bound: room for rounding and kerning, which can pull a pair of
# characters closer than their advances add up to.
SLACK = 2


class DataCellDelegate(QStyledItemDelegate):
    """Draws a cell as QStyledItemDelegate does, its text cut where it would be elided anyway."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._narrowest: dict[str, float] = {}  # by QFont.key()

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        text = option.text
        limit = int(option.rect.width() / self.narrowest(option.font)) + SLACK
        if len(text) > limit and option.textElideMode == Qt.TextElideMode.ElideRight:
            shown = text[:limit]
            if shown.isascii() and shown.isprintable():
                option.text = shown + ELLIPSIS

    def narrowest(self, font: QFont) -> float:
        """The advance of the narrowest printable ASCII character in `font`, in pixels."""
        key = font.key()
        width = self._narrowest.get(key)
        if width is None:
            metrics = QFontMetricsF(font)
            advances = (metrics.horizontalAdvance(char) for char in PRINTABLE_ASCII)
            width = self._narrowest[key] = max(1.0, min(advances))
        return width
