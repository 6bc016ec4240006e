"""HAR and JSONL files of other tools (issue 19): order, error frames, BOMs, closes, reopening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ErrorEvent,
    HandshakeEvent,
    StateEvent,
)
from wsinspector.core.storage.logfiles import (
    LogFileError,
    export_log,
    import_log,
)
from wsinspector.core.websocket.validation import check_options

OTHERS = Path(__file__).parent.parent / "fixtures" / "others"
FIXTURES = sorted(OTHERS.glob("*.har"))
T0 = 1_700_000_000.0


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_message_comes_after_its_handshake_and_open_row(path: Path) -> None:
    log = import_log(path)
    kinds = [type(event).__name__ for event in log]
    opened = next(
        i for i, e in enumerate(log) if isinstance(e, StateEvent) and e.state is ConnState.OPEN
    )
    handshake = next(i for i, e in enumerate(log) if isinstance(e, HandshakeEvent))
    messages = [i for i, kind in enumerate(kinds) if kind == "MessageEvent"]
    assert messages, kinds
    assert handshake < opened < messages[0], kinds
    assert log[handshake].wall <= log[messages[0]].wall
    document = json.loads(path.read_text())
    entry = next(e for e in document["log"]["entries"] if "_webSocketMessages" in e)
    times = [m["time"] for m in entry["_webSocketMessages"] if m["opcode"] in (1, 2)]
    assert [log[i].wall for i in messages] == times  # each at its own time


def test_a_devtools_error_frame_is_an_error_row() -> None:
    log = import_log(OTHERS / "devtools-har-importer.har")
    errors = [event for event in log if isinstance(event, ErrorEvent)]
    assert len(errors) == 1
    assert "Invalid frame header" in errors[0].detail
    assert errors[0].wall == log[len(log) - 1].wall


@pytest.mark.parametrize("suffix", [".har", ".jsonl"])
def test_a_byte_order_mark_is_accepted(tmp_path: Path, suffix: str) -> None:
    if suffix == ".har":
        data = (OTHERS / "mitmproxy-websocket.har").read_bytes()
    else:
        plain = tmp_path / "plain.jsonl"
        export_log(import_log(OTHERS / "mitmproxy-websocket.har"), plain)
        data = plain.read_bytes()
    marked = tmp_path / f"with-bom{suffix}"
    marked.write_bytes(b"\xef\xbb\xbf" + data)
    assert len(import_log(marked)) == len(import_log(OTHERS / "mitmproxy-websocket.har"))


def test_http_toolkits_close_is_read() -> None:
    log = import_log(OTHERS / "httptoolkit-websocket.har")
    closes = [event for event in log if isinstance(event, CloseEvent)]
    assert [(c.code, c.reason) for c in closes] == [(4001, "done here")]
    last = log[len(log) - 1]
    assert isinstance(last, StateEvent) and last.state is ConnState.CLOSED


def test_our_har_export_writes_http_toolkits_close(tmp_path: Path) -> None:
    log = EventLog()
    log.append(StateEvent(1, T0, 1.0, ConnState.CONNECTING, uri="ws://127.0.0.1:1/x"))
    log.append(StateEvent(1, T0 + 0.1, 1.1, ConnState.OPEN))
    log.append(CloseEvent(1, T0 + 2, 3.0, 4001, "bye", "server", True))
    log.append(StateEvent(1, T0 + 2, 3.0, ConnState.CLOSED))
    out = tmp_path / "out.har"
    export_log(log, out)
    entry = json.loads(out.read_text())["log"]["entries"][0]
    assert entry["_webSocketClose"] == {"code": 4001, "reason": "bye", "timestamp": T0 + 2}
    back = [e for e in import_log(out) if isinstance(e, CloseEvent)]
    assert [(c.code, c.reason, c.wall) for c in back] == [(4001, "bye", T0 + 2)]


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("mitmproxy-websocket.har", "wss://example.com/ws"),
        ("pcap2har-websocket.har", "ws://localhost:8080/echo"),
    ],
)
def test_opening_again_converts_the_http_url(name: str, uri: str) -> None:
    options = next(iter(import_log(OTHERS / name).connections.values()))
    assert options.uri == uri
    assert check_options(options) == []


@pytest.mark.parametrize("creator", [{"a": 1}, ["x"], 3, None, True])
def test_a_creator_name_of_any_type_imports(tmp_path: Path, creator: object) -> None:
    document = json.loads((OTHERS / "mitmproxy-websocket.har").read_text())
    document["log"]["creator"]["name"] = creator
    path = tmp_path / "odd.har"
    path.write_text(json.dumps(document))
    assert import_log(path).source == "HAR"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("code", "x", "_webSocketClose.code: expected a whole number"),
        ("timestamp", "soon", "_webSocketClose.timestamp: expected a number"),
        ("timestamp", 1e300, "_webSocketClose.timestamp: expected a time"),
    ],
)
def test_a_bad_close_is_refused_naming_the_field(
    tmp_path: Path, field: str, value: object, words: str
) -> None:
    document = json.loads((OTHERS / "httptoolkit-websocket.har").read_text())
    document["log"]["entries"][0]["_webSocketClose"][field] = value
    path = tmp_path / "bad.har"
    path.write_text(json.dumps(document))
    with pytest.raises(LogFileError, match=words.replace(".", r"\.")):
        import_log(path)
