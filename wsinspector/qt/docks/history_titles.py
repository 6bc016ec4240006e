"""How the History fits a session's URI in its narrow first column.

Qt's middle elision of the whole URI keeps the scheme and the end of the query, the parts
that sessions of one service share ("ws://127.0.0…ion=0123"), so they look alike. What tells
them apart is the host and the path: the scheme goes first, then the query (kept in the
tooltip with the rest), and only then is the host and path elided in the middle.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem


def fitted_uri(text: str, fits: Callable[[str], bool]) -> str:
    """`text` if it fits; a URI without its scheme, then without its query, if that fits;
    else its host and path, for the view to elide in the middle. Not a URI (a profile's
    name): as it is."""
    if fits(text):
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or not parts.netloc:
        return text
    host_path = parts.netloc + parts.path
    query = f"?{parts.query}" if parts.query else ""
    for candidate in (host_path + query, host_path + ("?…" if query else "")):
        if fits(candidate):
            return candidate
    return host_path


class SessionTitleDelegate(QStyledItemDelegate):
    """Shows a session row's URI as fitted_uri fits it in the column (day rows as they are)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if not index.parent().isValid() or not option.text:
            return
        widget = option.widget
        style = widget.style() if widget is not None else None
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1 if style else 4
        room = option.rect.width() - 2 * margin
        metrics = option.fontMetrics
        option.text = fitted_uri(
            option.text,
            lambda text: metrics.horizontalAdvance(text) <= room,
        )
