"""The log filter of a page that speaks Socket.IO, against the real Node server of
tests/node/socketio_server.js: it finds events by their name and kind, not only by payload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.node import node_server
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def socketio_port() -> Iterator[int]:
    with node_server("socketio_server.js") as port:
        yield port


def filter_rows(qtbot: QtBot, window: MainWindow, text: str) -> list[str]:
    """The rows shown once the filter bar holds `text` (applied at once, not debounced)."""
    edit = find(window, QLineEdit, "logFilterEdit")
    edit.setText(text)
    window.current_page().log_panel.filter_bar.apply()
    model = window.current_page().model
    qtbot.waitUntil(lambda: not model.scanning, timeout=WAIT_MS)
    return log_rows(window)


def test_filtering_a_socketio_page_by_event_name_keeps_that_events_rows(
    window: MainWindow, qtbot: QtBot, socketio_port: int
) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.clear()
    qtbot.keyClicks(uri, f"http://127.0.0.1:{socketio_port}")
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any("welcome" in row for row in log_rows(window)), timeout=WAIT_MS)
    # `flood` answers with three `tick` events and a `flooded` one.
    find(window, QLineEdit, "eventNameEdit").setText("flood")
    find(window, QPlainTextEdit, "messageEdit").setPlainText("3")
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("flooded" in row for row in log_rows(window)), timeout=WAIT_MS)

    ticks = filter_rows(qtbot, window, "name:tick")
    assert len(ticks) == 3, ticks
    assert all("| event |" in row and "tick" in row for row in ticks)
    # A name and a text: the row of that event with that text, and the detail marks the text.
    assert len(filter_rows(qtbot, window, "name:tick 1")) == 1
    view = find(window, QTableView, "messageLog")
    view.selectRow(0)
    detail = find(window, QPlainTextEdit, "detailBody")
    qtbot.waitUntil(lambda: '"tick"' in detail.toPlainText(), timeout=WAIT_MS)
    marked = [selection.cursor.selectedText() for selection in detail.extraSelections()]
    assert marked == ["1"], detail.toPlainText()
    # Plain text finds the kind, which no payload spells; a name pattern, several events.
    assert [row for row in filter_rows(qtbot, window, "event welcome")] == [
        row for row in log_rows(window) if "welcome" in row
    ]
    assert len(filter_rows(qtbot, window, "event welcome")) == 1
    assert len(filter_rows(qtbot, window, "name:flood*")) == 2  # sent flood, received flooded
    assert filter_rows(qtbot, window, "kind:connect")
    assert all("| connect |" in row for row in log_rows(window))
