"""The cyclic garbage collector on the GUI thread only, on a timer (core/app/collector.py says
why): a Qt object in a reference cycle is deleted where the cycle is collected."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from wsinspector.core.app.collector import OneThreadCollector, freeze_startup

# How often the GUI thread looks whether a generation is due. A flood allocates a message
# tuple per message: at 300,000 a second a tick collects some 30,000 young objects (1-2 ms).
INTERVAL_MS = 100


class GuiThreadCollector(QObject):
    """Collects what is due every INTERVAL_MS on the thread it was made on; stop() hands
    collection back to Python."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._collector = OneThreadCollector()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._collector.collect_due)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._collector.stop()


def settle_collector(parent: QObject) -> GuiThreadCollector:
    """As the app starts, once its imports are done and before its window is built: the
    startup objects frozen, then collection on this (the GUI) thread only."""
    freeze_startup()
    return GuiThreadCollector(parent)
