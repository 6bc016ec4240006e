"""The URI bar with command lines typed (real key events) or pasted, and malformed URIs
(issue 19, "Command lines pasted or typed")."""

from __future__ import annotations

import pytest
from helpers.ui import find
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

COMMAND = "wscat -c ws://127.0.0.1:9001/echo -H 'X-A: 1'"


def headers(window: MainWindow) -> list[tuple[str, str]]:
    model = find(window, QTableView, "headersTable").model()
    return [
        (str(model.index(row, 0).data()), str(model.index(row, 1).data()))
        for row in range(model.rowCount())
        if model.index(row, 0).data()
    ]


def test_a_typed_command_line_fills_the_form_on_enter(window: MainWindow, qtbot: QtBot) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.setFocus()
    qtbot.keyClicks(uri, COMMAND)
    assert uri.text() == COMMAND  # nothing is parsed while typing
    qtbot.keyClick(uri, Qt.Key.Key_Return)
    assert uri.text() == "ws://127.0.0.1:9001/echo"
    assert headers(window) == [("X-A", "1")]
    status = find(window, QLabel, "connectionStatusLabel").text()
    assert "Filled from a wscat command line" in status
    assert not find(window, QLabel, "uriError").isVisible()


def test_a_pasted_command_line_fills_the_form_at_once(window: MainWindow, qtbot: QtBot) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    QGuiApplication.clipboard().setText(COMMAND)
    uri.setFocus()
    uri.paste()
    assert uri.text() == "ws://127.0.0.1:9001/echo"
    assert headers(window) == [("X-A", "1")]


def test_a_usage_line_is_said_next_to_the_field(window: MainWindow, qtbot: QtBot) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.setFocus()
    qtbot.keyClicks(uri, "wscat [options] (--listen <port> | --connect <url>)")
    qtbot.keyClick(uri, Qt.Key.Key_Return)
    error = find(window, QLabel, "uriError")
    assert error.isVisible() and "usage line" in error.text()


@pytest.mark.parametrize("text", ["ws://[::1", "ws://[abc]/x"])
def test_a_malformed_bracketed_host_is_said_next_to_the_field(
    window: MainWindow, qtbot: QtBot, text: str
) -> None:
    uri = find(window, QLineEdit, "uriEdit")
    uri.setFocus()
    qtbot.keyClicks(uri, text)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    error = find(window, QLabel, "uriError")
    assert error.isVisible() and "[brackets]" in error.text()
