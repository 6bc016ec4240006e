"""Reference cycles are collected on the GUI thread only: a Qt object in a cycle that becomes
garbage while another thread allocates is deleted on the GUI thread, by the window's timer."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

WAIT_MS = 5000


class _Cycle(QObject):
    """A QObject that refers to itself, and tells on which thread it was deleted."""

    deleted_on: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        self.me = self

    def __del__(self) -> None:
        _Cycle.deleted_on.append(threading.current_thread().name)


def test_a_qt_object_in_a_cycle_is_collected_on_the_gui_thread(qtbot: QtBot, qloop: object) -> None:
    _Cycle.deleted_on.clear()
    _Cycle()  # garbage at once, kept only by its own cycle

    # Another thread allocates well past the youngest generation's threshold, as the
    # capture writer does in a flood: automatic collection would run there.
    kept: list[list[object]] = []

    def allocate() -> None:
        kept.extend([] for _ in range(gc.get_threshold()[0] * 3))

    worker = threading.Thread(target=allocate, name="allocating-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(_Cycle.deleted_on), timeout=WAIT_MS)
    assert _Cycle.deleted_on == [threading.main_thread().name]
