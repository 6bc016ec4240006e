"""The line under the composer that shows what the typed message will be when sent.

Shown only while the text refers to `{{variables}}` or `{{$dynamic values}}`: it then reads
the text as sending it now would fill it (the page's `preview` decides, without using up the
page's counter), or why it would not be sent. Refreshed a moment after typing stops, so a
long message is not filled on every key, and when the page's variables change.

objectName: messagePreviewLabel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from wsinspector.core.storage.profiles.outgoing import Prepared
from wsinspector.core.text.placeholders import REFERENCE

DEBOUNCE_MS: Final = 250
# A long message is shortened: the line is a glance, the log shows what was really sent.
SHOWN_CHARS: Final = 300


class MessagePreview(QLabel):
    """Previews `editor`'s text through `preview` (text → the filled text, or why not)."""

    def __init__(
        self,
        editor: QPlainTextEdit,
        preview: Callable[[str], Prepared],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messagePreviewLabel")
        self.setToolTip(
            "The message as it would be sent now: {{variables}} and dynamic values filled "
            "(these change at each send; the log shows what was really sent)"
        )
        self.setStyleSheet("color: palette(placeholder-text);")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setWordWrap(True)
        self.hide()
        self._editor = editor
        self._preview = preview
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        editor.textChanged.connect(self.schedule)

    def schedule(self) -> None:
        """Refresh once the user pauses."""
        self._timer.start()

    def refresh(self) -> None:
        self._timer.stop()
        text = self._editor.toPlainText()
        if REFERENCE.search(text) is None:
            self.hide()
            self.clear()
            return
        preview = self._preview(text)
        if preview.payload is None:
            self.setText(f"Not sendable: {preview.problem}")
        else:
            shown = str(preview.payload)
            if len(shown) > SHOWN_CHARS:
                shown = shown[:SHOWN_CHARS] + "…"
            self.setText(f"Sends: {shown}")
        self.show()
