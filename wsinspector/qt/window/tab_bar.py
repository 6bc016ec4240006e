"""The tab bar's small parts: a coloured dot per connection state, and closing on a middle click."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QIcon, QMouseEvent, QPainter, QPixmap

from wsinspector.core.log.events import ConnState
from wsinspector.qt.pages.page import STATE_COLORS

if TYPE_CHECKING:
    from wsinspector.qt.window.main_window import MainWindow


def state_icon(state: ConnState) -> QIcon:
    """A coloured dot for a tab: the state at a glance."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(STATE_COLORS[state]))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


class MiddleClickCloser(QObject):
    """Closes a tab on a middle click, as browsers do."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.MiddleButton
        ):
            tabs = self._window.tabs
            index = tabs.tabBar().tabAt(event.position().toPoint())
            if index >= 0:
                self._window.close_page_at(index)
                return True
        return False
