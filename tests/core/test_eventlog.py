"""The event store the log view, exports and counters read; and the event records themselves."""

from __future__ import annotations

import dataclasses
import gc
import pickle

import pytest

from wsinspector.core.log.eventlog import Counters, EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
    close_code_name,
    message_event,
)
from wsinspector.core.log.wireframes import FrameTable, WireFrame


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def event_appended(self, log: EventLog, event: Event) -> None:
        assert log[-1] is event
        self.calls.append(("appended", len(log)))

    def messages_appended(self, log: EventLog) -> None:
        assert isinstance(log[-1], MessageEvent)
        self.calls.append(("appended", len(log)))

    def log_cleared(self, log: EventLog) -> None:
        self.calls.append(("cleared", len(log)))


def msg(direction: Direction, data: bytes, text: bool = True, conn: int = 1) -> MessageEvent:
    return MessageEvent(conn, 1.0, 2.0, direction, text, data)


def note(text: str) -> NoteEvent:
    return NoteEvent(0, 1.0, 2.0, text)


def test_append_len_getitem_iter() -> None:
    log = EventLog()
    assert len(log) == 0
    assert list(log) == []
    events: list[Event] = [note("a"), msg(Direction.OUT, b"x"), note("b")]
    for event in events:
        log.append(event)
    assert len(log) == 3
    assert log[0] is events[0]
    assert log[-1] is events[2]
    assert list(log[1:]) == events[1:]
    assert list(log) == events
    assert events[1] in log
    assert log.index(events[2]) == 2
    with pytest.raises(IndexError):
        log[3]


def test_listeners_are_told_of_every_append_and_clear() -> None:
    log = EventLog()
    first, second = Recorder(), Recorder()
    log.add_listener(first)
    log.append(note("one"))
    log.add_listener(second)
    log.append(note("two"))
    log.clear()
    log.append(note("three"))
    assert first.calls == [("appended", 1), ("appended", 2), ("cleared", 0), ("appended", 1)]
    assert second.calls == [("appended", 2), ("cleared", 0), ("appended", 1)]
    log.remove_listener(first)
    log.append(note("four"))
    assert first.calls[-1] == ("appended", 1)
    assert second.calls[-1] == ("appended", 2)


def test_counters_count_messages_and_bytes_each_way() -> None:
    log = EventLog()
    log.append(msg(Direction.OUT, b"hello"))
    log.append(msg(Direction.IN, b"hello"))
    log.append(msg(Direction.IN, b"\x00\x01\x02", text=False))
    log.append(message_event(2, Direction.OUT, False, b"1234567", 1.0, 2.0))
    # Not messages: don't count.
    log.append(ControlEvent(1, 1.0, 2.0, Direction.OUT, ControlKind.PING, b"ping"))
    log.append(note("n"))
    assert log.counters == Counters(messages_in=2, messages_out=2, bytes_in=8, bytes_out=12)


def test_clear_empties_the_log_and_resets_counters() -> None:
    log = EventLog()
    recorder = Recorder()
    log.add_listener(recorder)
    log.append(msg(Direction.IN, b"abc"))
    assert log.counters == Counters(messages_in=1, bytes_in=3)
    log.clear()
    assert len(log) == 0
    assert list(log) == []
    assert log.counters == Counters()
    assert recorder.calls[-1] == ("cleared", 0)
    log.append(msg(Direction.OUT, b"z"))
    assert log.counters == Counters(messages_out=1, bytes_out=1)


def test_message_event_equals_the_constructor() -> None:
    fast = message_event(3, Direction.IN, True, b"payload", 123.5, 7.25)
    slow = MessageEvent(3, 123.5, 7.25, Direction.IN, True, b"payload")
    assert fast == slow
    assert type(fast) is MessageEvent
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert (fast.conn, fast.wall, fast.mono) == (3, 123.5, 7.25)
    assert (fast.direction, fast.text, fast.data, fast.size) == (Direction.IN, True, b"payload", 7)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert message_event(3, Direction.IN, False, b"payload", 123.5, 7.25) != slow


def test_decoded() -> None:
    assert msg(Direction.IN, "žluť".encode()).decoded() == "žluť"
    assert msg(Direction.IN, b"\xff\xfe").decoded() is None
    assert msg(Direction.IN, b"abc", text=False).decoded() is None
    assert msg(Direction.IN, b"").decoded() == ""


ALL_EVENTS: list[Event] = [
    MessageEvent(1, 1.0, 2.0, Direction.IN, True, b"x"),
    message_event(1, Direction.OUT, False, b"y", 1.0, 2.0),
    ControlEvent(1, 1.0, 2.0, Direction.IN, ControlKind.PONG, b"", rtt=0.001, keepalive=True),
    StateEvent(1, 1.0, 2.0, ConnState.RECONNECTING, attempt=2, delay=0.5, error="refused"),
    HandshakeEvent(1, 1.0, 2.0, "GET / HTTP/1.1", (("Host", "h"),), "HTTP/1.1 101 X", ()),
    CloseEvent(1, 1.0, 2.0, code=1000, reason="", initiator="client", clean=True),
    ErrorEvent(1, 1.0, 2.0, "boom"),
    NoteEvent(1, 1.0, 2.0, "reconnected after 1 attempt", separator=True),
]


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: type(e).__name__)
def test_events_are_frozen(event: Event) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.conn = 99  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.wall = 0.0  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        event.extra = 1  # type: ignore[attr-defined]  # slots: no new attributes
    hash(event)  # usable as a key: every field is immutable


def test_close_code_names() -> None:
    assert close_code_name(None) == "no close frame"
    assert close_code_name(1000) == "normal closure"
    assert close_code_name(1009) == "message too big"
    assert close_code_name(3001) == "registered"
    assert close_code_name(4000) == "private use"
    assert close_code_name(5000) == "unknown"


def test_logged_messages_are_not_walked_by_the_garbage_collector() -> None:
    # A full GC pass walks every tracked object: 1,000,000 message records made every pass a
    # 150 ms pause of the window. Messages are stored so that the GC does not track them.
    log = EventLog()
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(10_000):
        log.append_message(1, True, True, b"x" * 100, 1.0, 2.0)
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert log[-1] == MessageEvent(1, 1.0, 2.0, Direction.IN, True, b"x" * 100)


def test_connection_numbers_keep_counting_across_sessions_and_clear() -> None:
    log = EventLog()
    assert [log.next_connection_number() for _ in range(2)] == [1, 2]
    log.clear()
    assert log.next_connection_number() == 3


def test_frame_table_keeps_single_frames_packed_and_gives_them_back_exactly() -> None:
    table = FrameTable()
    compressed_text_in = (WireFrame(0x1, True, True, False, False, 312, True),)
    binary_out = (WireFrame(0x2, True, False, False, False, 9, False),)
    fragmented = (
        WireFrame(0x1, False, False, False, False, 5, True),
        WireFrame(0x9, True, False, False, False, 2, True),
        WireFrame(0x0, True, False, False, False, 3, True),
    )
    late = (WireFrame(0x1, True, True, False, False, 40, False),)
    table.set(3, compressed_text_in)
    table.set(4, fragmented)
    table.set(7, binary_out)
    table.set(5, late)  # after 7: out of order
    assert table._ids.tolist() == [3, 7]  # the single frames in order are packed
    assert dict(table) == {3: compressed_text_in, 4: fragmented, 5: late, 7: binary_out}
    assert table.get(6) is None and 6 not in table and len(table) == 4
    table.drop_before(5)
    assert dict(table) == {5: late, 7: binary_out}


class DropWatcherRecorder:
    """Notes what the log holds when told of a drop: before it (dropping) and after."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int, bytes]] = []

    def event_appended(self, log: EventLog, event: Event) -> None:
        pass

    def messages_appended(self, log: EventLog) -> None:
        pass

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropping(self, log: EventLog, count: int) -> None:
        self.seen.append(("dropping", count, log.first_id, log[0].data))  # type: ignore[attr-defined]

    def events_dropped(self, log: EventLog, count: int) -> None:
        self.seen.append(("dropped", count, log.first_id, log[0].data))  # type: ignore[attr-defined]


def test_a_drop_watcher_is_told_while_the_oldest_events_are_still_there() -> None:
    # A Qt model must announce the rows it removes before their data goes (Qt's contract).
    log = EventLog(capacity=10)
    watcher = DropWatcherRecorder()
    log.add_listener(watcher)
    for i in range(12):
        log.append_message(1, True, True, b"%d" % i, 0.0, 0.0)
    assert watcher.seen == [("dropping", 2, 1, b"0"), ("dropped", 2, 3, b"2")]
    log.remove_listener(watcher)
    for i in range(12, 30):
        log.append(msg(Direction.IN, b"%d" % i))
    assert len(watcher.seen) == 2
