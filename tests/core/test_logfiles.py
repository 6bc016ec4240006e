"""Log files: JSON Lines round trips, HAR as Chrome writes it, CSV and text, secrets, errors,
and exports that leave a whole file or none."""

from __future__ import annotations

import base64
import csv
import gc
import io
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsinspector.core.log import wording as log_wording
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    ErrorKind,
    Event,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.log.filtering import LogFilter, compile_filter, filter_indexes
from wsinspector.core.log.wording import transcript_line
from wsinspector.core.storage.logfiles import (
    REDACTED,
    Cancelled,
    LogExporter,
    LogFileError,
    LogFormat,
    connection_options,
    export_log,
    format_for_path,
    import_log,
    redact_uri,
)
from wsinspector.core.storage.logfiles import jsonl as logfiles_jsonl
from wsinspector.core.storage.logfiles import text as logfiles_text
from wsinspector.core.storage.logfiles.codec import event_record
from wsinspector.core.storage.logfiles.common import snapshot
from wsinspector.core.storage.logfiles.text import write_csv
from wsinspector.core.text.formatting import format_time
from wsinspector.core.websocket.options import UserAgentMode

FIXTURES = Path(__file__).parent.parent / "fixtures"
CHROME_HAR = FIXTURES / "chrome-websocket.har"
EVERY_KIND_JSONL = FIXTURES / "every-kind-of-event.jsonl"

OUT = Direction.OUT
IN = Direction.IN
T0 = 1_714_000_000.123456

REQUEST_HEADERS = (
    ("Host", "feed.example.test"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
    ("Authorization", "Bearer top-secret-token"),
    ("Cookie", "session=cookie-secret"),
    ("Proxy-Authorization", "Basic cHJveHktc2VjcmV0"),
    ("X-Api-Key", "key-secret"),
    ("X-Trace", "trace-1"),
)
URI = "wss://feed.example.test/v1?lang=en&access_token=query-secret"


def every_kind_of_event() -> list[Event]:
    """Every event type and every field that is not a default, in two connections."""
    return [
        StateEvent(1, T0, 100.0, ConnState.CONNECTING, uri=URI),
        HandshakeEvent(
            1,
            T0 + 0.05,
            100.05,
            "GET /v1?lang=en&access_token=query-secret HTTP/1.1",
            REQUEST_HEADERS,
            "HTTP/1.1 101 Switching Protocols",
            (("Upgrade", "websocket"), ("Sec-WebSocket-Protocol", "chat"), ("Set-Cookie", "a=b")),
            subprotocol="chat",
            status_code=101,
            extensions="permessage-deflate",
        ),
        StateEvent(1, T0 + 0.05, 100.05, ConnState.OPEN),
        MessageEvent(1, T0 + 0.1, 100.1, OUT, True, '{"op":"subscribe","é":"ü"}'.encode()),
        MessageEvent(1, 0.1 + 0.2, 1e-7, IN, True, b"bad \xff\xfe utf-8"),  # exact floats
        MessageEvent(1, T0 + 0.3, 100.3, IN, False, bytes(range(256))),
        MessageEvent(1, T0 + 0.31, 100.31, OUT, True, b""),
        ControlEvent(1, T0 + 0.4, 100.4, OUT, ControlKind.PING, b"\x00\x01\xff", keepalive=True),
        ControlEvent(1, T0 + 0.41, 100.41, IN, ControlKind.PONG, b"\x00\x01\xff", rtt=0.0123),
        ControlEvent(1, T0 + 0.42, 100.42, IN, ControlKind.PING, b"text ping"),
        CloseEvent(1, T0 + 0.5, 100.5, 4001, "bye", "server", False, 4001, "bye", 4001, "ciao"),
        StateEvent(1, T0 + 0.5, 100.5, ConnState.CLOSED),
        StateEvent(2, T0 + 1, 101.0, ConnState.RECONNECTING, attempt=3, delay=2.5, error="refused"),
        ErrorEvent(
            2, T0 + 1.1, 101.1, "certificate not trusted", "chain…", ErrorKind.TLS_UNTRUSTED
        ),
        ErrorEvent(2, T0 + 1.2, 101.2, "connection reset"),
        HandshakeEvent(
            2,
            T0 + 1.3,
            101.3,
            "GET /v1 HTTP/1.1",
            (("Host", "feed.example.test"),),
            "HTTP/1.1 403 Forbidden",
            (("Content-Type", "text/plain"),),
            b"forbidden \xff here",
            accepted=False,
            status_code=403,
        ),
        HandshakeEvent(2, T0 + 1.4, 101.4, "GET /v1 HTTP/1.1", (), "", (), accepted=False),
        NoteEvent(2, T0 + 1.5, 101.5, "reconnected after 3 attempts", separator=True),
        NoteEvent(0, T0 + 1.6, 101.6, "a note about no connection"),
    ]


def make_log(events: list[Event]) -> EventLog:
    log = EventLog()
    for event in events:
        log.append(event)
    return log


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- JSON Lines ----------


@pytest.mark.parametrize("batch", [None, 1, 3])
def test_jsonl_round_trip_gives_equal_events_and_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int | None
) -> None:
    """Also read `batch` lines at a time: runs of text messages are read in one call."""
    if batch is not None:
        monkeypatch.setattr(logfiles_jsonl, "READ_BATCH", batch)
    events = every_kind_of_event()
    events[4:4] = [MessageEvent(2, T0 + n, 1.0 + n, IN, True, f"m{n}".encode()) for n in range(7)]
    log = EventLog()
    log.append(NoteEvent(0, 1.0, 1.0, "cleared later"))
    log.clear()  # ids go on from 2: the file keeps them
    for event in events:
        log.append(event)
    path = tmp_path / "log.jsonl"
    assert export_log(log, path, redact_secrets=False) == len(events)

    imported = import_log(path)
    assert imported.format is LogFormat.JSONL
    assert imported.source == "wsinspector 0.1.0"
    assert list(imported) == events
    assert list(imported.ids) == list(range(2, 2 + len(events)))
    assert [event_id for event_id, _ in imported.items()] == list(imported.ids)
    assert imported[3] == events[3]
    assert imported.id_at(0) == 2


def test_jsonl_keeps_ids_of_any_event_list(tmp_path: Path) -> None:
    events = every_kind_of_event()[:6]
    pairs = list(zip([5, 9, 10, 11, 40, 41], events, strict=True))
    path = tmp_path / "picked.jsonl"
    export_log(pairs, path, redact_secrets=False)
    assert list(import_log(path).items()) == pairs


def test_jsonl_lines_are_copy_as_json_records_plus_what_rebuilds_the_event(
    tmp_path: Path,
) -> None:
    events = every_kind_of_event()
    path = tmp_path / "log.jsonl"
    export_log(make_log(events), path, redact_secrets=False)
    header, *lines = read_lines(path)
    assert header["format"] == "wsinspector-log"
    assert header["version"] == 1
    assert header["redacted"] is False
    assert len(lines) == len(events)
    for event_id, (line, event) in enumerate(zip(lines, events, strict=True), 1):
        assert line.items() >= event_record(event, event_id).items()
        assert line["mono"] == event.mono
    # Payloads: text when it is UTF-8, else base64.
    assert lines[3]["data"] == '{"op":"subscribe","é":"ü"}'
    assert base64.b64decode(str(lines[4]["data_base64"])) == b"bad \xff\xfe utf-8"
    assert lines[4]["type"] == "text"
    assert base64.b64decode(str(lines[5]["data_base64"])) == bytes(range(256))
    assert lines[7]["keepalive"] is True
    assert lines[8]["rtt"] == 0.0123
    assert lines[13]["kind"] == "tls-untrusted"
    assert lines[15]["accepted"] is False
    assert base64.b64decode(str(lines[15]["body_base64"])) == b"forbidden \xff here"


def _event_lines(path: Path) -> bytes:
    """A JSON Lines file less its header (which says when it was exported)."""
    return path.read_bytes().split(b"\n", 1)[1]


def test_jsonl_is_written_as_it_always_was_and_old_files_read(tmp_path: Path) -> None:
    """EVERY_KIND_JSONL was written before the codec had names of its own: the same events
    give the same bytes, and the file still reads back as the events."""
    path = tmp_path / "log.jsonl"
    export_log(make_log(every_kind_of_event()), path, redact_secrets=False)
    assert _event_lines(path) == _event_lines(EVERY_KIND_JSONL)
    assert list(import_log(EVERY_KIND_JSONL)) == every_kind_of_event()


def test_renaming_a_type_column_word_leaves_a_jsonl_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = make_log(every_kind_of_event())
    before, after = tmp_path / "before.jsonl", tmp_path / "after.jsonl"
    export_log(log, before, redact_secrets=False)
    shown = log_wording.event_type
    monkeypatch.setattr(log_wording, "event_type", lambda event: f"{shown(event)} renamed")
    # The log's words did change: the text transcript, which is in them, shows it.
    assert " renamed " in transcript_line(every_kind_of_event()[0])
    export_log(log, after, redact_secrets=False)
    assert _event_lines(after) == _event_lines(before)
    assert list(import_log(after)) == every_kind_of_event()


def test_an_imported_log_can_be_filtered_and_exported_again(tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    export_log(make_log(every_kind_of_event()), first, redact_secrets=False)
    imported = import_log(first)
    predicate = compile_filter(LogFilter(text="SUBSCRIBE"))
    assert list(filter_indexes(imported, predicate)) == [3]
    assert imported.entries()[3] == (
        1,
        False,
        True,
        '{"op":"subscribe","é":"ü"}'.encode(),
        *_times(3),
    )
    second = tmp_path / "second.jsonl"
    export_log(imported, second, redact_secrets=False)
    assert first.read_text().splitlines()[1:] == second.read_text().splitlines()[1:]


def _times(index: int) -> tuple[float, float]:
    event = every_kind_of_event()[index]
    return event.wall, event.mono


def test_jsonl_connections_can_be_opened_again(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    export_log(make_log(every_kind_of_event()), path, redact_secrets=False)
    options = import_log(path).connections[1]
    assert options.uri == URI
    assert ("X-Trace", "trace-1") in options.headers
    assert all(name != "Sec-WebSocket-Key" for name, _ in options.headers)


# -- HAR ----------


def test_har_export_fields_and_types(tmp_path: Path) -> None:
    events = every_kind_of_event()
    path = tmp_path / "log.har"
    export_log(make_log(events), path)
    har = json.loads(path.read_text(encoding="utf-8"))
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"] == {"name": "wsinspector", "version": "0.1.0"}
    entries = log["entries"]
    assert len(entries) == 2  # connections 1 and 2; the note of no connection is left out

    entry = entries[0]
    assert entry["_resourceType"] == "websocket"
    started = datetime.fromisoformat(entry["startedDateTime"])
    assert entry["startedDateTime"].endswith("Z")
    assert started.timestamp() == pytest.approx(T0, abs=0.001)
    assert entry["time"] == pytest.approx(50, abs=0.01)  # ms from connecting to the handshake
    assert entry["cache"] == {}
    timings = entry["timings"]
    assert timings["send"] == 0 and timings["receive"] == 0
    assert timings["wait"] == entry["time"]

    request = entry["request"]
    assert request["method"] == "GET"
    assert request["url"] == redact_uri(URI)
    assert request["httpVersion"] == "HTTP/1.1"
    assert request["cookies"] == []
    assert request["headersSize"] == -1
    assert request["bodySize"] == 0
    assert {"name": "X-Trace", "value": "trace-1"} in request["headers"]
    assert request["queryString"] == [
        {"name": "lang", "value": "en"},
        {"name": "access_token", "value": REDACTED},
    ]
    response = entry["response"]
    assert response["status"] == 101
    assert response["statusText"] == "Switching Protocols"
    assert response["httpVersion"] == "HTTP/1.1"
    assert response["redirectURL"] == ""
    assert response["headersSize"] == -1
    assert response["bodySize"] == 0
    assert response["content"] == {"size": 0, "mimeType": "x-unknown"}

    messages = entry["_webSocketMessages"]
    assert [(m["type"], m["opcode"]) for m in messages] == [
        ("send", 1),
        ("receive", 1),
        ("receive", 2),
        ("send", 1),
    ]
    assert all(isinstance(m["time"], float) for m in messages)
    assert messages[0]["time"] == T0 + 0.1
    assert messages[0]["data"] == '{"op":"subscribe","é":"ü"}'
    assert base64.b64decode(messages[2]["data"]) == bytes(range(256))
    assert base64.b64decode(messages[1]["_dataBase64"]) == b"bad \xff\xfe utf-8"

    rejected = entries[1]["response"]
    assert rejected["status"] == 403
    assert rejected["statusText"] == "Forbidden"
    assert rejected["bodySize"] == len(b"forbidden \xff here")
    assert rejected["content"]["mimeType"] == "text/plain"
    assert rejected["content"]["encoding"] == "base64"
    assert base64.b64decode(rejected["content"]["text"]) == b"forbidden \xff here"
    assert entries[1]["_webSocketMessages"] == []


def test_har_text_body_of_a_rejected_handshake(tmp_path: Path) -> None:
    event = HandshakeEvent(
        1, T0, 1.0, "GET / HTTP/1.1", (), "HTTP/1.1 401 Unauthorized", (), b"log in first", False
    )
    path = tmp_path / "log.har"
    export_log([(1, event)], path)
    content = json.loads(path.read_text())["log"]["entries"][0]["response"]["content"]
    assert content == {"size": 12, "mimeType": "x-unknown", "text": "log in first"}


def test_har_round_trip_keeps_handshakes_and_messages(tmp_path: Path) -> None:
    events = every_kind_of_event()
    path = tmp_path / "log.har"
    export_log(make_log(events), path, redact_secrets=False)
    imported = import_log(path)
    assert imported.format is LogFormat.HAR
    assert imported.source == "wsinspector 0.1.0"
    # (One test message is dated 1970: HAR readers take such a time as counted from the
    # connection, not the epoch, so it moves; compare the others' times.)
    messages = sorted(
        (e for e in imported if isinstance(e, MessageEvent)), key=lambda m: m.wall > 1e8
    )
    originals = sorted(
        (e for e in events if isinstance(e, MessageEvent)), key=lambda m: m.wall > 1e8
    )
    assert [(m.conn, m.direction, m.text, m.data) for m in messages] == [
        (m.conn, m.direction, m.text, m.data) for m in originals
    ]
    assert [m.wall for m in messages[1:]] == [m.wall for m in originals[1:]]
    handshakes = [e for e in imported if isinstance(e, HandshakeEvent)]
    assert handshakes[0].request_headers == REQUEST_HEADERS
    assert handshakes[0].subprotocol == "chat"
    assert handshakes[1].body == b"forbidden \xff here"
    assert not handshakes[1].accepted
    assert imported.connections[1].uri == URI


def test_har_round_trip_keeps_connection_numbers(tmp_path: Path) -> None:
    events: list[Event] = [
        StateEvent(3, T0, 1.0, ConnState.CONNECTING, uri="ws://a.test/"),
        MessageEvent(3, T0 + 1, 2.0, OUT, True, b"to a"),
        StateEvent(7, T0 + 2, 3.0, ConnState.CONNECTING, uri="ws://b.test/"),
        MessageEvent(7, T0 + 3, 4.0, IN, True, b"from b"),
    ]
    path = tmp_path / "log.har"
    export_log(make_log(events), path)
    imported = import_log(path)
    assert [(m.conn, m.data) for m in imported if isinstance(m, MessageEvent)] == [
        (3, b"to a"),
        (7, b"from b"),
    ]
    assert sorted(imported.connections) == [3, 7]


def test_chrome_har_import() -> None:
    imported = import_log(CHROME_HAR)
    assert imported.source == "Chrome DevTools"
    assert list(imported.ids) == list(range(1, len(imported) + 1))
    events = list(imported)
    # The page's plain HTTP request is skipped; two WebSocket connections, in time order.
    assert [e.wall for e in events] == sorted(e.wall for e in events)
    connecting = [e for e in events if isinstance(e, StateEvent) and e.uri]
    assert [(e.conn, e.uri) for e in connecting] == [
        (1, "wss://stream.example.test/v2/feed?lang=en&channel=ticker"),
        (2, "wss://stream.example.test/v2/private"),
    ]
    handshakes = [e for e in events if isinstance(e, HandshakeEvent)]
    assert handshakes[0].request_line == "GET /v2/feed?lang=en&channel=ticker HTTP/1.1"
    assert handshakes[0].accepted and handshakes[0].status_code == 101
    assert handshakes[0].subprotocol == "feed.v2"
    assert handshakes[0].wall == 1709630102.60153  # started + time, to the microsecond
    assert not handshakes[1].accepted
    assert handshakes[1].status_line == "HTTP/1.1 401 Unauthorized"
    assert handshakes[1].body == b'{"error":"not authenticated"}'

    messages = [e for e in events if isinstance(e, MessageEvent)]
    assert [(m.direction, m.text) for m in messages] == [
        (OUT, True),
        (IN, True),
        (IN, False),
        (OUT, True),
        (IN, True),
    ]
    assert messages[0].data == b'{"op":"subscribe","args":["ticker:BTC-EUR"]}'
    assert "préf" in messages[1].data.decode()
    assert messages[2].data == bytes.fromhex("82a2696407a36f6b21c3")
    assert messages[3].data == b""
    assert messages[0].wall == 1709630102.6071


def test_chrome_har_entry_gives_connection_options() -> None:
    har = json.loads(CHROME_HAR.read_text(encoding="utf-8"))
    options = connection_options(har["log"]["entries"][1])
    assert options.uri == "wss://stream.example.test/v2/feed?lang=en&channel=ticker"
    assert options.subprotocols == ("feed.v2", "feed.v1")
    assert options.origin == "https://trade.example.test"
    assert options.user_agent_mode is UserAgentMode.CUSTOM
    assert options.user_agent.startswith("Mozilla/5.0")
    assert options.compression
    names = [name.lower() for name, _ in options.headers]
    assert names == ["pragma", "cache-control", "accept-encoding", "accept-language", "cookie"]
    # Imported logs carry the same options by connection number.
    assert import_log(CHROME_HAR).connections[1] == options
    plain = connection_options(har["log"]["entries"][2])
    assert plain.headers == () and not plain.compression and not plain.subprotocols


# -- CSV and text ----------


def test_csv_columns_and_rows(tmp_path: Path) -> None:
    events = every_kind_of_event()
    path = tmp_path / "log.csv"
    export_log(make_log(events), path)
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["time", "connection", "direction", "type", "size", "payload"]
    body = rows[1:]
    assert len(body) == len(events)
    assert body[3] == [
        body[3][0],
        "1",
        "sent",
        "text",
        str(len('{"op":"subscribe","é":"ü"}'.encode())),
        '{"op":"subscribe","é":"ü"}',
    ]
    assert body[4][5] == b"bad \xff\xfe utf-8".hex(" ")  # not UTF-8: hex
    assert body[5][3:] == ["binary", "256", bytes(range(256)).hex(" ")]
    assert body[7][2:] == ["sent", "ping", "3", "00 01 ff"]
    assert body[10][2:] == ["", "close", "", "4001 private use “bye” by server · not clean"]
    for row, event in zip(body, events, strict=True):
        moment = datetime.fromisoformat(row[0])
        assert moment.tzinfo is not None
        assert moment.timestamp() == pytest.approx(event.wall, abs=0.0011)
        assert row[0][11:23] == transcript_line(event)[:12]  # the log's own time of day


def test_csv_tells_each_payload_that_is_not_utf8(tmp_path: Path) -> None:
    # Together "\xc3" and "\xa9" make "é"; apart, each is not UTF-8 and is written in hex.
    events: list[Event] = [
        MessageEvent(1, T0, 1.0, IN, True, b"\xc3"),
        MessageEvent(1, T0, 1.0, IN, True, b"\xa9"),
        MessageEvent(1, T0, 1.0, IN, True, "é".encode()),
    ]
    path = tmp_path / "log.csv"
    export_log(make_log(events), path)
    with path.open(newline="", encoding="utf-8") as file:
        assert [row[5] for row in csv.reader(file)][1:] == ["c3", "a9", "é"]


# A chunk that holds only text messages in UTF-8 (a flood's) is written column by column;
# any other chunk row by row. Both must write the same bytes.
_PAYLOADS = st.one_of(
    st.text(max_size=12).map(str.encode),
    st.sampled_from([b"", b'"', b'""', b'a,"b"\r\nc', b"\xff", b"\xc3", "é€😀".encode()]),
    st.binary(max_size=6),
)
_WALLS = st.builds(
    float.__add__,
    st.integers(1_700_000_000, 1_700_000_003).map(float),
    st.one_of(
        st.floats(0, 1, exclude_max=True),
        # where the rounding to a microsecond carries into the next millisecond or second
        st.sampled_from([0.9999995, 0.9999996, 0.0009995, 0.0004995, 0.1234565, 0.5]),
    ),
)
_MESSAGES = st.lists(
    st.tuples(st.integers(1, 2), st.booleans(), st.booleans(), _PAYLOADS, _WALLS),
    min_size=1,
    max_size=60,
)
# A flood's times: many rows in each millisecond, never going back.
_DENSE_WALLS = st.builds(
    lambda start, steps: [start + step * 1e-6 for step in sorted(steps)],
    _WALLS,
    st.lists(st.integers(0, 600), min_size=60, max_size=60),
)


def _csv(log: EventLog, chunk: int) -> bytes:
    out = io.BytesIO()
    for _ in write_csv(out, snapshot(log), redact=True, chunk=chunk):
        pass
    return out.getvalue()


def _assert_csv_is_the_rows_csv(log: EventLog, walls: list[float], chunk: int) -> None:
    fast = _csv(log, chunk)
    with mock.patch.object(logfiles_text, "_text_message_rows", return_value=None):
        assert _csv(log, chunk) == fast
    rows = list(csv.reader(io.StringIO(fast.decode(), newline="")))[1:]
    assert [row[0][11:23] for row in rows] == [format_time(wall) for wall in walls]


@settings(max_examples=200, deadline=None)
@given(messages=_MESSAGES, text_only=st.booleans(), chunk=st.integers(1, 60))
def test_csv_of_text_message_chunks_is_the_rows_csv(
    messages: list[tuple[int, bool, bool, bytes, float]], text_only: bool, chunk: int
) -> None:
    log = EventLog()
    for conn, incoming, text, data, wall in messages:
        if text_only:
            text = True
            data = data.decode("utf-8", "replace").encode()
        log.append_message(conn, incoming, text, data, wall, 1.0)
    _assert_csv_is_the_rows_csv(log, [message[4] for message in messages], chunk)


@settings(max_examples=200, deadline=None)
@given(
    walls=_DENSE_WALLS,
    payloads=st.lists(st.text(max_size=8).map(str.encode), min_size=60, max_size=60),
    chunk=st.integers(20, 60),
)
def test_csv_of_a_flood_is_the_rows_csv(
    walls: list[float], payloads: list[bytes], chunk: int
) -> None:
    log = EventLog()
    for wall, data in zip(walls, payloads, strict=True):
        log.append_message(1, True, True, data, wall, 1.0)
    _assert_csv_is_the_rows_csv(log, walls, chunk)


def test_txt_is_the_transcript(tmp_path: Path) -> None:
    events = every_kind_of_event()
    path = tmp_path / "log.txt"
    export_log(make_log(events), path, redact_secrets=False)
    assert path.read_text(encoding="utf-8").splitlines() == [transcript_line(e) for e in events]


# -- secrets ----------

SECRETS = (
    "top-secret-token",
    "cookie-secret",
    "cHJveHktc2VjcmV0",
    "key-secret",
    "query-secret",
    "a=b",  # Set-Cookie
)


@pytest.mark.parametrize("fmt", list(LogFormat))
def test_secrets_are_redacted_by_default(tmp_path: Path, fmt: LogFormat) -> None:
    log = make_log(every_kind_of_event())
    redacted = tmp_path / f"redacted{fmt.suffix}"
    kept = tmp_path / f"kept{fmt.suffix}"
    export_log(log, redacted)
    export_log(log, kept, redact_secrets=False)
    redacted_text = redacted.read_text(encoding="utf-8")
    kept_text = kept.read_text(encoding="utf-8")
    # Only text and CSV lack the headers themselves; every format has the URI.
    expected = SECRETS if fmt in (LogFormat.JSONL, LogFormat.HAR) else ("query-secret",)
    for secret in expected:
        assert secret not in redacted_text, secret
        assert secret in kept_text, secret
    assert REDACTED in redacted_text
    assert "lang=en" in redacted_text  # other query parameters stay
    if fmt in (LogFormat.JSONL, LogFormat.HAR):
        # The handshake nonce is no secret, and other headers stay as they were.
        assert "dGhlIHNhbXBsZSBub25jZQ==" in redacted_text
        assert "trace-1" in redacted_text


def test_redacted_uris() -> None:
    assert (
        redact_uri("ws://h/p?a=1&token=x&apiKey=y#s")
        == f"ws://h/p?a=1&token={REDACTED}&apiKey={REDACTED}#s"
    )
    assert redact_uri("wss://user:pw@h:8443/") == f"wss://user:{REDACTED}@h:8443/"
    assert redact_uri("ws://h/?author=me&keys=") == "ws://h/?author=me&keys="
    assert (
        redact_uri("ws://h/#access_token=x&state=1") == f"ws://h/#access_token={REDACTED}&state=1"
    )
    assert redact_uri("not a uri") == "not a uri"


# -- whole file or none ----------


@pytest.mark.parametrize("fmt", list(LogFormat))
def test_cancelled_export_leaves_no_file(tmp_path: Path, fmt: LogFormat) -> None:
    log = EventLog()
    for index in range(5000):
        log.append_message(1, index % 2 == 0, True, b"x" * 100, T0 + index, float(index))
    path = tmp_path / f"log{fmt.suffix}"
    seen: list[tuple[int, int]] = []

    def cancelled() -> bool:
        return len(seen) >= 3  # after three chunks of 500

    with pytest.raises(Cancelled):
        export_log(
            log,
            path,
            progress=lambda done, total: seen.append((done, total)),
            cancelled=cancelled,
            chunk=500,
        )
    assert seen[0][1] == 5000 and 0 < seen[-1][0] < 5000
    assert os.listdir(tmp_path) == []


def test_cancel_keeps_an_existing_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("the previous export\n")
    exporter = LogExporter(make_log(every_kind_of_event()), path, chunk=4)
    assert exporter.step()
    assert exporter.step()
    assert path.read_text() == "the previous export\n"
    assert len(os.listdir(tmp_path)) == 2  # the file and the temporary one
    exporter.cancel()
    assert os.listdir(tmp_path) == ["log.jsonl"]
    assert path.read_text() == "the previous export\n"
    assert not exporter.step()


def test_a_failing_export_leaves_no_file(tmp_path: Path) -> None:
    def events() -> Iterator[tuple[int, Event]]:
        for index in range(100):
            yield index + 1, MessageEvent(1, T0, 1.0, OUT, True, b"fine")
        raise OSError("the source broke")

    with pytest.raises(OSError, match="the source broke"):
        export_log(events(), tmp_path / "log.jsonl")
    assert os.listdir(tmp_path) == []

    class Strange(Event):
        pass

    path = tmp_path / "strange.jsonl"
    events_with_a_stranger: list[tuple[int, Event]] = [
        (1, MessageEvent(1, T0, 1.0, OUT, True, b"fine")),
        (2, Strange(1, T0, 1.0)),
    ]
    with pytest.raises(TypeError, match="Strange"):
        export_log(events_with_a_stranger, path, chunk=1)
    assert os.listdir(tmp_path) == []

    folder = tmp_path / "taken.csv"  # renaming onto a folder fails at the very end
    folder.mkdir()
    with pytest.raises(OSError):
        export_log(make_log(every_kind_of_event()), folder)
    assert os.listdir(tmp_path) == ["taken.csv"]
    assert os.listdir(folder) == []


def test_chunked_export_reports_progress_and_takes_the_events_when_made(tmp_path: Path) -> None:
    log = make_log(every_kind_of_event())
    path = tmp_path / "log.jsonl"
    with LogExporter(log, path, chunk=5) as exporter:
        log.append(NoteEvent(1, T0, 1.0, "after the export began"))
        progress = []
        while exporter.step():
            progress.append(exporter.done)
        assert progress == [5, 10, 15, 19]
        assert exporter.done == exporter.total == 19
    assert len(import_log(path)) == 19


def test_format_from_the_file_name() -> None:
    assert format_for_path("a.HAR") is LogFormat.HAR
    assert format_for_path("a.ndjson") is LogFormat.JSONL
    assert format_for_path("a.log") is LogFormat.TXT
    with pytest.raises(ValueError, match=r"can't tell the format from \.xml"):
        format_for_path("a.xml")


# -- malformed files ----------


def write_jsonl(path: Path, *lines: str) -> Path:
    header = '{"format": "wsinspector-log", "version": 1}'
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


GOOD = '{"id": 1, "type": "text", "time": 1.5, "connection": 1, "direction": "sent", "data": "hi"}'
# A text message's line as wsinspector writes it: every field.
WHOLE = (
    '{"id": 9, "time": 1.5, "connection": 1, "type": "text", "direction": "sent", "data": "hi",'
    ' "size": 2, "mono": 1.5}'
)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"line 3: not valid JSON"),
        ("[1, 2]", r"line 3: expected a JSON object, found an array"),
        (
            '{"id": 2, "type": "text", "time": 1.5, "connection": 1, "data": "x"}',
            r'line 3: the field "direction" is missing',
        ),
        (
            '{"id": 2, "type": "text", "time": "noon", "connection": 1, "direction": "sent",'
            ' "data": "x"}',
            r'line 3: "time" must be a number, not a string',
        ),
        (
            '{"id": 2, "type": "binary", "time": 1.5, "connection": 1, "direction": "up",'
            ' "data_base64": "AA=="}',
            r'line 3: "direction" must be one of "sent", "received", not "up"',
        ),
        (
            '{"id": 2, "type": "binary", "time": 1.5, "connection": 1, "direction": "sent",'
            ' "data_base64": "!!"}',
            r'line 3: "data_base64" is not valid base64',
        ),
        (
            '{"id": 2, "type": "telegram", "time": 1.5, "connection": 1}',
            r'line 3: unknown event type "telegram"',
        ),
        (
            '{"id": "2", "type": "note", "time": 1.5, "connection": 1, "text": "x"}',
            r'line 3: "id" must be a whole number, not a string',
        ),
        (
            '{"id": 2, "type": "state", "time": 1.5, "connection": 1, "state": "asleep"}',
            r'line 3: "state" must be one of "idle", .*"failed", not "asleep"',
        ),
        (
            '{"id": 2, "type": "handshake", "time": 1.5, "connection": 1, "request_line": "GET'
            ' /", "request_headers": [["Host"]]}',
            r'line 3: "request_headers"\[0\] must be a \[name, value\] pair of strings',
        ),
        (
            '{"id": 2, "type": "close", "time": 1.5, "connection": true, "code": 1000}',
            r'line 3: "connection" must be a whole number, not true or false',
        ),
        # Whole text-message lines but for one field: the batched reader must not take them.
        (
            WHOLE.replace('"sent"', '"up"'),
            r'line 3: "direction" must be one of "sent", "received", not "up"',
        ),
        (
            WHOLE.replace('"connection": 1', '"connection": 1.0'),
            r'line 3: "connection" must be a whole number, not a number',
        ),
        (
            WHOLE.replace('"type": "text"', '"type": "Text"'),
            r'line 3: unknown event type "Text"',
        ),
        (
            WHOLE.replace('"id": 9', '"id": true'),
            r'line 3: "id" must be a whole number, not true or false',
        ),
        # Times the log could not show (datetime's range): refused when read, not when painted.
        (
            WHOLE.replace('"time": 1.5', '"time": 1e300'),
            r'line 3: "time" must be a time between 1970 and the year 9999 \(0 to 253402300799'
            r" s\), not 1e\+300",
        ),
        (
            GOOD.replace('"time": 1.5', '"time": -1e12'),
            r'line 3: "time" must be a time between 1970 and the year 9999',
        ),
    ],
)
@pytest.mark.parametrize("batch", [None, 2])
def test_malformed_jsonl_names_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, message: str, batch: int | None
) -> None:
    # With 2 lines a batch, the bad line and a whole text-message line are read together.
    if batch is not None:
        monkeypatch.setattr(logfiles_jsonl, "READ_BATCH", batch)
    path = write_jsonl(tmp_path / "bad.jsonl", GOOD, line, WHOLE)
    with pytest.raises(LogFileError, match=message):
        import_log(path)


def test_malformed_jsonl_header(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(LogFileError, match="the file is empty"):
        import_log(empty)
    other = tmp_path / "other.jsonl"
    other.write_text('{"format": "something-else"}\n')
    with pytest.raises(LogFileError, match="line 1: not a wsinspector log"):
        import_log(other)
    newer = tmp_path / "newer.jsonl"
    newer.write_text('{"format": "wsinspector-log", "version": 7}\n')
    with pytest.raises(
        LogFileError, match=r"line 1: written by a newer wsinspector \(log format version 7\)"
    ):
        import_log(newer)


def test_jsonl_tolerates_blank_lines_and_missing_optional_fields(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "hand-written.jsonl",
        GOOD,
        "",
        '{"id": 7, "type": "note", "time": 2, "connection": 1, "text": "by hand"}',
    )
    assert list(import_log(path).items()) == [
        (1, MessageEvent(1, 1.5, 1.5, OUT, True, b"hi")),
        (7, NoteEvent(1, 2.0, 2.0, "by hand")),
    ]


def har_with(tmp_path: Path, change: str) -> Path:
    """The Chrome fixture with one change (a Python statement on `har`)."""
    har = json.loads(CHROME_HAR.read_text(encoding="utf-8"))
    exec(change, {"har": har})
    path = tmp_path / "changed.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("del har['log']['entries']", r"^log\.entries: missing$"),
        ("har['log']['entries'] = {}", r"^log\.entries: expected an array, found an object$"),
        (
            "del har['log']['entries'][1]['request']['url']",
            r"^log\.entries\[1\]\.request\.url: missing$",
        ),
        (
            "har['log']['entries'][1]['startedDateTime'] = 'yesterday'",
            r"^log\.entries\[1\]\.startedDateTime: not an ISO 8601",
        ),
        (
            "har['log']['entries'][1]['_webSocketMessages'][2]['opcode'] = 7",
            r"^log\.entries\[1\]\._webSocketMessages\[2\]\.opcode: expected 1 \(text\), 2"
            r" \(binary\)",
        ),
        (
            "har['log']['entries'][1]['_webSocketMessages'][2]['data'] = '***'",
            r"^log\.entries\[1\]\._webSocketMessages\[2\]\.data: not valid base64$",
        ),
        (
            "har['log']['entries'][1]['_webSocketMessages'][0]['type'] = 'sent'",
            r"^log\.entries\[1\]\._webSocketMessages\[0\]\.type: expected \"send\" or \"receive\"",
        ),
        (
            "har['log']['entries'][1]['_webSocketMessages'][0]['time'] = '12:00'",
            r"^log\.entries\[1\]\._webSocketMessages\[0\]\.time: expected a number, found a"
            r" string$",
        ),
        (
            "har['log']['entries'][2]['request']['headers'][0] = ['Host', 'x']",
            r"^log\.entries\[2\]\.request\.headers\[0\]: expected an object, found an array$",
        ),
        (
            "har['log']['entries'][2]['response']['status'] = '401'",
            r"^log\.entries\[2\]\.response\.status: expected a whole number, found a string$",
        ),
        ("har['log']['entries'] = har['log']['entries'][:1]", r"no WebSocket connections"),
        # Times the log could not show (datetime's range): refused when read, not when painted.
        (
            "har['log']['entries'][1]['_webSocketMessages'][0]['time'] = 1e300",
            r"^log\.entries\[1\]\._webSocketMessages\[0\]\.time: expected a time between 1970"
            r" and the year 9999 \(0 to 253402300799 s\), not 1e\+300$",
        ),
        (
            "har['log']['entries'][1]['time'] = 1e300",
            r"^log\.entries\[1\]\.time: expected a time between 1970 and the year 9999",
        ),
    ],
)
def test_malformed_har_names_the_field(tmp_path: Path, change: str, message: str) -> None:
    with pytest.raises(LogFileError, match=message):
        import_log(har_with(tmp_path, change))


def test_not_json_at_all(tmp_path: Path) -> None:
    path = tmp_path / "broken.har"
    path.write_text('{"log": {"entries": [')
    with pytest.raises(LogFileError, match="not a HAR file: not valid JSON"):
        import_log(path)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(LogFileError, match="not a wsinspector log"):
        import_log(text)


def test_import_can_be_cancelled(tmp_path: Path) -> None:
    log = EventLog()
    for index in range(60_000):
        log.append_message(1, True, True, b"m", float(index), float(index))
    path = tmp_path / "big.jsonl"
    export_log(log, path)
    reports: list[tuple[int, int]] = []
    with pytest.raises(Cancelled):
        import_log(
            path,
            progress=lambda done, size: reports.append((done, size)),
            cancelled=lambda: bool(reports),
        )
    assert len(reports) == 1 and 0 < reports[0][0] < reports[0][1] == path.stat().st_size


def test_reading_a_log_pauses_the_garbage_collector_only_while_it_reads(tmp_path: Path) -> None:
    """Import pauses the cyclic collector for speed; it must be back on however it ends."""
    log = EventLog()
    log.append_message(1, True, True, b"m", 1.0, 1.0)
    good = tmp_path / "good.jsonl"
    export_log(log, good)
    bad = write_jsonl(tmp_path / "bad.jsonl", GOOD, "{not json", GOOD)
    har = tmp_path / "bad.har"
    har.write_bytes(b'{"log": 5}')
    assert gc.isenabled()
    assert len(import_log(good)) == 1
    assert gc.isenabled()
    for path in (bad, har):
        with pytest.raises(LogFileError):
            import_log(path)
        assert gc.isenabled()
    gc.disable()
    try:
        import_log(good)
        assert not gc.isenabled(), "a collector the caller switched off stays off"
    finally:
        gc.enable()
