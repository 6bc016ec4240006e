"""Where the application's data files (icons) live. No Qt here, so core code and tests can use it.

The `resources/` folder sits at the repository's top level, next to the `wsinspector/` package,
and is found relative to this file: the app works from a checkout or an editable install
wherever it was started from.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Final

# Where `resources/` can be, first match wins: a source checkout or editable install (next to
# the package), a PyInstaller bundle (its data folder), a wheel install (data-files under the
# environment's share/, see pyproject.toml).
_CANDIDATES: Final = (
    Path(__file__).resolve().parent.parent / "resources",
    Path(getattr(sys, "_MEIPASS", "/nonexistent")) / "resources",
    Path(sys.prefix) / "share" / "wsinspector",
)
_RESOURCES: Final = next((path for path in _CANDIDATES if path.is_dir()), _CANDIDATES[0])

# Icon names are plain file stems: anything else ("../x", "a/b") is a bug in the caller.
_ICON_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")


def resources_dir() -> Path:
    """The top-level `resources/` folder; FileNotFoundError when it is not there."""
    if not _RESOURCES.is_dir():
        raise FileNotFoundError(
            "wsinspector's resources folder is missing: looked in "
            + ", ".join(str(path) for path in _CANDIDATES)
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
