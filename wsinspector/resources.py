"""Where the application's data files (icons) live. No Qt here, so core code and tests can use it.

The `resources/` folder sits at the repository's top level, next to the `wsinspector/` package,
and is found relative to this file: the app works from a checkout or an editable install
wherever it was started from.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

_RESOURCES: Final = Path(__file__).resolve().parent.parent / "resources"

# Icon names are plain file stems: anything else ("../x", "a/b") is a bug in the caller.
_ICON_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")


def resources_dir() -> Path:
    """The top-level `resources/` folder; FileNotFoundError when it is not there."""
    if not _RESOURCES.is_dir():
        raise FileNotFoundError(
            f"wsinspector's resources folder is missing: expected {_RESOURCES} next to the "
            "wsinspector package (run from a source checkout or an editable install)"
        )
    return _RESOURCES


def icon_path(name: str) -> Path:
    """The file of icon `name` ("send" -> resources/icons/send.svg); FileNotFoundError if none."""
    if not _ICON_NAME.fullmatch(name):
        raise ValueError(f"not an icon name: {name!r} (expected e.g. 'send' or 'arrow-in')")
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon named {name!r}: {path} does not exist")
    return path
