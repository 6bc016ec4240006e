"""What floats over the log or sits in its cells explains itself and hides nothing: "Jump to
newest" never covers the selected row; the Size column says what its percentage is."""

from __future__ import annotations

from helpers.servers import RecordingServer
from helpers.ui import connect_to, find
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow
from wsinspector.qt.workspace.logmodel import Column

WAIT_MS = 5000


def chat(qtbot: QtBot, window: MainWindow, texts: list[str]) -> None:
    page = window.current_page()
    before = page.log.counters.messages_in
    for text in texts:
        find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
        qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.log.counters.messages_in == before + len(texts), timeout=WAIT_MS)
    page.model.flush()


def row_rect(view: QTableView, row: int) -> QRect:
    """The row's rectangle in the view's coordinates (where the button is placed)."""
    first = view.visualRect(view.model().index(row, 0))
    last = view.visualRect(view.model().index(row, view.model().columnCount() - 1))
    return first.united(last).translated(view.viewport().geometry().topLeft())


def test_jump_to_newest_does_not_cover_the_selected_row(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1280, 800)
    connect_to(qtbot, window, recording_server.url("/echo"))
    chat(qtbot, window, [f"message {n}" for n in range(40)])
    view = find(window, QTableView, "messageLog")
    jump = find(window, QPushButton, "jumpToNewestButton")
    # The rows at the bottom right corner, one after another: the newest row visible is
    # where the button floats.
    for offset in (2, 8, 14):
        row = view.rowAt(view.viewport().height() - offset)
        assert row >= 0
        view.selectRow(row)
        chat(qtbot, window, ["one more"])
        qtbot.waitUntil(jump.isVisible, timeout=WAIT_MS)
        selected = row_rect(view, row)
        assert not jump.geometry().intersects(selected), (row, jump.geometry(), selected)
    view.selectRow(0)  # at the top: the button goes back to the bottom corner
    view.scrollToTop()
    qtbot.waitUntil(
        lambda: jump.geometry().bottom() > view.viewport().geometry().center().y(),
        timeout=WAIT_MS,
    )
    assert not jump.geometry().intersects(row_rect(view, 0))


def test_the_size_column_says_what_its_percentage_is(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))  # permessage-deflate by default
    chat(qtbot, window, ["x" * 200])
    model = window.current_page().model
    legend = model.headerData(Column.SIZE, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert legend is not None and "%" in legend and "on the wire" in legend
    rows = range(model.rowCount())
    cells = [model.index(row, Column.SIZE) for row in rows]
    compressed = [cell for cell in cells if "%" in (cell.data() or "")]
    assert compressed, [cell.data() for cell in cells]
    assert "on the wire" in compressed[0].data(Qt.ItemDataRole.ToolTipRole)
