"""Unexpected errors: written to a log file in the user's state folder, handed to the window.

Three ways an exception can escape everything that was meant to catch it, each with its hook:

* a Qt slot: PySide6 prints what a slot raises through `sys.excepthook`, and Qt goes on;
* a thread: `threading.excepthook`;
* the event loop: a task whose exception nobody retrieved, or a callback that raised, goes
  to the loop's exception handler (`loop.set_exception_handler`, qasync's loop too).

`CrashReporter.install()` sets all three, `uninstall()` puts back what was there before. Each
error is written, with its traceback, to `wsinspector.log` in `paths.state_dir()` (rotated at
LOG_BYTES, LOG_BACKUPS old files kept) and passed to the listeners as a `Crash`. Listeners
may be called from any thread (a thread's exception is reported on that thread): the window
listens through a Qt signal, which takes it to the GUI thread.

KeyboardInterrupt and SystemExit are not errors: they go to the previous hook.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from wsinspector.core.app.paths import state_dir
from wsinspector.core.app.private_files import keep_private

LOG_NAME = "wsinspector.log"
LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 3


class _PrivateLog(RotatingFileHandler):
    """Each file it opens (the first, and a new one at each rotation) readable by its owner
    only: an error's message may quote a URI with its token."""

    def _open(self) -> TextIOWrapper:
        keep_private(Path(self.baseFilename))
        return super()._open()


@dataclass(frozen=True, slots=True)
class Crash:
    """One unexpected error, as reported."""

    where: str  # "a Qt slot", "thread Worker-1", "an asyncio task", …
    kind: str  # the exception's class name, or "error" for a loop message without one
    message: str
    traceback: str
    wall: float
    log_path: str  # "" when the log file could not be written


Listener = Callable[[Crash], None]


class CrashReporter:
    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or state_dir()) / LOG_NAME
        self._listeners: list[Listener] = []
        self._logger = logging.getLogger(f"wsinspector.crashes.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.ERROR)
        self._handler: RotatingFileHandler | None = None
        self._lock = threading.Lock()
        self._previous_sys: Any = None
        self._previous_threading: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_loop_handler: Any = None
        self._installed = False

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # -- hooks ------------------------------------------------------------------------------

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Catch what escapes slots, threads and, when given, `loop`'s tasks and callbacks."""
        if self._installed:
            return
        self._installed = True
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook
        if loop is not None:
            self._loop = loop
            self._previous_loop_handler = loop.get_exception_handler()
            loop.set_exception_handler(self._loop_handler)

    def uninstall(self) -> None:
        """Put back the hooks found by install() and close the log file."""
        if not self._installed:
            return
        self._installed = False
        sys.excepthook = self._previous_sys
        threading.excepthook = self._previous_threading
        if self._loop is not None:
            self._loop.set_exception_handler(self._previous_loop_handler)
            self._loop = None
        with self._lock:
            if self._handler is not None:
                self._logger.removeHandler(self._handler)
                self._handler.close()
                self._handler = None

    def _sys_hook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(kind, Exception):
            self._previous_sys(kind, exc, tb)
            return
        self.report(exc, "a Qt slot or the main thread")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        exc = args.exc_value
        if exc is None or not isinstance(exc, Exception):
            self._previous_threading(args)
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.report(exc, f"thread {name}")

    def _loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message", ""))
        task = context.get("task") or context.get("future")
        where = "an asyncio task" if task is not None else "an asyncio callback"
        if isinstance(task, asyncio.Task):
            where = f"the asyncio task {task.get_name()}"
        if isinstance(exc, Exception):
            self.report(exc, f"{where} ({message})" if message else where)
        elif exc is None:
            # A loop complaint without an exception (an unclosed transport, a slow callback
            # in debug mode): kept, as words.
            self._publish(where, "error", message, message)
        # A BaseException here (KeyboardInterrupt, SystemExit) is asyncio's own business.

    # -- reporting --------------------------------------------------------------------------

    def report(self, exc: BaseException, where: str) -> Crash:
        """Log `exc` and tell the listeners; also for errors caught on purpose but unexpected."""
        text = "".join(traceback.format_exception(exc))
        return self._publish(where, type(exc).__qualname__, str(exc), text)

    def _publish(self, where: str, kind: str, message: str, text: str) -> Crash:
        written = self._write(f"Unexpected error in {where}: {kind}: {message}\n{text}")
        crash = Crash(where, kind, message, text, time.time(), str(self.path) if written else "")
        for listener in list(self._listeners):
            try:
                listener(crash)
            except Exception:  # a broken listener must not loop back into this hook
                self._write("A crash listener failed:\n" + traceback.format_exc())
        return crash

    def _write(self, text: str) -> bool:
        """Append to the log file; False when it can't be written (the folder read-only,
        the disk full): the window still shows the error."""
        try:
            with self._lock:
                if self._handler is None:
                    handler = _PrivateLog(
                        self.path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
                    )
                    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
                    self._logger.addHandler(handler)
                    self._handler = handler
                self._logger.error(text)
        except OSError:
            return False
        return True
