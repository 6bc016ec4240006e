"""The filter bar over the log: text over whole payloads, regex, direction, "N of M", live rows."""

from __future__ import annotations

from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
)
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000


def send_and_wait_echo(qtbot: QtBot, window: MainWindow, text: str) -> None:
    log = find(window, QTableView, "messageLog").model().log  # type: ignore[attr-defined]
    before = log.counters.messages_in
    find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: log.counters.messages_in == before + 1, timeout=WAIT_MS)


def filter_text(qtbot: QtBot, window: MainWindow, text: str, regex: bool = False) -> None:
    find(window, QCheckBox, "logRegexCheck").setChecked(regex)
    find(window, QLineEdit, "logFilterEdit").setText(text)
    status = find(window, QLabel, "logFilterStatusLabel")
    qtbot.waitUntil(lambda: " of " in status.text() or not text, timeout=WAIT_MS)


def test_text_filter_searches_the_whole_payload_and_counts(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    long_message = "x" * 500 + " needle at the end"
    for text in ("alpha", long_message, "beta"):
        send_and_wait_echo(qtbot, window, text)
    qtbot.waitUntil(lambda: sum("beta" in row for row in log_rows(window)) == 2, timeout=WAIT_MS)
    total = len(log_rows(window))
    filter_text(qtbot, window, "NEEDLE")
    qtbot.waitUntil(lambda: len(log_rows(window)) == 2, timeout=WAIT_MS)
    assert all("xxxxx" in row for row in log_rows(window))  # the preview doesn't show it
    assert find(window, QLabel, "logFilterStatusLabel").text() == f"2 of {total}"

    filter_text(qtbot, window, "")
    qtbot.waitUntil(lambda: len(log_rows(window)) == total, timeout=WAIT_MS)
    assert find(window, QLabel, "logFilterStatusLabel").text() == ""


def test_direction_and_regex_filters_and_live_rows(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    for text in ("order 17", "order 18", "cancel 3"):
        send_and_wait_echo(qtbot, window, text)
    filter_text(qtbot, window, r"order \d+$", regex=True)
    # A combo applies at once (no typing to wait for): the whole filter is in force now.
    find(window, QComboBox, "logDirectionCombo").setCurrentText("Sent")
    qtbot.waitUntil(lambda: len(log_rows(window)) == 2, timeout=WAIT_MS)
    assert all("↑" in row and "order" in row for row in log_rows(window))

    # New rows are tested as they arrive: a match shows, the rest does not.
    send_and_wait_echo(qtbot, window, "order 19")
    send_and_wait_echo(qtbot, window, "cancel 4")
    qtbot.waitUntil(lambda: len(log_rows(window)) == 3, timeout=WAIT_MS)
    assert "order 19" in log_rows(window)[-1]


def test_a_bad_regex_is_explained_next_to_the_filter(window: MainWindow, qtbot: QtBot) -> None:
    filter_text(qtbot, window, "", regex=True)
    find(window, QLineEdit, "logFilterEdit").setText("order (")
    error = find(window, QLabel, "logFilterError")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert "regular expression" in error.text()


def test_the_detail_view_marks_what_the_filter_looks_for(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/echo"))
    send_and_wait_echo(qtbot, window, "a needle in a haystack")
    filter_text(qtbot, window, "needle")
    qtbot.waitUntil(lambda: len(log_rows(window)) == 2, timeout=WAIT_MS)
    view = find(window, QTableView, "messageLog")
    view.selectRow(1)
    body = find(window, QPlainTextEdit, "detailBody")
    qtbot.waitUntil(lambda: body.toPlainText() == "a needle in a haystack", timeout=WAIT_MS)
    marked = [
        body.toPlainText()[s.cursor.selectionStart() : s.cursor.selectionEnd()]
        for s in body.extraSelections()
    ]
    assert "needle" in marked


def test_a_filter_error_never_moves_the_layout(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    bar = find(window, QLineEdit, "logFilterEdit").parentWidget()
    assert bar is not None
    docks = [window.profiles_dock, *([window.history_dock] if window.history_dock else [])]
    widths = [dock.width() for dock in docks]
    hints = (bar.minimumSizeHint().width(), bar.sizeHint().width())

    find(window, QCheckBox, "logRegexCheck").setChecked(True)
    find(window, QLineEdit, "logFilterEdit").setText("abc(")
    error = find(window, QLabel, "logFilterError")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    qtbot.wait(50)  # a layout pass; what must not happen can't be waited for

    assert (bar.minimumSizeHint().width(), bar.sizeHint().width()) == hints
    assert [dock.width() for dock in docks] == widths
    # The whole message, however long, is one hover away.
    assert "regular expression" in error.toolTip()


def test_the_filter_box_has_room(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    edit = find(window, QLineEdit, "logFilterEdit")
    others = [find(window, QLineEdit, "logConnectionEdit").width()]
    others += [
        find(window, QComboBox, name).width() for name in ("logDirectionCombo", "logTypeCombo")
    ]
    assert edit.width() > max(others)
    assert edit.minimumWidth() >= 160
