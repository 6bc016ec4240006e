"""“Send file…” as the user meets it: refused next to the button, or streamed with progress."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.servers import RecordedConnection, RecordingServer
from helpers.ui import connect_to, find, log_rows, stays
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot
from websockets.asyncio.server import ServerConnection

from wsinspector.qt import MainWindow

WAIT_MS = 5000
MIB = 1024 * 1024


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))


def click_send_file(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.mouseClick(find(window, QPushButton, "sendFileButton"), Qt.MouseButton.LeftButton)


def received(server: RecordingServer) -> list[str | bytes]:
    return [message for connection in server.connections for message in connection.received]


def test_a_file_over_the_limit_is_refused_next_to_the_button(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    find(window, QSpinBox, "maxMessageSizeSpin").setValue(1)  # MiB
    connect_to(qtbot, window, recording_server.url("/silent"))
    path = tmp_path / "too big.bin"
    path.write_bytes(b"x" * (MIB + 1))
    choose_file(monkeypatch, path)
    click_send_file(qtbot, window)
    error = find(window, QLabel, "composerErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert error.text() == (
        f"Not sent: {path} is 1.0 MiB (1,048,577 bytes), larger than the message size limit "
        "of 1.0 MiB (1,048,576 bytes)"
    )
    stays(qtbot, lambda: received(recording_server) == [], 300)
    assert not [row for row in log_rows(window) if "binary" in row]


@pytest.mark.parametrize("kind", ["folder", "vanished"])
def test_an_unreadable_file_is_refused_next_to_the_button(
    recording_server: RecordingServer,
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    kind: str,
) -> None:
    connect_to(qtbot, window, recording_server.url("/silent"))
    path = tmp_path / "gone.bin"
    if kind == "folder":
        path.mkdir()
    choose_file(monkeypatch, path)
    click_send_file(qtbot, window)
    error = find(window, QLabel, "composerErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    reason = "it is a folder" if kind == "folder" else "it does not exist (any more)"
    assert error.text() == f"Not sent: can't read {path}: {reason}"
    stays(qtbot, lambda: received(recording_server) == [], 300)


def test_a_large_file_is_streamed_with_progress_and_arrives_whole(
    recording_server_factory: Callable[..., RecordingServer],
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # The recording server's default 1 MiB limit would refuse 3 MiB: it has none here.
    recording_server = recording_server_factory(max_size=None)
    connect_to(qtbot, window, recording_server.url("/silent"))
    path = tmp_path / "big.bin"
    data = os.urandom(MIB) * 3
    path.write_bytes(data)
    choose_file(monkeypatch, path)
    click_send_file(qtbot, window)
    progress = find(window, QLabel, "fileSendLabel")
    qtbot.waitUntil(lambda: bool(received(recording_server)), timeout=WAIT_MS)
    (got,) = received(recording_server)
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()
    qtbot.waitUntil(lambda: not progress.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: any(f"sent big.bin: {len(data):,} bytes" in row for row in log_rows(window)),
        timeout=WAIT_MS,
    )


async def slow_reader(connection: ServerConnection, record: RecordedConnection) -> None:
    """Reads one 64 KiB fragment every 2 ms or so: 32 MiB take about a second, and what
    is buffered when the client gives up (its close frame waits behind it) is read soon."""
    while True:
        async for fragment in connection.recv_streaming(decode=False):
            record.received.append(fragment)
            await asyncio.sleep(0.002)


def test_cancel_stops_a_file_half_way_and_says_so(
    recording_server_factory: Callable[..., RecordingServer],
    window: MainWindow,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = recording_server_factory(behaviour=slow_reader, max_size=None, compression=None)
    connect_to(qtbot, window, server.url("/"))
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(MIB) * 32)
    choose_file(monkeypatch, path)
    click_send_file(qtbot, window)
    progress = find(window, QLabel, "fileSendLabel")
    # Some of it is out (Cancel before the first chunk sends nothing and keeps the connection).
    qtbot.waitUntil(
        lambda: progress.isVisible() and not progress.text().startswith("Sending big.bin: 0 B"),
        timeout=WAIT_MS,
    )
    assert progress.text().startswith("Sending big.bin: ")
    assert progress.text().endswith(" of 32.0 MiB")
    qtbot.mouseClick(find(window, QPushButton, "fileSendCancelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: server.last.closed.is_set(), timeout=WAIT_MS)
    assert server.last.close_code == 1011
    assert sum(len(fragment) for fragment in server.last.received) < 32 * MIB
    qtbot.waitUntil(lambda: not progress.isVisible(), timeout=WAIT_MS)
    error = find(window, QLabel, "composerErrorLabel")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert error.text() == "Stopped: the file was not sent whole; see the log"
    qtbot.waitUntil(
        lambda: any(
            "big.bin was cut off after" in row and "stopped by the user" in row
            for row in log_rows(window)
        ),
        timeout=WAIT_MS,
    )
