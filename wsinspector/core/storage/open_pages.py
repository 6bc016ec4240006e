"""The pages open at quit, so that the next launch brings them back (not connected, not
listening): connection pages with their forms, server pages with their settings and rules,
relay pages with their upstream and their own settings.

One JSON file beside the profiles, written atomically and readable by its owner only: unsaved
edits may hold header values a profile would keep secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from wsinspector.core.app.paths import config_dir
from wsinspector.core.storage.profiles.atomic import write_atomic
from wsinspector.core.storage.profiles.format import (
    ProfileFormatError,
    options_from_json,
    options_to_json,
    relay_from_json,
    relay_to_json,
)
from wsinspector.core.storage.profiles.model import RelaySettings
from wsinspector.core.websocket.options import ConnectionOptions

FILE_NAME = "open-pages.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class OpenPage:
    """A page as it was left: its form (unsaved edits included), profile and environment.

    Its kind is told as a profile's is (Profile.kind): a server page has `server`, a relay
    page `relay` (and its upstream in `options`), a connection page neither.
    """

    options: ConnectionOptions
    profile_id: str = ""
    environment: str | None = None
    # A server page's settings and rules, as core.serving.settings writes them; {} otherwise.
    server: dict[str, object] = field(default_factory=dict)
    relay: RelaySettings | None = None


def default_path() -> Path:
    return config_dir() / FILE_NAME


def save_open_pages(pages: list[OpenPage], path: Path | None = None) -> None:
    target = path if path is not None else default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "version": VERSION,
        "pages": [page_to_json(page) for page in pages],
    }
    write_atomic(target, json.dumps(document, indent=2).encode(), keep_backup=False)


def load_open_pages(path: Path | None = None) -> list[OpenPage]:
    """The pages saved at the last quit; [] when there are none or the file can't be read."""
    source = path if path is not None else default_path()
    try:
        document = json.loads(source.read_bytes())
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return []
        return [page_from_json(entry) for entry in document.get("pages", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ProfileFormatError):
        # A lost list of open tabs is no reason to stop the app from starting.
        return []


def page_to_json(page: OpenPage) -> dict[str, object]:
    """One page's entry; "server" and "relay" only for those pages, so that a version before
    them reads a connection page's entry as it always did."""
    entry: dict[str, object] = {
        "options": options_to_json(page.options),
        "profile": page.profile_id,
        "environment": page.environment,
    }
    if page.server:
        entry["server"] = page.server
    if page.relay is not None:
        entry["relay"] = relay_to_json(page.relay)
    return entry


def page_from_json(entry: dict[str, object]) -> OpenPage:
    environment = entry.get("environment")
    server = entry.get("server")
    return OpenPage(
        options_from_json(entry["options"]),
        str(entry.get("profile") or ""),
        environment if isinstance(environment, str) else None,
        dict(server) if isinstance(server, dict) else {},
        relay_from_json(entry["relay"]) if "relay" in entry else None,
    )
