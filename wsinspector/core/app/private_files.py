"""Files that may hold secrets, readable by their owner only whatever the umask.

A URI's query often carries a token (`?access_token=…`): the window's settings keep the recent
URIs, the crash log keeps error messages that quote them, the capture keeps every payload.
Each is created 0600 before anything writes to it (SQLite's -wal and -shm files and QSettings'
rewrites then keep that mode) and tightened if an earlier version left it readable by others.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Final

FILE_MODE: Final = 0o600
# A folder this creates; one that exists is left as its owner set it.
FOLDER_MODE: Final = 0o700


def keep_private(path: Path, *, create: bool = True) -> None:
    """`path` made readable by its owner only; created empty first (with its folder) when
    `create` and missing. Failures are left to whoever writes the file next to report."""
    with contextlib.suppress(OSError):
        if create:
            path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, FILE_MODE)
