"""The save dialog of "Export log…": the folder it opens in and the name it proposes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from wsinspector.core.storage.logfiles import LogFormat

FOLDER_KEY: Final = "export/folder"
# Not in file names on Windows ("<>:"/\|?*" and control characters) or macOS (":").
_ILLEGAL: Final = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def file_name_for(title: str) -> str:
    """A page's title ("127.0.0.1:19601/echo") as a file name every system takes."""
    name = _ILLEGAL.sub("_", title).strip(" .")
    return name or "log"


def export_folder(settings: QSettings) -> Path:
    """Where the last export went, else the user's documents (never the app's start folder)."""
    saved = settings.value(FOLDER_KEY)
    if isinstance(saved, str) and saved and Path(saved).is_dir():
        return Path(saved)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents else Path.home()


def ask_export_path(parent: QWidget, settings: QSettings, title: str) -> str | None:
    """The file to export to, with its suffix; None when the user cancels."""
    filters = ";;".join(fmt.dialog_filter for fmt in LogFormat)
    suggestion = export_folder(settings) / f"{file_name_for(title)}.har"
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export the log", str(suggestion), filters, LogFormat.HAR.dialog_filter
    )
    if not path:
        return None
    if not Path(path).suffix:
        # No suffix typed: the filter chosen says the format.
        fmt = next((f for f in LogFormat if f.dialog_filter == chosen), LogFormat.HAR)
        path += fmt.suffix
    settings.setValue(FOLDER_KEY, str(Path(path).parent))
    return path
