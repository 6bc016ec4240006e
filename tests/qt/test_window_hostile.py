"""Issue 11's hostile servers in the window: what the log rows, the status line and the
handshake pane show for the exact bytes of each defect (the core's tests are in
tests/core/test_hostile_servers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers.scripted import (
    Close,
    Deaf,
    Hold,
    Pause,
    Reset,
    ScriptedServer,
    Sent,
    Step,
    Write,
    frame,
    upgrade,
)
from helpers.ui import find, log_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow

WAIT_MS = 5000
TEXT, BINARY, CONT, PING = 1, 2, 0, 9
CLOSE_1000 = bytes.fromhex("88 02 03 e8")


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ScriptedServer] = []

    def start(script: Any) -> ScriptedServer:
        server = ScriptedServer(script).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def status(window: MainWindow) -> QLabel:
    return find(window, QLabel, "connectionStatusLabel")


def connect(qtbot: QtBot, window: MainWindow, uri: str, until: str, timeout: int = WAIT_MS) -> None:
    find(window, QLineEdit, "uriEdit").setText(uri)
    qtbot.mouseClick(find(window, QPushButton, "connectButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status(window).property("state") == until, timeout=timeout)


def row_index(rows: list[str], *words: str) -> int:
    return next(i for i, row in enumerate(rows) if all(word in row for word in words))


def rows_once(qtbot: QtBot, window: MainWindow, *words: str) -> list[str]:
    """The log's rows once one holds all `words` (the log shows new rows in batches)."""

    def shown() -> bool:
        return any(all(word in row for word in words) for row in log_rows(window))

    try:
        qtbot.waitUntil(shown, timeout=WAIT_MS)
    except TimeoutError:
        raise AssertionError(f"no row with {words}: {log_rows(window)}") from None
    return log_rows(window)


def test_a_ping_inside_a_1_mib_message_does_not_refuse_it(
    window: MainWindow, qtbot: QtBot, serve: Any
) -> None:
    find(window, QSpinBox, "maxMessageSizeSpin").setValue(1)
    find(window, QSpinBox, "maxMessageSizeBytesSpin").setValue(0)
    wire = (
        frame(BINARY, b"x" * (2**20 - 10), fin=False)
        + frame(PING, b"q" * 125)
        + frame(CONT, b"y" * 10)
        + CLOSE_1000
    )
    server = serve([Write(upgrade()), Write(wire), Hold()])
    connect(qtbot, window, server.url(), "closed")
    rows = rows_once(qtbot, window, "close", "1000")
    message = row_index(rows, "binary", "1.0 MiB")
    assert row_index(rows, "close", "1000") > message
    assert not any("1009" in row for row in rows)


def test_messages_received_before_a_reset_are_all_shown(
    window: MainWindow, qtbot: QtBot, serve: Any
) -> None:
    pings = b"".join(frame(PING, str(n).encode()) for n in range(2000))
    script: list[Step] = [
        Write(lambda key: upgrade()(key) + pings),
        Pause(0.005),
        Write(bytes.fromhex("02 00 80 00")),
        Write(bytes.fromhex("81 7e 07 06") + b"A" * 1798),
        Sent(),
        Reset(),
    ]
    server = serve(script)
    connect(qtbot, window, server.url(), "closed")
    rows = rows_once(qtbot, window, "close", "1006")
    empty = row_index(rows, "binary", "0 B")
    text = row_index(rows, "text", "AAAA")
    assert empty < text < row_index(rows, "close", "1006")


def test_a_refused_response_is_said_at_once_in_the_status_line(
    window: MainWindow, qtbot: QtBot, serve: Any
) -> None:
    server = serve([Write(upgrade(b"X-Broken-Header-Without-Colon\r\n")), Deaf()])
    # The open timeout is 10 s: the reason must come long before it.
    connect(qtbot, window, server.url(), "failed", timeout=3000)
    text = status(window).text()
    assert "the header line “X-Broken-Header-Without-Colon” has no colon" in text
    assert "timed out" not in text


def test_pings_with_the_101_come_after_the_handshake_row(
    window: MainWindow, qtbot: QtBot, serve: Any
) -> None:
    wire = frame(PING, b"hi") + frame(TEXT, b"hello there") + CLOSE_1000
    server = serve([Write(lambda key: upgrade()(key) + wire), Hold()])
    connect(qtbot, window, server.url(), "closed")
    rows = rows_once(qtbot, window, "close", "1000")
    handshake = row_index(rows, "handshake", "101")
    ping, pong = row_index(rows, "ping", "68 69"), row_index(rows, "pong", "68 69")
    assert handshake < ping < pong < row_index(rows, "text", "hello there")
    # All of them are connection 1's.
    for index in (handshake, ping, pong):
        assert " | 1 | " in rows[index]


def chain(hops: int) -> Any:
    def script(index: int, request: bytes) -> list[Step]:
        if index < hops:
            answer = b"HTTP/1.1 302 Found\r\nLocation: /hop%d\r\nContent-Length: 0\r\n\r\n"
            return [Write(answer % (index + 1)), Close()]
        return [Write(upgrade()), Write(CLOSE_1000), Hold()]

    return script


def test_every_redirect_hop_is_in_the_log_and_the_handshake_pane(
    window: MainWindow, qtbot: QtBot, serve: Any
) -> None:
    server = serve(chain(2))
    connect(qtbot, window, server.url(), "closed")
    rows = rows_once(qtbot, window, "close", "1000")
    first = row_index(rows, "handshake", "GET / HTTP/1.1", "302 Found")
    second = row_index(rows, "handshake", "GET /hop1 HTTP/1.1", "302 Found")
    final = row_index(rows, "handshake", "GET /hop2 HTTP/1.1", "101")
    assert first < row_index(rows, "redirect 1: HTTP 302 to “/hop1”") < second < final
    label = find(window, QLabel, "handshakeRedirectsLabel")
    assert label.text() == ("2 redirects: HTTP/1.1 302 Found → /hop1 · HTTP/1.1 302 Found → /hop2")


def test_redirects_past_the_limit_are_refused_in_words(
    window: MainWindow, qtbot: QtBot, serve: Any
) -> None:
    find(window, QSpinBox, "maxRedirectsSpin").setValue(1)
    server = serve(chain(3))
    connect(qtbot, window, server.url(), "failed")
    assert "stopped after 1 redirect (the limit)" in status(window).text()


@pytest.mark.parametrize(
    ("location", "why"),
    [("ws://[::1/x", "invalid IPv6 URL"), ("ws://127.0.0.1:99999/", "port out of range")],
)
def test_a_bad_redirect_is_named_in_the_status_line(
    window: MainWindow, qtbot: QtBot, serve: Any, location: str, why: str
) -> None:
    answer = b"HTTP/1.1 301 Moved\r\nLocation: " + location.encode() + b"\r\n\r\n"
    server = serve([Write(answer), Close()])
    connect(qtbot, window, server.url(), "failed")
    text = status(window).text()
    assert f"the server redirected (HTTP/1.1 301 Moved) to “{location}”" in text
    assert why in text
    assert "ValueError" not in text
