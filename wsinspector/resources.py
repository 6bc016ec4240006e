"""Where the application's data files (icons) live. No Qt here, so core code and tests can use it.

The icons are package data, `wsinspector/assets/icons/*.svg`, found through importlib.resources:
one lookup that works from a checkout, an editable install, a wheel in a venv or pipx,
`pip install --user` and the PyInstaller bundle (whose spec ships the folder where the package
is). The top-level `resources/` folder holds only what the desktop and the README need (the
hicolor PNGs, the screenshots), never something the running app reads.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Final

# Icon names are plain file stems: anything else ("../x", "a/b") is a bug in the caller.
_ICON_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")


def icons_dir() -> Path:
    """The folder of the SVG icons; FileNotFoundError when it is not there."""
    folder = resources.files("wsinspector") / "assets" / "icons"
    # Qt opens icons by file name: a package imported from a zip would need them extracted,
    # and no way of installing wsinspector runs it from a zip.
    if not isinstance(folder, Path) or not folder.is_dir():
        raise FileNotFoundError(f"wsinspector's icons folder is missing: looked for {folder}")
    return folder


def icon_path(name: str) -> Path:
    """The file of icon `name` ("send" -> wsinspector/assets/icons/send.svg); FileNotFoundError
    if none."""
    if not _ICON_NAME.fullmatch(name):
        raise ValueError(f"not an icon name: {name!r} (expected e.g. 'send' or 'arrow-in')")
    path = icons_dir() / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon named {name!r}: {path} does not exist")
    return path
