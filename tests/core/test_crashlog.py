"""The crash reporter without Qt: a thread's and a task's exceptions reach the log file and the
listeners, interrupts are left alone, and uninstall puts every hook back."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
from pathlib import Path
from typing import Any

from helpers.asyncwait import run, until

from wsinspector.core.app.crashlog import LOG_NAME, Crash, CrashReporter
from wsinspector.core.app.paths import state_dir


def test_the_log_file_is_in_the_state_folder() -> None:
    assert state_dir() == Path(os.environ["WSINSPECTOR_STATE_DIR"])
    assert CrashReporter().path == state_dir() / LOG_NAME


def test_a_thread_exception_is_logged_and_reported() -> None:
    reporter = CrashReporter()
    crashes: list[Crash] = []
    reporter.add_listener(crashes.append)
    before = (sys.excepthook, threading.excepthook)
    reporter.install()
    try:

        def work() -> None:
            raise KeyError("no such thing")

        thread = threading.Thread(target=work, name="Worker-7")
        thread.start()
        thread.join()
    finally:
        reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    (crash,) = crashes
    assert (crash.where, crash.kind, crash.log_path) == (
        "thread Worker-7",
        "KeyError",
        str(reporter.path),
    )
    logged = reporter.path.read_text(encoding="utf-8")
    assert "Unexpected error in thread Worker-7: KeyError: 'no such thing'" in logged
    assert 'raise KeyError("no such thing")' in logged  # the traceback


def test_a_task_whose_exception_nobody_retrieved_is_reported() -> None:
    crashes: list[Crash] = []

    async def body() -> None:
        loop = asyncio.get_running_loop()
        reporter = CrashReporter()
        reporter.add_listener(crashes.append)
        reporter.install(loop)
        try:

            async def fails() -> None:
                raise RuntimeError("task went wrong")

            task = loop.create_task(fails(), name="doomed")
            await until(task.done)
            del task
            gc.collect()
            await until(lambda: crashes)
        finally:
            reporter.uninstall()
        assert loop.get_exception_handler() is None

    run(body)
    (crash,) = crashes
    assert crash.kind == "RuntimeError" and crash.message == "task went wrong"
    assert crash.where.startswith("the asyncio task doomed")
    assert "task went wrong" in Path(crash.log_path).read_text(encoding="utf-8")


def test_an_interrupt_goes_to_the_previous_hook(monkeypatch: Any) -> None:
    seen: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: seen.append(kind))
    reporter = CrashReporter()
    crashes: list[Crash] = []
    reporter.add_listener(crashes.append)
    reporter.install()
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        reporter.uninstall()
    assert seen == [KeyboardInterrupt] and crashes == []
    assert not reporter.path.exists()


def test_the_log_is_readable_by_its_owner_only_rotated_too(tmp_path: Path) -> None:
    umask = os.umask(0o022)  # the common one, under which a plain open() gives 0644
    reporter = CrashReporter(tmp_path / "state")
    try:
        quoted = "wss://api.example/socket?access_token=" + "s3cret" * 40_000  # 240 kB
        for _ in range(6):  # over LOG_BYTES: the handler rotates at least once
            reporter.report(ValueError(f"could not connect to {quoted}"), "a test")
    finally:
        reporter.uninstall()
        os.umask(umask)
    logs = sorted(reporter.path.parent.iterdir())
    assert logs[0].name == LOG_NAME and len(logs) > 1, logs  # rotated
    assert {oct(log.stat().st_mode & 0o777) for log in logs} == {"0o600"}
    assert oct(reporter.path.parent.stat().st_mode & 0o777) == "0o700"


def test_a_log_an_earlier_version_left_readable_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    path.write_text("an earlier error\n", encoding="utf-8")
    path.chmod(0o644)
    reporter = CrashReporter(tmp_path)
    try:
        reporter.report(ValueError("a new one"), "a test")
    finally:
        reporter.uninstall()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.read_text(encoding="utf-8").startswith("an earlier error\n")
