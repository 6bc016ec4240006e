"""Every icon the UI asks for exists and is an SVG document (no Qt needed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from wsinspector.resources import icon_path, icons_dir

ICONS = (
    "app",
    "connect",
    "disconnect",
    "send",
    "ping",
    "clear",
    "arrow-in",
    "arrow-out",
    "info",
    "error",
    "warning",
)
SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("name", ICONS)
def test_icon_is_an_svg_file(name: str) -> None:
    path = icon_path(name)
    assert path.parent == icons_dir()
    root = ET.parse(path).getroot()
    assert root.tag == SVG
    assert root.get("viewBox") == "0 0 24 24"


def test_unknown_icon_says_which() -> None:
    with pytest.raises(FileNotFoundError, match="no-such-icon"):
        icon_path("no-such-icon")


@pytest.mark.parametrize("name", ["../pyproject", "icons/send", "", "send.svg"])
def test_icon_name_must_be_a_plain_stem(name: str) -> None:
    with pytest.raises(ValueError, match="not an icon name"):
        icon_path(name)
