"""GUI test fixtures: a qasync loop that pytest-qt's waits can drive, and the main window.

pytest-qt knows nothing of asyncio. `QEventLoop(qapp, already_running=True)` makes qasync's loop
the running asyncio loop without entering Qt's exec(); its callbacks are Qt timers and socket
notifiers, so every `qtbot.waitUntil` (which spins Qt) also runs the app's coroutines. Tests
never call `qtbot.wait*` from inside a coroutine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow
from wsinspector.qt.window.collecting import GuiThreadCollector

WAIT_MS = 5000


@pytest.fixture(scope="session")
def _session_qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    # One loop for the whole run: qasync 0.28 leaves timers and socket notifiers of a closed
    # loop to the garbage collector, and creating a loop per test crashed PySide6 6.12 after
    # a few dozen tests (qasync #154, fixed after 0.28 by parenting them to the app).
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    # As the app has it: reference cycles collected on this thread only, never in a capture
    # writer's (a Qt object deleted there deadlocked a window being built).
    collector = GuiThreadCollector(qapp)
    yield loop
    collector.stop()
    # Not loop.stop(): that calls QApplication.exit(), which makes every later Qt wait of
    # this process return at once. Mark the loop stopped the way run_forever() does.
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def _no_modifier_held(qapp: QApplication) -> Iterator[None]:
    """Each GUI test starts with no keyboard modifier held. Qt keeps the modifiers of the last
    input event as the application's state (QGuiApplication.keyboardModifiers()), and a test's
    Ctrl-click or Shift+Return left them held for every later test of the worker: selectRow()
    then toggled or extended the selection instead of selecting one row."""
    yield
    if QGuiApplication.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
        QTest.keyRelease(QWidget(), Qt.Key.Key_Shift)  # an event that holds no modifier


@pytest.fixture
def qloop(_session_qloop: qasync.QEventLoop, qtbot: QtBot) -> Iterator[qasync.QEventLoop]:
    """The running qasync loop; fails the test on an exception nobody retrieved."""
    loop = _session_qloop
    asyncio.events._set_running_loop(loop)
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=WAIT_MS)
    loop.set_exception_handler(None)
    # Plain asyncio tests (asyncio.run) may come next: they need no loop marked running.
    asyncio.events._set_running_loop(None)
    # Like qasync's own tests: an exception nobody retrieved is a failure, not a log line.
    if errors:
        messages = "; ".join(
            str(context.get("exception") or context["message"]) for context in errors
        )
        pytest.fail(f"unhandled exceptions in the event loop: {messages}")


@pytest.fixture
def window(
    qloop: qasync.QEventLoop, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setenv("WSINSPECTOR_CONFIG_DIR", str(tmp_path / "config"))
    main_window = MainWindow()
    # Not qtbot.addWidget(): pytest-qt would close and delete the window before this fixture's
    # teardown, without giving its connection the event loop to shut down in.
    main_window.show()
    yield main_window
    if main_window.isVisible():
        main_window.close()
        qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=WAIT_MS)
    main_window.deleteLater()
