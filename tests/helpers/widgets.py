"""Finding the app's widgets by objectName, as the tests and the flood benchmark drive it.

Qt is not imported here (the bound below is only read by type checkers), so the benchmark's
children without Qt may import this too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def find[W: QWidget](root: QWidget, kind: type[W], name: str) -> W:
    """The widget under `root` of this kind and objectName; it must exist."""
    widget = root.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name!r}"
    return widget
