"""The log filter on a page that speaks a protocol: the text also matches what the protocol
reads in a message (its kind and name), `name:` and `kind:` test those alone, and readings
are derived once per event, only where a protocol reads the log."""

from __future__ import annotations

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent, StateEvent
from wsinspector.core.log.filtering import (
    LogFilter,
    ScanCache,
    compile_filter,
    filter_indexes,
    with_terms,
)
from wsinspector.core.log.readings import split_terms
from wsinspector.core.protocols.matching import message_words
from wsinspector.core.protocols.mqtt import codec
from wsinspector.core.protocols.mqtt.protocol import MqttProtocol, MqttSettings
from wsinspector.core.protocols.socketio import SocketIOProtocol

IN, OUT = Direction.IN, Direction.OUT


def socketio_log() -> EventLog:
    log = EventLog()
    log.append(StateEvent(1, 1.0, 1.0, ConnState.OPEN))  # 0
    for data, direction in (
        (b'0{"sid":"a","pingInterval":300}', IN),  # 1
        (b'40{"sid":"b"}', IN),  # 2
        (b'42["welcome",{"hello":"world"}]', IN),  # 3
        (b'42["chat","hi"]', OUT),  # 4
        (b'421["echo","x"]', OUT),  # 5
        (b'431[{"echoed":["x"]}]', IN),  # 6
        (b"2", IN),  # 7
        (b"3", OUT),  # 8
        (b'42["welcomed","later"]', IN),  # 9
    ):
        log.append(MessageEvent(1, 2.0, 2.0, direction, True, data))
    return log


def shown(log: EventLog, log_filter: LogFilter, protocol: object | None) -> list[int]:
    words = message_words(protocol) if protocol is not None else None  # type: ignore[arg-type]
    predicate = compile_filter(log_filter, words=words)
    scanned = list(filter_indexes(log, predicate, cache=ScanCache()))
    assert scanned == list(filter_indexes(log, predicate))  # with a cache or without
    assert scanned == [i for i in range(len(log)) if predicate(log[i])]  # one by one
    return scanned


def test_text_matches_the_kind_and_name_a_protocol_reads() -> None:
    log = socketio_log()
    sio = SocketIOProtocol("/", None)
    # "ack", "pong" are nowhere in the payloads: only the protocol's reading has them.
    assert shown(log, LogFilter(text="ack"), sio) == [6]
    assert shown(log, LogFilter(text="PONG"), sio) == [8]
    assert shown(log, LogFilter(text="event welcome"), sio) == [3, 9]
    # The payload still matches as before; other events by their summary.
    assert shown(log, LogFilter(text="world"), sio) == [3]
    assert shown(log, LogFilter(text="open"), sio) == [0, 1]
    assert shown(log, LogFilter(text="^po", regex=True), sio) == [8]
    assert shown(log, LogFilter(text="ack", directions=frozenset({"sent"})), sio) == []
    # Without a protocol (plain WebSocket) the text is found in payloads only.
    assert shown(log, LogFilter(text="ack"), None) == []


def test_name_and_kind_criteria() -> None:
    log = socketio_log()
    sio = SocketIOProtocol("/", None)
    assert shown(log, LogFilter(names=frozenset({"welcome"})), sio) == [3]
    assert shown(log, LogFilter(names=frozenset({"WELCOME*"})), sio) == [3, 9]
    assert shown(log, LogFilter(names=frozenset({"chat", "echo"})), sio) == [4, 5]
    assert shown(log, LogFilter(protocol_kinds=frozenset({"event"})), sio) == [3, 4, 5, 9]
    both = LogFilter(text="hi", protocol_kinds=frozenset({"event"}))
    assert shown(log, both, sio) == [4]
    assert shown(log, LogFilter(text="later", names=frozenset({"welcome"})), sio) == []
    # No protocol reads the log: no message has a name.
    assert shown(log, LogFilter(names=frozenset({"welcome"})), None) == []


def test_topics_of_binary_mqtt_packets() -> None:
    log = EventLog()
    v311 = codec.Version.V311
    for data, direction in (
        (codec.subscribe(v311, 1, [("sensors/#", 0)]), OUT),
        (codec.publish(v311, "sensors/kitchen", b"21.5"), IN),
        (codec.publish(v311, "alerts/door", b"open"), IN),
    ):
        log.append(MessageEvent(1, 1.0, 1.0, direction, False, data))
    mqtt = MqttProtocol(MqttSettings())
    assert shown(log, LogFilter(text="subscribe"), mqtt) == [0]
    assert shown(log, LogFilter(text="publish sensors"), mqtt) == [1]
    assert shown(log, LogFilter(names=frozenset({"sensors/*"})), mqtt) == [0, 1]
    assert shown(log, LogFilter(protocol_kinds=frozenset({"PUBLISH"})), mqtt) == [1, 2]


def test_readings_are_derived_once_per_event_and_only_when_asked() -> None:
    log = socketio_log()
    sio = SocketIOProtocol("/", None)
    reader = message_words(sio)
    calls: list[bytes] = []

    def counting(incoming: bool, text: bool, data: bytes) -> tuple[str, str]:
        calls.append(data)
        return reader(incoming, text, data)

    cache = ScanCache()
    for text in ("w", "we", "wel", "welcome"):
        filter_indexes(log, compile_filter(LogFilter(text=text), words=counting), cache=cache)
    assert len(calls) == 9  # each message read once, for four searches
    # A filter with no text and no name or kind reads nothing.
    filter_indexes(log, compile_filter(LogFilter(directions=frozenset({"sent"})), words=counting))
    assert len(calls) == 9
    # The log drops its oldest events: ids stay, cached readings stay right.
    small = EventLog(capacity=4)
    for n in range(12):
        small.append(MessageEvent(1, 1.0, 1.0, IN, True, f'42["e{n}",1]'.encode()))
    predicate = compile_filter(LogFilter(text="e1"), words=reader)
    kept = [small[i].data for i in filter_indexes(small, predicate, cache=cache)]
    assert kept == [b'42["e10",1]', b'42["e11",1]']


def test_the_filter_bar_words_for_names_and_kinds() -> None:
    assert split_terms("name:welcome") == ("", frozenset({"welcome"}), frozenset())
    assert split_terms('hello  kind:ack name:"chat message" x') == (
        "hello x",
        frozenset({"chat message"}),
        frozenset({"ack"}),
    )
    assert split_terms("surname:x  spaced") == ("surname:x  spaced", frozenset(), frozenset())
    taken = with_terms(LogFilter(text="hi name:chat", directions=frozenset({"sent"})))
    assert taken == LogFilter(text="hi", directions=frozenset({"sent"}), names=frozenset({"chat"}))
    regex = LogFilter(text="name:(a|b)", regex=True)
    assert with_terms(regex) is regex
