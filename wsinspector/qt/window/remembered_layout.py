"""What the window remembers between launches: its geometry and docks (window.ini), the page
splitters (reopening.py keeps the list of open pages)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from wsinspector.qt.pages.page import Page

DEFAULT_SIZE = (1280, 800)
SPLITTERS = ("body", "left")
# The side docks' column: its width by default (a History session's title, time and counts),
# and the least a restored layout keeps (narrower, its titles are cut to a few letters).
DOCK_WIDTH = 380
DOCK_MIN_WIDTH = 300


def side_dock(window: QMainWindow, title: str, name: str, widget: QWidget) -> QDockWidget:
    """A dock for the left side; its place and size are remembered with the window's state."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)  # restoreState finds docks by name
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetClosable
        | QDockWidget.DockWidgetFeature.DockWidgetMovable
    )
    return dock


class SqueezedDockRepair(QObject):
    """Once the window is first shown with a restored state, widens side docks squeezed
    below DOCK_MIN_WIDTH back to DOCK_WIDTH, when the window has room for it: a layout
    squeezed once (and saved so) must not come back at every launch."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Show:
            self._window.removeEventFilter(self)
            # The docks have their widths once the shown window's layout has run.
            QTimer.singleShot(0, self.repair)
        return False

    def repair(self) -> None:
        window = self._window
        docks = [
            dock
            for dock in window.findChildren(QDockWidget)
            if dock.isVisible() and not dock.isFloating()
        ]
        squeezed = [dock for dock in docks if dock.width() < DOCK_MIN_WIDTH]
        central = window.centralWidget()
        spare = central.width() - central.minimumSizeHint().width() if central else 0
        if squeezed and spare >= DOCK_WIDTH - min(dock.width() for dock in squeezed):
            window.resizeDocks(squeezed, [DOCK_WIDTH] * len(squeezed), Qt.Orientation.Horizontal)


def restore_geometry(window: QMainWindow, settings: QSettings) -> None:
    state = settings.value("window/state")
    if isinstance(state, QByteArray):
        window.restoreState(state)  # the docks' places and sizes
        SqueezedDockRepair(window)
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray) and window.restoreGeometry(geometry):
        return
    window.resize(*DEFAULT_SIZE)


def saved_splitters(settings: QSettings) -> dict[str, QByteArray]:
    states = {}
    for key in SPLITTERS:
        value = settings.value(f"page/{key}")
        if isinstance(value, QByteArray):
            states[key] = value
    return states


def save_layout(window: QMainWindow, current: Page, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    for key, state in current.splitter_state().items():
        settings.setValue(f"page/{key}", state)
    settings.sync()
