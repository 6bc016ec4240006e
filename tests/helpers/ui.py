"""Finding and reading the window's widgets the way a user would: by their objectName."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from helpers.widgets import find
from wsinspector.qt.workspace.detail_view import MessageDetailView

W = TypeVar("W", bound=QWidget)


def row_texts(model: QAbstractItemModel) -> list[str]:
    """Each row's DisplayRole texts, joined, as the user reads the log."""
    rows = []
    for row in range(model.rowCount()):
        cells = [
            str(model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole) or "")
            for column in range(model.columnCount())
        ]
        rows.append(" | ".join(cells))
    return rows


def log_rows(root: QWidget) -> list[str]:
    view = find(root, QAbstractItemView, "messageLog")
    return row_texts(view.model())


# A compressed message's Size cell: its payload size, then the change on the wire.
_WIRE_CHANGE = re.compile(r"(?<=\| )(\d+(?:\.\d)? [KMGT]?i?B) [-+\N{PLUS-MINUS SIGN}]\d+%(?= \|)")


def without_wire_sizes(rows: list[str]) -> list[str]:
    """Log rows without a live page's wire sizes ("5 B +40%" becomes "5 B"): log files and
    the capture keep payloads, not the frames they crossed the wire in."""
    return [_WIRE_CHANGE.sub(r"\1", row) for row in rows]


def set_headers(root: QWidget, headers: list[tuple[str, str]]) -> None:
    view = find(root, QAbstractItemView, "headersTable")
    model = view.model()
    start = model.rowCount()
    assert model.insertRows(start, len(headers))
    for offset, (name, value) in enumerate(headers):
        model.setData(model.index(start + offset, 0), name, Qt.ItemDataRole.EditRole)
        model.setData(model.index(start + offset, 1), value, Qt.ItemDataRole.EditRole)


def settings_tabs(root: QWidget) -> list[str]:
    """The settings tabs' titles as shown (a tab with a problem starts with "⚠")."""
    bar = find(root, QTabBar, "settingsTabBar")
    return [bar.tabText(i) for i in range(bar.count())]


def open_settings_tab(root: QWidget, title: str) -> None:
    """Click the settings tab called `title` (with or without its "⚠"), as a user would."""
    bar = find(root, QTabBar, "settingsTabBar")
    titles = [bar.tabText(i).removeprefix("⚠ ") for i in range(bar.count())]
    index = titles.index(title)
    bar.setCurrentIndex(index)
    if find(root, QWidget, "settingsStack").isHidden():
        find(root, QAbstractButton, "settingsToggleButton").click()


def stays(qtbot: QtBot, predicate: Callable[[], object], ms: int) -> None:
    """Check that ``predicate()`` holds at every poll for ``ms`` milliseconds, Qt spinning.

    For "nothing else happens" (no further attempt, the state does not change): the event
    loop runs the whole time (``qtbot.wait`` in 10 ms steps), so whatever was going to happen
    has its chance to, unlike an assertion made right after a click. Wait first on a condition
    that shows the loop has done its part; this only bounds how long "nothing" is watched.
    The Qt twin of helpers.asyncwait.stays.
    """
    deadline = time.monotonic() + ms / 1000
    while True:
        assert predicate(), f"condition stopped holding (watched for {ms} ms)"
        if time.monotonic() >= deadline:
            return
        qtbot.wait(10)


def connect_to(qtbot: QtBot, root: QWidget, uri: str, state: str = "open") -> None:
    """Type `uri`, click Connect, and wait until the status label reports `state`."""
    edit = root.findChild(QLineEdit, "uriEdit")
    assert edit is not None, "no QLineEdit named 'uriEdit'"
    edit.setText(uri)
    qtbot.mouseClick(find(root, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(root, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == state, timeout=5000)


def detail_mode_combo(root: QWidget) -> QComboBox:
    """The detail view's mode choice (Text, JSON, Tree, Hex)."""
    return find(root, QComboBox, "detailModeCombo")


def detail_modes(root: QWidget) -> list[str]:
    box = detail_mode_combo(root)
    return [box.itemText(i) for i in range(box.count())]


def standalone_detail_view(qtbot: QtBot) -> MessageDetailView:
    """A MessageDetailView of its own, shown at 700x500, for tests of the view alone."""
    view = MessageDetailView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    return view


def detail_notice(root: QWidget) -> str:
    """The detail view's notice ("" while it is hidden)."""
    found = find(root, QLabel, "detailNotice")
    return found.text() if not found.isHidden() else ""
