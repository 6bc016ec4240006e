"""The read-only log page: a file's events in a workspace, with none of a live page's widgets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
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
