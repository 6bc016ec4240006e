"""Whether a profile's own test files may run: the user's word, kept per user.

A test file is Python run with the user's rights. Profiles the user made run their files; a
profile imported from someone else (ProfileStore.import_file) runs them only once the user has
seen and allowed them, and again only while each file is the one allowed (its SHA-256): a file
changed since asks again.

What was allowed is kept in a file of its own beside the profiles folder, never in a profile:
a profile can't vouch for itself, and exporting or syncing the profiles folder carries no
consent along.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wsinspector.core.storage.profiles.atomic import write_atomic

TRUST_FILE = "script-trust.json"


def script_path(name: str) -> Path:
    """A profile's test file as the profile names it (`~` expanded)."""
    return Path(name).expanduser()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ScriptTrust:
    """The consent file at `path`: {"imported": [profile ids], "allowed": {id: {file: sha256}}}.

    Read at every question (another window may have allowed a file meanwhile)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any] | None:
        """The record; {} when there is none yet, None when it can't be read (damaged): then
        every profile's files ask first, since which ones were imported is not known."""
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=2).encode(), keep_backup=False)

    def is_imported(self, profile_id: str) -> bool:
        data = self._read()
        return data is None or profile_id in data.get("imported", [])

    def mark_imported(self, profile_ids: Iterable[str]) -> None:
        """These profiles came from someone else: their files wait for the user's consent."""
        data = self._read() or {}
        marked = set(data.get("imported", [])) | set(profile_ids)
        data["imported"] = sorted(marked)
        self._write(data)

    def needs_consent(self, profile_id: str, paths: Iterable[Path]) -> list[Path]:
        """The files of `paths` the user must allow before they run for this profile."""
        data = self._read()
        if data is None:
            return list(paths)
        if profile_id not in data.get("imported", []):
            return []
        allowed = data.get("allowed", {}).get(profile_id, {})
        return [path for path in paths if allowed.get(str(path)) != _digest(path)]

    def allow(self, profile_id: str, paths: Iterable[Path]) -> None:
        """The user has seen these files as they are now and lets them run for this profile."""
        data = self._read() or {}
        allowed = data.setdefault("allowed", {}).setdefault(profile_id, {})
        for path in paths:
            digest = _digest(path)
            if digest is not None:
                allowed[str(path)] = digest
        self._write(data)
