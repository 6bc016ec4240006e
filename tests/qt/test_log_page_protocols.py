"""Read-only pages of a protocol session (an imported JSONL or HAR, a recorded session of the
History) show each message decoded, as live pages do: the Protocol tab of the detail holds the
decoded structure with the raw payload under it, and the filter finds names and kinds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    Direction,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.protocols.mqtt import codec
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.logfiles import export_log, import_log
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.pages.log_page import LogPage

# protocol: (URI, subprotocol offered, a received message, words its decoded view holds)
SESSIONS: dict[str, tuple[str, str, bytes | str, tuple[str, ...]]] = {
    "socketio": (
        "ws://h/socket.io/?EIO=4&transport=websocket",
        "",
        '42["welcome",{"hello":"world"}]',
        ('"kind": "event"', '"name": "welcome"', '"hello": "world"'),
    ),
    "graphql": (
        "ws://h/graphql",
        "graphql-transport-ws",
        '{"type":"next","id":"1","payload":{"data":{"countdown":3}}}',
        ('"kind": "next"', '"countdown": 3'),
    ),
    "stomp": (
        "ws://h/ws",
        "v12.stomp",
        "MESSAGE\ndestination:/queue/a\nmessage-id:7\nsubscription:0\n\nhello\x00",
        ('"kind": "MESSAGE"', '"name": "/queue/a"', "hello"),
    ),
    "mqtt": (
        "ws://h/mqtt",
        "mqtt",
        codec.publish(codec.Version.V311, "sensors/kitchen", b"21.5"),
        ('"kind": "PUBLISH"', '"name": "sensors/kitchen"', "21.5"),
    ),
    "signalr": (
        "ws://h/chatHub",
        "",
        '{"type":1,"target":"message","arguments":["news"]}\x1e',
        ('"kind": "invocation"', '"name": "message"', "news"),
    ),
}


def session_log(uri: str, subprotocol: str, data: bytes | str) -> EventLog:
    now, mono = time.time(), time.monotonic()
    log = EventLog()
    log.append(StateEvent(1, now, mono, ConnState.CONNECTING, uri=uri))
    offered = (("Sec-WebSocket-Protocol", subprotocol),) if subprotocol else ()
    answered = offered
    log.append(
        HandshakeEvent(
            1,
            now,
            mono,
            f"GET {uri.removeprefix('ws://h')} HTTP/1.1",
            (("Host", "h"), *offered),
            "HTTP/1.1 101 Switching Protocols",
            answered,
        )
    )
    log.append(StateEvent(1, now, mono, ConnState.OPEN))
    text = isinstance(data, str)
    payload = data.encode() if isinstance(data, str) else data
    log.append(MessageEvent(1, now, mono, Direction.IN, text, payload))
    return log


def protocol_detail(qtbot: QtBot, page: LogPage) -> str:
    """The Protocol tab's text once the page's message row is selected."""
    workspace = page.workspace
    tab = workspace.detail_tabs.indexOf(workspace.protocol_detail)
    assert workspace.detail_tabs.isTabVisible(tab)
    model = page.model
    rows = [type(model.event_at(row)).__name__ for row in range(model.rowCount())]
    assert "MessageEvent" in rows, rows
    page.log_view.selectRow(rows.index("MessageEvent"))
    # Said on failure: what was selected, and what the page shows (a CI run once timed out).
    selected = [type(event).__name__ for event in workspace.log_view.selected_events()]
    assert selected == ["MessageEvent"], (rows, selected)
    qtbot.waitUntil(lambda: bool(workspace.protocol_detail.toPlainText()))
    return workspace.protocol_detail.toPlainText()


@pytest.mark.parametrize("suffix", [".jsonl", ".har"])
@pytest.mark.parametrize("protocol", sorted(SESSIONS))
def test_an_imported_protocol_session_shows_each_message_decoded_beside_the_raw(
    qtbot: QtBot, tmp_path: Path, protocol: str, suffix: str
) -> None:
    uri, subprotocol, data, words = SESSIONS[protocol]
    path = tmp_path / f"{protocol}{suffix}"
    export_log(session_log(uri, subprotocol, data), path)
    page = LogPage.of_file(str(path), import_log(path))
    qtbot.addWidget(page)
    detail = protocol_detail(qtbot, page)
    decoded, _, raw = detail.partition("\n\nRaw:\n")
    for word in words:
        assert word in decoded, (word, detail)
    expected_raw = data if isinstance(data, str) else data.hex(" ")
    assert raw == expected_raw
    # The filter finds the message by what the protocol reads in it.
    name = [w for w in words if w.startswith('"name"')]
    if name:
        page.log_panel.filter_bar.text_edit.setText(f"name:{name[0].split('"')[3]}")
        page.log_panel.filter_bar.apply()
        assert page.model.shown == 1


def test_a_plain_session_has_no_protocol_tab(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    export_log(session_log("ws://h/feed", "", '{"price": 1}'), path)
    page = LogPage.of_file(str(path), import_log(path))
    qtbot.addWidget(page)
    workspace = page.workspace
    assert not workspace.detail_tabs.isTabVisible(
        workspace.detail_tabs.indexOf(workspace.protocol_detail)
    )


@pytest.fixture
def store() -> Iterator[CaptureStore]:
    capture = CaptureStore.open_default()  # in the test's private WSINSPECTOR_DATA_DIR
    yield capture
    capture.close()


def test_a_recorded_session_is_read_in_the_protocol_it_spoke(
    qtbot: QtBot, store: CaptureStore
) -> None:
    """Nothing in this URI suggests Socket.IO: the capture kept the page's choice."""
    uri = "ws://h/feed"
    options = ConnectionOptions(uri, protocol="socketio", protocol_params=(("namespace", "/"),))
    log = EventLog()
    recorder = store.start_recording(log, uri=uri, options=options, until_end=False)
    for event in session_log(uri, "", '42["welcome",{"hello":"world"}]'):
        log.append(event)
    recorder.stop()
    assert store.sync(5)
    page = LogPage.of_capture(store, recorder.session_id)
    qtbot.addWidget(page)
    detail = protocol_detail(qtbot, page)
    assert '"name": "welcome"' in detail and '42["welcome"' in detail
