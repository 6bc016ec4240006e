"""The codec's stable names: what JSON Lines files, the capture and the CSV call each kind of
event, state and direction. Every file written so far uses these words, so they are pinned
here, apart from the log's words on screen (tests/core/test_logfiles.py shows a renamed
Type column word leaving a file as it was)."""

from __future__ import annotations

import orjson
import pytest

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
from wsinspector.core.storage.logfiles import codec
from wsinspector.core.storage.logfiles.common import LogFileError

OUT, IN = Direction.OUT, Direction.IN

# Every kind of event and its name in files: the table to change only with a new format version.
EVERY_KIND: list[tuple[Event, str]] = [
    (MessageEvent(1, 1.0, 1.0, OUT, True, b"hi"), "text"),
    (MessageEvent(1, 1.0, 1.0, IN, False, b"\x00"), "binary"),
    (ControlEvent(1, 1.0, 1.0, OUT, ControlKind.PING, b""), "ping"),
    (ControlEvent(1, 1.0, 1.0, IN, ControlKind.PONG, b""), "pong"),
    (StateEvent(1, 1.0, 1.0, ConnState.OPEN), "state"),
    (HandshakeEvent(1, 1.0, 1.0, "GET / HTTP/1.1", (), "", ()), "handshake"),
    (CloseEvent(1, 1.0, 1.0, 1000, "bye", "client", True), "close"),
    (ErrorEvent(1, 1.0, 1.0, "refused"), "error"),
    (NoteEvent(1, 1.0, 1.0, "a note"), "note"),
]


@pytest.mark.parametrize(("event", "name"), EVERY_KIND, ids=[name for _, name in EVERY_KIND])
def test_each_kind_of_event_has_its_pinned_name(event: Event, name: str) -> None:
    assert codec.type_name(event) == name
    assert codec.event_record(event, 7)["type"] == name


def test_the_table_covers_every_kind_and_the_codec_knows_no_other() -> None:
    assert sorted(codec.TYPE_NAMES) == sorted(name for _, name in EVERY_KIND)
    assert set(codec.CONTROL_TYPES) == set(ControlKind)
    # By name: a slotted dataclass leaves its first class behind in __subclasses__().
    kinds = {kind.__name__ for kind in Event.__subclasses__()}
    assert {kind.__name__ for kind in codec.EVENT_TYPES} == kinds - {"MessageEvent", "ControlEvent"}


def test_states_directions_and_error_kinds_have_pinned_names() -> None:
    assert codec.STATES == {
        ConnState.IDLE: "idle",
        ConnState.CONNECTING: "connecting",
        ConnState.OPEN: "open",
        ConnState.CLOSING: "closing",
        ConnState.CLOSED: "closed",
        ConnState.RECONNECTING: "reconnecting",
        ConnState.FAILED: "failed",
    }
    assert set(codec.STATES) == set(ConnState)
    assert codec.DIRECTIONS == {OUT: "sent", IN: "received"}
    assert codec.DIRECTION_OF_INCOMING == ("sent", "received")
    assert codec.ERROR_KINDS == {ErrorKind.OTHER: "", ErrorKind.TLS_UNTRUSTED: "tls-untrusted"}
    assert set(codec.ERROR_KINDS) == set(ErrorKind)


@pytest.mark.parametrize(("event", "name"), EVERY_KIND[2:], ids=[n for _, n in EVERY_KIND[2:]])
def test_a_record_reads_back_as_its_event(event: Event, name: str) -> None:
    record = orjson.loads(orjson.dumps(codec.to_record(event, 3)))
    assert record["type"] == name
    assert codec.from_record(record) == event
    assert codec.id_and_entry(record) == (3, event)


def test_an_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(LogFileError, match='unknown event type "frame": expected text, binary,'):
        codec.from_record({"id": 1, "type": "frame", "time": 1.0, "connection": 1})
