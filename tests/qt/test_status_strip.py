"""The status strip's notices at 1280 and 1920 wide: never cut through by the strip's edge
(whole, or elided with the whole text in the tooltip); and a new attempt stopped by a typo
does not leave the last failure in the headline or the Handshake pane."""

from __future__ import annotations

import pytest
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000


def assert_shown_whole_or_elided(label: QLabel) -> None:
    """The label's text fits in its rectangle, or it is elided with the text in the tooltip;
    and the label lies within the strip (the strip does not cut it either)."""
    strip = find(label.window(), QWidget, "statusArea")
    top_left = label.mapTo(strip, label.rect().topLeft())
    assert strip.contentsRect().contains(QRect(top_left, label.size())), label.objectName()
    room = label.contentsRect()
    needed = label.fontMetrics().boundingRect(
        QRect(0, 0, room.width(), 10_000), Qt.TextFlag.TextWordWrap, label.text()
    )
    if needed.height() > room.height():
        assert getattr(label, "elided", False), f"{label.objectName()} is cut: {label.text()!r}"
        assert label.toolTip() == label.text()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_long_notices_are_shown_whole_or_elided_not_cut(
    tls_server: TlsServer, window: MainWindow, qtbot: QtBot, size: tuple[int, int]
) -> None:
    window.resize(*size)
    find(window, QLineEdit, "uriEdit").setText("localhost:8765/a/long/path?with=query&and=more")
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    hint = find(window, QLabel, "uriError")
    qtbot.waitUntil(hint.isVisible, timeout=WAIT_MS)
    assert "did you mean ws://localhost:8765/a/long/path" in hint.text()
    fix = find(window, QPushButton, "uriFixButton")
    assert fix.text() == "Use ws://localhost:8765/a/long/path?with=query&and=more"
    assert_shown_whole_or_elided(hint)

    connect_to(qtbot, window, tls_server.server.url("/echo"), "failed")
    certificate = find(window, QLabel, "certificateLabel")
    qtbot.waitUntil(lambda: "Subject:" in certificate.text(), timeout=WAIT_MS)
    for name in ("connectionStatusLabel", "certificateLabel"):
        assert_shown_whole_or_elided(find(window, QLabel, name))

    qtbot.mouseClick(find(window, QPushButton, "skipVerificationButton"), Qt.MouseButton.LeftButton)
    warning = find(window, QLabel, "tlsWarningLabel")
    qtbot.waitUntil(warning.isVisible, timeout=WAIT_MS)
    assert_shown_whole_or_elided(warning)


def test_a_typo_after_a_failure_clears_the_headline_and_the_handshake(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect_to(qtbot, window, recording_server.url("/reject?status=403"), "failed")
    status = find(window, QLabel, "connectionStatusLabel")
    request = find(window, QPlainTextEdit, "requestHeadersView")
    qtbot.waitUntil(lambda: "GET /reject" in request.toPlainText(), timeout=WAIT_MS)
    assert "403" in status.text()

    find(window, QLineEdit, "uriEdit").setText("localhost:8765")
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(find(window, QLabel, "uriError").isVisible, timeout=WAIT_MS)
    assert "403" not in status.text() and "Failed" not in status.text()
    assert "fix what is in red" in status.text()
    assert "#c53030" not in status.styleSheet()  # not the failure's red
    assert "GET /reject" not in request.toPlainText()
