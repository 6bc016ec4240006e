"""Crash-safe file replacement: a reader sees the old file or the new one, never a mix.

The new content goes to a temporary file in the same folder (mode 0600), is flushed and
fsynced, the previous version is kept as `<file>.bak` (a hard link, or a copy where links
don't work), then os.replace() puts the new file in place and the folder is fsynced. A
process killed at any moment leaves the old or the new file, plus at worst a stray
`.<file>.*.tmp`, which `sweep_temporary_files` removes once it is old.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from pathlib import Path

from wsinspector.core.app.private_files import FILE_MODE

TEMPORARY_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".bak"


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def _temporary_path(path: Path, what: str = "") -> Path:
    return path.with_name(f".{path.name}{what}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return  # Windows can't open a folder for fsync; os.replace is atomic there anyway
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_backup(path: Path) -> None:
    temporary = _temporary_path(path, BACKUP_SUFFIX)
    try:
        os.link(path, temporary)
    except OSError:
        shutil.copy2(path, temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
    try:
        os.replace(temporary, backup_path(path))
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_atomic(path: Path, data: bytes, *, keep_backup: bool = True) -> None:
    """Replace `path` by `data` atomically; the previous version stays as `<path>.bak`."""
    temporary = _temporary_path(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)  # whatever the umask
        if keep_backup and path.exists():
            _keep_backup(path)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _fsync_directory(path.parent)


def sweep_temporary_files(directory: Path, older_than: float = 3600.0) -> None:
    """Remove temporary files that a killed writer left, once they are `older_than` seconds."""
    now = time.time()
    for candidate in directory.glob(f".*{TEMPORARY_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - candidate.stat().st_mtime > older_than:
                candidate.unlink()
