"""Save a message's payload to a file the user picks: the detail view's Save button and the
log's "Save payload…" menu entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from wsinspector.core.log.events import MessageEvent
from wsinspector.core.text.formatting import human_size


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """What became of a save: `saved` or not, and the words to show for it."""

    saved: bool
    words: str


def save_payload(parent: QWidget, event: MessageEvent) -> SaveOutcome | None:
    """Ask where to save `event`'s payload (message.txt or message.bin) and write its bytes as
    they are; None when the user cancelled."""
    suffix = ".txt" if event.text else ".bin"
    # Looked up at each call, so that tests can stand in for the dialog.
    path, _ = QFileDialog.getSaveFileName(parent, "Save the message payload", f"message{suffix}")
    if not path:
        return None
    try:
        Path(path).write_bytes(event.data)
    except OSError as exc:
        return SaveOutcome(False, f"Not saved: {exc.strerror or exc}")
    return SaveOutcome(True, f"Saved {human_size(event.size)} to {path}")
