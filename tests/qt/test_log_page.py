"""The read-only log page: a file's events in a workspace, with none of a live page's widgets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.ui import row_texts
from pytestqt.qtbot import QtBot

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent, StateEvent
from wsinspector.core.storage.logfiles import export_log, import_log
from wsinspector.qt.pages.log_page import LogPage

LIVE_ONLY = (
    "uriEdit",
    "connectButton",
    "closeButton",
    "closeOptionsButton",
    "recordCheck",
    "messageEdit",
    "sendButton",
    "rateLabel",
    "closeSummaryLabel",
    "tlsWarningLabel",
    "originEdit",
    "headersTable",
)


@pytest.mark.parametrize("suffix", [".jsonl", ".har"])
def test_an_imported_file_shows_its_own_counts_and_no_live_widgets(
    qtbot: QtBot, tmp_path: Path, suffix: str
) -> None:
    now, mono = time.time(), time.monotonic()
    log = EventLog()
    log.append(StateEvent(1, now, mono, ConnState.CONNECTING, uri="ws://h/"))
    log.append(StateEvent(1, now, mono, ConnState.OPEN))
    for n in range(3):
        log.append(MessageEvent(1, now + n, mono + n, Direction.OUT, True, b"hello"))
    for n in range(5):
        log.append(MessageEvent(1, now + n, mono + n, Direction.IN, True, b"hi"))
    path = tmp_path / f"chat{suffix}"
    export_log(log, path)

    page = LogPage.of_events("chat", import_log(path), str(path))
    qtbot.addWidget(page)
    counters = page.counters
    assert (counters.messages_out, counters.messages_in) == (3, 5)
    assert (counters.bytes_out, counters.bytes_in) == (15, 10)
    assert "↑ 3 msgs" in page.workspace.counters_label.text()
    assert "↓ 5 msgs" in page.workspace.counters_label.text()
    assert page.read_only
    for name in LIVE_ONLY:
        assert page.findChild(object, name) is None, name


def test_an_imported_socketio_session_opens_decoded(qtbot: QtBot, tmp_path: Path) -> None:
    """The file keeps what crossed the wire; the protocol's rows are derived from it again."""
    now, mono = time.time(), time.monotonic()
    log = EventLog()
    uri = "ws://h/socket.io/?EIO=4&transport=websocket"
    log.append(StateEvent(1, now, mono, ConnState.CONNECTING, uri=uri))
    log.append(StateEvent(1, now, mono, ConnState.OPEN))
    log.append(MessageEvent(1, now, mono, Direction.IN, True, b'42["welcome",{"hello":"world"}]'))
    log.append(MessageEvent(1, now, mono, Direction.OUT, True, b'42["chat","hi there"]'))
    path = tmp_path / "sio.jsonl"
    export_log(log, path)

    imported = import_log(path)
    page = LogPage.of_events("sio", imported, str(path))
    qtbot.addWidget(page)
    page.offer_connections(imported.connections)
    rows = row_texts(page.model)
    assert [row for row in rows if "| event |" in row and "welcome" in row and "world" in row]
    assert [row for row in rows if "| event |" in row and "chat" in row and "hi there" in row]
