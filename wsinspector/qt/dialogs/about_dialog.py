"""Help ▸ About: what wsinspector is, and every version in use, copyable for a bug report."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import wsinspector
from wsinspector.core.app.versions import APP_ID, Versions, gather
from wsinspector.qt.widgets.icons import icon

COPY_TEXT: Final = "Copy versions"
COPIED_TEXT: Final = "Copied ✓"
COPIED_MS: Final = 1500
ICON_SIZE: Final = 64


def current_versions() -> Versions:
    """The versions in use, with Qt's runtime version and its platform plugin (xcb, wayland…)."""
    return gather(qt=qVersion(), qt_platform=QGuiApplication.platformName() or None)


def show_about(parent: QWidget | None) -> QDialog:
    """Open the About dialog without blocking (open(), never exec(): the window may be in a
    coroutine, and a nested event loop would re-enter qasync's running task). Returns it; it
    deletes itself once closed.

    Its `aboutVersions` view lists wsinspector, Python, Qt, PySide6, websockets, qasync and the
    platform, one per line; `aboutCopyButton` puts those lines on the clipboard.
    """
    versions = current_versions().text()

    dialog = QDialog(parent)
    dialog.setObjectName("aboutDialog")
    dialog.setWindowTitle("About wsinspector")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    logo = QLabel()
    logo.setObjectName("aboutIcon")
    logo.setPixmap(icon("app").pixmap(ICON_SIZE, ICON_SIZE))
    logo.setAlignment(Qt.AlignmentFlag.AlignTop)
    title = QLabel(
        f"<h2 style='margin:0'>wsinspector {wsinspector.__version__}</h2>"
        "<p>A desktop WebSocket inspector: connect with your own handshake, read it as it "
        "crossed the wire, and follow every message, ping and close.</p>"
        f"<p style='color:gray'>{APP_ID}</p>"
    )
    title.setObjectName("aboutTitle")
    title.setWordWrap(True)
    title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    header = QHBoxLayout()
    header.addWidget(logo)
    header.addWidget(title, 1)

    view = QPlainTextEdit(versions)
    view.setObjectName("aboutVersions")
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    lines = versions.count("\n") + 1
    view.setFixedHeight(view.fontMetrics().lineSpacing() * (lines + 1) + 12)
    view.setMinimumWidth(view.fontMetrics().horizontalAdvance("M") * 64)

    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    copy = QPushButton(COPY_TEXT)
    copy.setObjectName("aboutCopyButton")
    copy.setToolTip("Put these versions on the clipboard, e.g. for a bug report")
    buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
    buttons.rejected.connect(dialog.close)

    def copy_versions() -> None:
        QGuiApplication.clipboard().setText(versions)
        copy.setText(COPIED_TEXT)
        QTimer.singleShot(COPIED_MS, dialog, lambda: copy.setText(COPY_TEXT))

    copy.clicked.connect(copy_versions)

    layout = QVBoxLayout(dialog)
    layout.addLayout(header)
    layout.addWidget(QLabel("Versions in use:"))
    layout.addWidget(view)
    layout.addWidget(buttons)

    dialog.open()
    return dialog
