"""The window's banner for unexpected errors (core/app/crashlog.py): one line, Details…, close.

It shows the latest error and how many came; Details… opens the traceback and the log file's
path in a dialog whose text can be selected and copied. Closing the banner forgets the count.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from wsinspector.core.app.crash_wording import (
    crash_banner_words,
    crash_details_words,
    crash_log_words,
)
from wsinspector.core.app.crashlog import Crash


class ErrorBanner(QFrame):
    """Hidden until `show_crash`; has no signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(
            "#errorBanner { background: #fff5f5; border-bottom: 1px solid #c53030; }"
            "#errorBanner QLabel { color: #9b2c2c; }"
        )
        self.label = QLabel()
        self.label.setObjectName("errorBannerLabel")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details…")
        self.details_button.setObjectName("errorDetailsButton")
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("errorBannerCloseButton")
        self.close_button.setToolTip("Hide this message; the error stays in the log file")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.details_button)
        row.addWidget(self.close_button)
        self.details_button.clicked.connect(self.show_details)
        self.close_button.clicked.connect(self.dismiss)
        self.crash: Crash | None = None
        self.count = 0
        self.details: QMessageBox | None = None
        self.hide()

    def show_crash(self, crash: Crash) -> None:
        self.crash = crash
        self.count += 1
        self.label.setText(crash_banner_words(crash.kind, crash.message, self.count))
        self.show()

    def dismiss(self) -> None:
        self.count = 0
        self.hide()

    def details_text(self) -> str:
        crash = self.crash
        if crash is None:
            return ""
        return crash_details_words(crash.where, crash.traceback, crash.log_path)

    def show_details(self) -> None:
        crash = self.crash
        if crash is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Unexpected error", self.label.text(), parent=self
        )
        box.setObjectName("errorDetailsDialog")
        box.setInformativeText(crash_log_words(crash.log_path))
        box.setDetailedText(self.details_text())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.details = box
        box.open()  # not exec(): the event loop, and the connections, keep running
