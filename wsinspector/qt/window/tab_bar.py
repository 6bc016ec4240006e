"""The tab bar's small parts: a coloured dot per connection state (a sheet for a read-only log),
and closing on a middle click."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QIcon, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import QTabWidget

from wsinspector.core.log.events import ConnState
from wsinspector.qt.pages.page import STATE_COLORS, Page
from wsinspector.qt.widgets.icons import document_icon

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


def page_icon(page: Page, state_icons: dict[ConnState, QIcon]) -> QIcon:
    """The icon of `page`'s tab: a sheet for a read-only log, which never connects, so that
    it is not taken for a connection; the state's dot for the others."""
    return document_icon() if page.read_only else state_icons[page.state]


def page_tab_text(page: Page) -> str:
    """The title on `page`'s tab: a "&" of a URI's query shown as such, not as a shortcut."""
    return page.title().replace("&", "&&")


def page_tooltip(page: Page) -> str:
    """The tooltip of `page`'s tab: where a read-only log comes from, a connection's state."""
    if page.read_only:
        return f"{page.title()} — read-only, from {page.location()}"
    return f"{page.title()} — {page.state.value}"


def dress_tab(
    tabs: QTabWidget, index: int, page: Page, state_icons: dict[ConnState, QIcon]
) -> None:
    """The tab at `index` shows `page`: its title, icon and tooltip."""
    tabs.setTabText(index, page_tab_text(page))
    tabs.setTabIcon(index, page_icon(page, state_icons))
    tabs.setTabToolTip(index, page_tooltip(page))


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
