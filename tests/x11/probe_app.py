"""Runs the real app (wsinspector.app.main) and writes what a test can't see through X11 to a
JSON file every 50 ms: the focused widget, the texts of a few fields, an open dialog.

Run by test_real_keys.py as `python probe_app.py OUT`, on the display and platform it chose.
"""

from __future__ import annotations

import json
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from wsinspector import app as wsapp

OUT = sys.argv[1]


def _text(widget: QWidget | None) -> str | None:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return widget.toPlainText()
    return None


def _visible(app: QApplication, name: str) -> QWidget | None:
    for top in app.topLevelWidgets():
        for widget in top.findChildren(QWidget, name):
            if widget.isVisible():
                return widget
    return None


def dump(app: QApplication) -> None:
    focus = app.focusWidget()
    modal = app.activeModalWidget()
    fields = {}
    for name in ("uriEdit", "messageEdit", "logFilterEdit"):
        widget = _visible(app, name)
        if widget is not None:
            centre = widget.mapToGlobal(widget.rect().center())
            fields[name] = {"text": _text(widget), "x": centre.x(), "y": centre.y()}
    tabs = _visible(app, "connectionTabs")
    state = {
        "tabs": tabs.count() if isinstance(tabs, QTabWidget) else None,
        "focus": focus.objectName() if focus is not None else None,
        "modal": modal.windowTitle() if modal is not None else None,
        "fields": fields,
    }
    with open(OUT + ".tmp", "w", encoding="utf-8") as file:
        json.dump(state, file)
    os.replace(OUT + ".tmp", OUT)


_make = wsapp.make_application


def make_application() -> QApplication:
    app = _make()
    timer = QTimer(app)
    timer.timeout.connect(lambda: dump(app))
    timer.start(50)
    return app


wsapp.make_application = make_application
sys.exit(wsapp.main([]))
