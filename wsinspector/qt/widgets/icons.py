"""The application's icons as QIcons, loaded once per name."""

from __future__ import annotations

import functools

from PySide6.QtGui import QIcon

from wsinspector.resources import icon_path


@functools.cache
def icon(name: str) -> QIcon:
    """The icon `name` from wsinspector/assets/icons (e.g. "send", "arrow-in").

    Raises FileNotFoundError for an unknown name: a missing icon is a packaging bug that
    should fail loudly in tests rather than show blank buttons.
    """
    return QIcon(str(icon_path(name)))
