"""The PyInstaller bundle that tests/test_self_check.py checks, built while the rest of the
suite runs.

`sh packaging/dev.sh package` takes about a minute of CPU on CI's 2 cores, and the suite
leaves much of those cores idle while it waits on servers and subprocesses. So the build
starts as soon as collection has picked a test that needs it (tests/conftest.py), at the
lowest CPU priority, so that it takes idle time from the tests rather than slowing their
timing-sensitive checks; the `dist` fixture then waits for it to end.

One build per run, also when pytest-xdist's workers (`-n 2`, as `dev.sh test` runs the suite)
each collect the tests: the main process makes a folder for it and names it to the workers in
the environment they inherit; the first process to take the folder's lock starts the build,
which writes its exit status there when it ends. The main process stops the build if it is
still running when the run ends, and removes the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_SH = ROOT / "packaging" / "dev.sh"
SKIP_BUILD = "WSINSPECTOR_SKIP_BUILD"
# The run's bundle folder, set by the main process for itself and its xdist workers.
FOLDER_VARIABLE = "WSINSPECTOR_TEST_BUNDLE_FOLDER"
# The fixture that hands the built bundle to a test (tests/test_self_check.py).
FIXTURE = "dist"
# The build, and after it its exit status, written as it ends (by the shell that ran it).
# It runs in the background of a shell that exits at once: the worker that starts it may end
# first, and a child still running when Python exits is reported as a ResourceWarning. The
# build stays in that shell's process group, which stop() ends.
RUN_BUILD = (
    '(nice -n 19 sh "$0" package --out "$1" >"$2/dev-sh.stdout" 2>"$2/dev-sh.stderr";'
    ' echo $? >"$2/status.new" && mv "$2/status.new" "$2/status") &'
)


def build_skipped() -> bool:
    return os.environ.get(SKIP_BUILD, "") not in ("", "0")


def without_display() -> dict[str, str]:
    """This environment with no display, and a platform Qt can't start without one."""
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env["QT_QPA_PLATFORM"] = "xcb"
    return env


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@dataclass(frozen=True)
class Build:
    """The run's `dev.sh package --out DIR` (DIR is `out`)."""

    folder: Path

    @property
    def out(self) -> Path:
        return self.folder / "dist"

    def output(self) -> tuple[str, str]:
        """What it wrote so far to its standard output and error."""

        def text(name: str) -> str:
            path = self.folder / name
            return path.read_text(errors="replace") if path.exists() else ""

        return text("dev-sh.stdout"), text("dev-sh.stderr")

    @property
    def _pid(self) -> Path:
        return self.folder / "pid"

    @property
    def _status(self) -> Path:
        return self.folder / "status"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.folder / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def start(self) -> None:
        """Start it unless this run has started it already (here or in another worker)."""
        with self._locked():
            if self._pid.exists():
                return
            self.out.mkdir()
            process = subprocess.Popen(
                ["sh", "-c", RUN_BUILD, str(DEV_SH), str(self.out), str(self.folder)],
                env=without_display(),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            process.wait()
            self._pid.write_text(str(process.pid))

    def wait(self, timeout: float) -> int | None:
        """Its exit status once it has ended; None if it did not end within `timeout`."""
        self.start()
        deadline = time.monotonic() + timeout
        while not self._status.exists():
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)
        return int(self._status.read_text())

    def stop(self) -> None:
        """End it and its children (PyInstaller's) if still running."""
        with self._locked():
            if self._pid.exists() and not self._status.exists():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(int(self._pid.read_text()), signal.SIGKILL)


def configure(config: pytest.Config) -> None:
    """In the main process: make the run's bundle folder, for it and its workers."""
    if is_worker(config) or build_skipped():
        return
    folder = tempfile.mkdtemp(prefix="wsinspector-bundle-")
    os.environ[FOLDER_VARIABLE] = folder


def run_build() -> Build:
    return Build(Path(os.environ[FOLDER_VARIABLE]))


def start_if_needed(session: pytest.Session) -> None:
    """Start the build when a selected test needs it and it is not skipped."""
    if FOLDER_VARIABLE not in os.environ:
        return
    if any(FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
        run_build().start()


def unconfigure(config: pytest.Config) -> None:
    """In the main process, once every worker has ended: stop the build, remove its folder."""
    if is_worker(config) or FOLDER_VARIABLE not in os.environ:
        return
    build = run_build()
    build.stop()
    shutil.rmtree(build.folder, ignore_errors=True)
    del os.environ[FOLDER_VARIABLE]
