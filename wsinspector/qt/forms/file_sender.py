"""The composer's line for a file being streamed: how far it got, and a Cancel button.

It polls the FileSend a few times a second instead of being told about every 64 KiB chunk:
a 200 MB file is 3,200 chunks, and the label needs no more than what a person can read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from wsinspector.core.websocket.file_source import FileSend
from wsinspector.core.websocket.file_wording import file_progress_words

POLL_MS = 100


class FileSendStatus(QWidget):
    """Shown while a file is streamed; hidden otherwise.

    Signals:
        finished(): the file's task ended (sent, failed or cancelled).
    """

    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("fileSendLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("fileSendProgress")
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(160)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("fileSendCancelButton")
        self.cancel_button.setToolTip(
            "Stop sending the file. A message half sent can't be taken back: the connection "
            "is closed (1011)."
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        self._file: FileSend | None = None
        self._task: asyncio.Task[Any] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._refresh)
        self.cancel_button.clicked.connect(self.cancel)
        self.hide()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def track(self, file: FileSend, task: asyncio.Task[Any]) -> None:
        """Show `file`'s progress until `task` (the one sending it) ends."""
        self._file, self._task = file, task
        self.cancel_button.setEnabled(True)
        self._refresh()
        self.show()
        self._timer.start()

    def cancel(self) -> None:
        if self._file is not None:
            self._file.cancel()
            self.cancel_button.setEnabled(False)

    def _refresh(self) -> None:
        file, task = self._file, self._task
        if file is None or task is None or task.done():
            self._timer.stop()
            self._file = self._task = None
            self.hide()
            self.finished.emit()
            return
        self.label.setText(file_progress_words(file.name, file.sent, file.size))
        self.bar.setValue(file.sent * 1000 // file.size if file.size else 0)
