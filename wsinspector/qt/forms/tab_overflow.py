"""A "»" button beside a tab bar too narrow for its tabs, as Chrome DevTools has: its menu lists
every tab, so that a tab pushed behind the bar's scroll arrows is one click away.

The connection form's bar holds twelve settings tabs; at 1280 pixels with the Profiles dock open
it shows about nine, and Variables and Scripts were reachable only through the arrows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QTabBar, QToolButton, QWidget


class TabOverflowButton(QToolButton):
    """Shown while `bar` is narrower than its tabs need. Picking a tab from its menu makes it
    the bar's current tab.

    Signals:
        chosen(int): the index of the tab picked from the menu.
    """

    chosen = Signal(int)

    def __init__(self, bar: QTabBar, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._bar = bar
        self.setText("»")
        self.setToolTip("All tabs")
        self.setAutoRaise(True)
        self.setStyleSheet("QToolButton::menu-indicator { image: none; }")  # "»" says it
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        menu.aboutToShow.connect(self.fill_menu)
        self.setMenu(menu)
        self.setVisible(False)
        bar.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._bar and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.update_visibility()
        return False

    def update_visibility(self) -> None:
        """Call after tabs change their titles or number: the bar may no longer fit."""
        self.setVisible(self._bar.isVisible() and self._bar.sizeHint().width() > self._bar.width())

    def fill_menu(self) -> None:
        """The menu as the bar is now: every visible tab, with its title (and its ⚠)."""
        menu = self.menu()
        menu.clear()
        current = QActionGroup(menu)  # one tab is open: radio marks, not check boxes
        for index in range(self._bar.count()):
            if not self._bar.isTabVisible(index):
                continue
            action = menu.addAction(self._bar.tabText(index))
            action.setCheckable(True)
            current.addAction(action)
            action.setChecked(index == self._bar.currentIndex())
            action.triggered.connect(lambda _checked=False, index=index: self._choose(index))

    def _choose(self, index: int) -> None:
        self._bar.setCurrentIndex(index)
        self.chosen.emit(index)
