"""The PyInstaller bundle that tests/test_self_check.py checks, built while the rest of the
suite runs.

`sh packaging/dev.sh package` takes about a minute of CPU on CI's 2 cores, and the suite
leaves most of those cores idle while it waits on servers and subprocesses. So the build
starts as soon as collection has picked a test that needs it (tests/conftest.py), at the
lowest CPU priority, so that it takes idle time from the tests rather than slowing their
timing-sensitive checks; the `dist` fixture then waits for it to end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_SH = ROOT / "packaging" / "dev.sh"
SKIP_BUILD = "WSINSPECTOR_SKIP_BUILD"
# The fixture that hands the built bundle to a test (tests/test_self_check.py).
FIXTURE = "dist"


def build_skipped() -> bool:
    return os.environ.get(SKIP_BUILD, "") not in ("", "0")


def without_display() -> dict[str, str]:
    """This environment with no display, and a platform Qt can't start without one."""
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env["QT_QPA_PLATFORM"] = "xcb"
    return env


@dataclass
class Build:
    """One `dev.sh package --out DIR` running in its own process group."""

    out: Path
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)

    @property
    def stdout(self) -> Path:
        return self.out.parent / "dev-sh.stdout"

    @property
    def stderr(self) -> Path:
        return self.out.parent / "dev-sh.stderr"

    def wait(self, timeout: float) -> tuple[int | None, float]:
        """Its exit status (None when it did not end within `timeout`) and its seconds."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)
        return self.process.poll(), time.monotonic() - self.started

    def stop(self) -> None:
        """End it and its children (PyInstaller's) if still running, and remove its files."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        shutil.rmtree(self.out.parent, ignore_errors=True)


def start_build() -> Build:
    """Start `sh packaging/dev.sh package` into a fresh temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="wsinspector-bundle-"))
    out = folder / "dist"
    out.mkdir()
    nice = shutil.which("nice")
    lowest = [nice, "-n", "19"] if nice else []
    with (
        (folder / "dev-sh.stdout").open("wb") as stdout,
        (folder / "dev-sh.stderr").open("wb") as stderr,
    ):
        process = subprocess.Popen(
            [*lowest, "sh", str(DEV_SH), "package", "--out", str(out)],
            env=without_display(),
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Build(out, process)


_BUILD = pytest.StashKey[Build]()


def start_if_needed(session: pytest.Session) -> None:
    """Start the build when a selected test needs it and it is not skipped."""
    if build_skipped() or _BUILD in session.config.stash:
        return
    if any(FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
        session.config.stash[_BUILD] = start_build()


def started_build(config: pytest.Config) -> Build:
    """The build started for this run (started now if collection did not start one)."""
    if _BUILD not in config.stash:
        config.stash[_BUILD] = start_build()
    return config.stash[_BUILD]


def stop(config: pytest.Config) -> None:
    build = config.stash.get(_BUILD, None)
    if build is not None:
        build.stop()
