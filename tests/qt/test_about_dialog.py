"""Help ▸ About: the versions in use, a Copy button, and it never blocks."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

import wsinspector
from wsinspector.qt.dialogs.about_dialog import COPIED_TEXT, show_about

NAMES = ["wsinspector", "Python", "Qt", "PySide6", "websockets", "qasync", "Platform"]


def close_dialogs() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.close()


def open_about(qtbot: QtBot) -> tuple[QWidget, QDialog]:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    # Should show_about block (exec()), this ends its nested loop so the test fails, not hangs.
    QTimer.singleShot(3000, close_dialogs)
    started = time.monotonic()
    dialog = show_about(parent)
    assert time.monotonic() - started < 2.5, "show_about blocked until the dialog closed"
    return parent, dialog


def test_about_lists_the_versions_and_does_not_block(qtbot: QtBot) -> None:
    parent, dialog = open_about(qtbot)
    assert dialog.isVisible()
    assert dialog.parent() is parent
    view = dialog.findChild(QPlainTextEdit, "aboutVersions")
    assert view is not None
    lines = view.toPlainText().splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == NAMES
    assert lines[0] == f"wsinspector {wsinspector.__version__}"
    qt_line = lines[NAMES.index("Qt")]
    assert qt_line.startswith("Qt 6.")
    assert qt_line.endswith(f"({QGuiApplication.platformName()})")
    title = dialog.findChild(QLabel, "aboutTitle")
    assert title is not None and wsinspector.__version__ in title.text()
    dialog.close()


def test_copy_puts_the_versions_on_the_clipboard(qtbot: QtBot) -> None:
    _parent, dialog = open_about(qtbot)
    QGuiApplication.clipboard().setText("something else")
    button = dialog.findChild(QPushButton, "aboutCopyButton")
    assert button is not None
    button.click()
    view = dialog.findChild(QPlainTextEdit, "aboutVersions")
    assert view is not None
    assert QGuiApplication.clipboard().text() == view.toPlainText()
    assert button.text() == COPIED_TEXT
    dialog.close()


def test_about_deletes_itself_once_closed(qtbot: QtBot) -> None:
    parent, dialog = open_about(qtbot)
    dialog.close()
    qtbot.waitUntil(lambda: parent.findChild(QDialog, "aboutDialog") is None, timeout=3000)
