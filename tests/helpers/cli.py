"""wsinspector's headless subcommands (test, replay) run as a user runs them: a subprocess
without a display, telling whether Qt was imported on the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.recordcli import headless_env

_RUNNER = (
    "import sys; from wsinspector.app import main; code = main(sys.argv[1:]);"
    " print('QT-IMPORTED' if any(m.startswith('PySide6') for m in sys.modules) else 'NO-QT');"
    " sys.exit(code)"
)


def run_cli(
    *args: str | Path, timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _RUNNER, *map(str, args)],
        env=headless_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
