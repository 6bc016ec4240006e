"""The connection pages open at quit, so that the next launch brings them back (not connected).

One JSON file beside the profiles, written atomically and readable by its owner only: unsaved
edits may hold header values a profile would keep secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from wsinspector.core.app.paths import config_dir
from wsinspector.core.storage.profiles.atomic import write_atomic
from wsinspector.core.storage.profiles.format import (
    ProfileFormatError,
    options_from_json,
    options_to_json,
)
from wsinspector.core.websocket.options import ConnectionOptions

FILE_NAME = "open-pages.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class OpenPage:
    """A page as it was left: its form (unsaved edits included), profile and environment."""

    options: ConnectionOptions
    profile_id: str = ""
    environment: str | None = None


def default_path() -> Path:
    return config_dir() / FILE_NAME


def save_open_pages(pages: list[OpenPage], path: Path | None = None) -> None:
    target = path if path is not None else default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "version": VERSION,
        "pages": [
            {
                "options": options_to_json(page.options),
                "profile": page.profile_id,
                "environment": page.environment,
            }
            for page in pages
        ],
    }
    write_atomic(target, json.dumps(document, indent=2).encode(), keep_backup=False)


def load_open_pages(path: Path | None = None) -> list[OpenPage]:
    """The pages saved at the last quit; [] when there are none or the file can't be read."""
    source = path if path is not None else default_path()
    try:
        document = json.loads(source.read_bytes())
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return []
        pages = []
        for entry in document.get("pages", []):
            environment = entry.get("environment")
            pages.append(
                OpenPage(
                    options_from_json(entry["options"]),
                    str(entry.get("profile") or ""),
                    environment if isinstance(environment, str) else None,
                )
            )
        return pages
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ProfileFormatError):
        # A lost list of open tabs is no reason to stop the app from starting.
        return []
