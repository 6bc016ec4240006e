"""Composer, ping, detail view and TLS warning, as the user meets them in the window."""

from __future__ import annotations

from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from helpers.ui import find, log_rows
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000


def connect(qtbot: QtBot, window: MainWindow, uri: str) -> None:
    find(window, QLineEdit, "uriEdit").setText(uri)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "open", timeout=WAIT_MS)


def send(qtbot: QtBot, window: MainWindow, text: str, mode: str = "Text") -> None:
    find(window, QComboBox, "messageFormatCombo").setCurrentText(mode)
    find(window, QPlainTextEdit, "messageEdit").setPlainText(text)
    qtbot.mouseClick(find(window, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)


def received(server: RecordingServer) -> list[str | bytes]:
    """Every message the server got, over all its connections, in order."""
    return [message for connection in server.connections for message in connection.received]


def select_row(window: MainWindow, predicate: object) -> None:
    view = find(window, QAbstractItemView, "messageLog")
    rows = log_rows(window)
    row = max(i for i, text in enumerate(rows) if predicate(text))  # type: ignore[operator]
    view.selectionModel().select(
        view.model().index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def test_binary_from_hex_is_echoed_and_shown_as_a_hex_dump(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect(qtbot, window, recording_server.url("/echo"))
    send(qtbot, window, "48 65 6c 6c 6f 00 ff", mode="Binary (hex)")
    qtbot.waitUntil(lambda: sum("binary" in row for row in log_rows(window)) == 2, timeout=WAIT_MS)
    assert recording_server.connections[0].received == [b"Hello\x00\xff"]
    select_row(window, lambda text: "binary" in text)
    detail = find(window, QWidget, "messageDetailView")
    body = find(detail, QPlainTextEdit, "detailBody").toPlainText()
    assert body.startswith("00000000  48 65 6c 6c 6f 00 ff")
    assert "|Hello..|" in body


def test_bad_hex_is_explained_and_not_sent(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect(qtbot, window, recording_server.url("/echo"))
    send(qtbot, window, "48 zz", mode="Binary (hex)")
    error = find(window, QLabel, "composerErrorLabel")
    assert error.isVisible() and "zz" in error.text()
    # A valid message after it: sent on the same connection, it arrives after anything the
    # first click sent. Once the server has it, the invalid one had every chance to arrive.
    send(qtbot, window, "4f 4b", mode="Binary (hex)")
    qtbot.waitUntil(lambda: b"OK" in received(recording_server), timeout=WAIT_MS)
    assert received(recording_server) == [b"OK"]


def test_selected_json_message_is_pretty_printed(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect(qtbot, window, recording_server.url("/echo"))
    send(qtbot, window, '{"user": {"id": 7, "tags": ["a", "b"]}}', mode="JSON")
    qtbot.waitUntil(lambda: sum('"user"' in row for row in log_rows(window)) == 2, timeout=WAIT_MS)
    select_row(window, lambda text: '"user"' in text)
    detail = find(window, QWidget, "messageDetailView")
    assert find(detail, QComboBox, "detailModeCombo").currentText() == "JSON"
    body = find(detail, QPlainTextEdit, "detailBody").toPlainText()
    assert body.splitlines()[:3] == ["{", '  "user": {', '    "id": 7,']


def test_ping_shows_the_pong_with_its_round_trip(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect(qtbot, window, recording_server.url("/echo"))
    qtbot.mouseClick(find(window, QPushButton, "pingButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any("pong" in row and "round trip" in row for row in log_rows(window)),
        timeout=WAIT_MS,
    )
    assert any("ping" in row for row in log_rows(window))


def test_counters_count_messages_and_bytes_each_way(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect(qtbot, window, recording_server.url("/echo"))
    send(qtbot, window, "12345")
    counters = find(window, QLabel, "countersLabel")
    qtbot.waitUntil(lambda: "↓ 1 msg · 5 B" in counters.text(), timeout=WAIT_MS)
    assert "↑ 1 msg · 5 B" in counters.text()


def test_tls_verification_off_connects_with_a_visible_warning(
    tls_server: TlsServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QCheckBox, "tlsVerifyCheck").setChecked(False)
    connect(qtbot, window, tls_server.server.url("/echo"))
    warning = find(window, QLabel, "tlsWarningLabel")
    assert warning.isVisible() and "not checked" in warning.text()
    qtbot.mouseClick(find(window, QPushButton, "closeButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "closed", timeout=WAIT_MS)
    assert not warning.isVisible()


def test_tls_untrusted_certificate_fails_with_a_clear_error(
    tls_server: TlsServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "uriEdit").setText(tls_server.server.url("/echo"))
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    label = find(window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "failed", timeout=WAIT_MS)
    assert "certificate not trusted" in label.text()


def test_ca_file_makes_verification_succeed(
    tls_server: TlsServer, window: MainWindow, qtbot: QtBot
) -> None:
    find(window, QLineEdit, "caFileEdit").setText(str(tls_server.ca_file))
    connect(qtbot, window, tls_server.server.url("/echo"))
    assert not find(window, QLabel, "tlsWarningLabel").isVisible()


def test_clear_log_empties_the_view(
    recording_server: RecordingServer, window: MainWindow, qtbot: QtBot
) -> None:
    connect(qtbot, window, recording_server.url("/echo"))
    send(qtbot, window, "one")
    qtbot.waitUntil(lambda: sum("one" in row for row in log_rows(window)) == 2, timeout=WAIT_MS)
    window.findChild(type(window.action_clear_log), "actionClearLog").trigger()
    assert log_rows(window) == []
    send(qtbot, window, "two")
    qtbot.waitUntil(lambda: sum("two" in row for row in log_rows(window)) == 2, timeout=WAIT_MS)
    # Nothing of the cleared messages came back with the new ones.
    assert len(log_rows(window)) == 2
