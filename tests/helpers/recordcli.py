"""`wsinspector record` run as a user runs it: a subprocess without a display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs the real command line, then tells whether Qt was imported on the way.
_RUNNER = (
    "import sys; from wsinspector.app import main; code = main(sys.argv[1:]);"
    " print('QT-IMPORTED' if any(m.startswith('PySide6') for m in sys.modules) else 'NO-QT');"
    " sys.exit(code)"
)


def headless_env(**extra: str) -> dict[str, str]:
    """No display and no Qt platform: what a CI job or a server without a screen has."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUNNER, "record", *args],
        env=env or headless_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(
    *args: str, timeout: float = 30, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    process = start(*args, env=env)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
