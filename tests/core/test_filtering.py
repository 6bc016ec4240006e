"""The log filter: direction, type, connection, text over whole payloads, regex, counts."""

from __future__ import annotations

import random
import re

import pytest

from wsinspector.core.log.eventlog import EventLog
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
)
from wsinspector.core.log.filtering import LogFilter, ScanCache, compile_filter, filter_indexes
from wsinspector.core.text.formatting import preview

OUT = Direction.OUT
IN = Direction.IN

LONG = "x" * 300 + "needle-in-the-tail" + "y" * 100


def msg(direction: Direction, data: bytes, *, text: bool = True, conn: int = 1) -> MessageEvent:
    return MessageEvent(conn, 1_700_000_000.0, 5.0, direction, text, data)


def sample() -> list[Event]:
    """One of everything, over two connections."""
    return [
        StateEvent(1, 1.0, 1.0, ConnState.CONNECTING, uri="ws://example.test/feed"),  # 0
        HandshakeEvent(
            1,
            1.1,
            1.1,
            "GET /feed HTTP/1.1",
            (("Host", "example.test"),),
            "HTTP/1.1 101 Switching Protocols",
            (),
        ),  # 1
        msg(OUT, b'{"op":"subscribe","channel":"BTC-USD"}'),  # 2
        msg(IN, b'{"type":"ticker","price":"42000"}'),  # 3
        msg(IN, bytes.fromhex("deadbeef00") + b"protobuf-name", text=False),  # 4
        ControlEvent(1, 2.0, 2.0, OUT, ControlKind.PING, b"hb"),  # 5
        ControlEvent(1, 2.1, 2.1, IN, ControlKind.PONG, b"hb", rtt=0.01),  # 6
        msg(IN, LONG.encode()),  # 7
        CloseEvent(1, 3.0, 3.0, 1001, "going away", "server", True),  # 8
        NoteEvent(2, 3.5, 3.5, "reconnected after 1 attempt", separator=True),  # 9
        msg(OUT, "Straße Ünïcode".encode(), conn=2),  # 10
        msg(IN, b"\xff\xfeBTC\xff", conn=2),  # 11 invalid UTF-8 text
        msg(OUT, b"\x01\x02\x03", text=False, conn=2),  # 12
        ErrorEvent(2, 4.0, 4.0, "connection reset by peer"),  # 13
    ]


def make_log(events: list[Event]) -> EventLog:
    log = EventLog()
    for event in events:
        log.append(event)
    return log


def indexes(log_filter: LogFilter, events: list[Event] | None = None) -> list[int]:
    events = sample() if events is None else events
    predicate = compile_filter(log_filter)
    found = list(filter_indexes(make_log(events), predicate))
    # The bulk scan and the per-event test always agree, on an EventLog and on a plain list.
    assert found == [i for i, event in enumerate(events) if predicate(event)]
    assert list(filter_indexes(events, predicate)) == found
    return found


def test_the_empty_filter_shows_everything() -> None:
    assert LogFilter().is_empty
    assert compile_filter(LogFilter()).accepts_all
    assert indexes(LogFilter()) == list(range(14))


def test_directions() -> None:
    assert indexes(LogFilter(directions=frozenset({"sent"}))) == [2, 10, 12]
    assert indexes(LogFilter(directions=frozenset({"received"}))) == [3, 4, 7, 11]
    assert indexes(LogFilter(directions=frozenset({"control"}))) == [5, 6]
    assert indexes(LogFilter(directions=frozenset({"connection"}))) == [0, 1, 8, 9, 13]
    assert indexes(LogFilter(directions=frozenset({"sent", "received"}))) == [
        2,
        3,
        4,
        7,
        10,
        11,
        12,
    ]


def test_kinds_keep_only_messages_of_that_type() -> None:
    assert indexes(LogFilter(kinds=frozenset({"text"}))) == [2, 3, 7, 10, 11]
    assert indexes(LogFilter(kinds=frozenset({"binary"}))) == [4, 12]
    assert indexes(LogFilter(kinds=frozenset({"binary"}), directions=frozenset({"sent"}))) == [12]


def test_connections() -> None:
    assert indexes(LogFilter(connections=frozenset({2}))) == [9, 10, 11, 12, 13]
    assert indexes(LogFilter(connections=frozenset({1}), directions=frozenset({"sent"}))) == [2]
    assert indexes(LogFilter(connections=frozenset({3}))) == []


def test_text_is_found_past_the_preview_of_a_long_payload() -> None:
    event = sample()[7]
    assert isinstance(event, MessageEvent)
    assert "needle" not in preview(event)  # the row does not show it…
    assert indexes(LogFilter(text="NEEDLE-in-THE-tail")) == [7]  # …the filter finds it


def test_text_is_case_insensitive_over_unicode() -> None:
    assert indexes(LogFilter(text="btc-usd")) == [2]
    assert indexes(LogFilter(text="STRASSE")) == [10]  # ß folds to ss
    assert indexes(LogFilter(text="ünïCODE")) == [10]


def test_text_in_invalid_utf8_and_binary_payloads() -> None:
    # Valid stretches of a text message that is not UTF-8 are searched.
    assert indexes(LogFilter(text="btc")) == [2, 11]
    # A word inside a binary payload, and the bytes written as hex, as the row shows them.
    assert indexes(LogFilter(text="Protobuf-Name")) == [4]
    assert indexes(LogFilter(text="de ad be ef")) == [4]
    assert indexes(LogFilter(text="0xBE 0xEF")) == [4]
    assert indexes(LogFilter(text="010203")) == [12]


def test_text_over_other_events_uses_their_summary() -> None:
    assert indexes(LogFilter(text="going away")) == [8]
    assert indexes(LogFilter(text="Switching Protocols")) == [1]
    assert indexes(LogFilter(text="reset by PEER")) == [13]
    assert indexes(LogFilter(text="round trip")) == [6]  # the pong's summary
    assert indexes(LogFilter(text="hb")) == [5, 6]  # a ping's payload as text


def test_regex() -> None:
    assert indexes(LogFilter(text=r'"price":"\d+"', regex=True)) == [3]
    assert indexes(LogFilter(text=r"^\{.*btc", regex=True)) == [2]  # case-insensitive
    assert indexes(LogFilter(text=r"(?-i:USD)", regex=True)) == [2]
    assert indexes(LogFilter(text=r"(?-i:usd)", regex=True)) == []
    assert indexes(LogFilter(text=r"tail.{10}y+$", regex=True)) == [7]
    assert indexes(LogFilter(text=r"stra(ß|ss)e", regex=True, connections=frozenset({2}))) == [10]


def test_regex_case_rules_are_pythons_even_in_a_bulk_scan() -> None:
    # Under IGNORECASE a regex "i" matches the dotless i (U+0131), whose case fold is no "i":
    # the shortcut a bulk scan takes (a plain piece of the regex first) must not lose it.
    dotless_i, long_s = "\u0131", "\u017f"
    events: list[Event] = [
        msg(IN, f"KIT k{dotless_i}t".encode()),
        msg(IN, b"kat"),
        msg(IN, f"{long_s}kit".encode()),
    ]
    assert indexes(LogFilter(text="kit kit", regex=True), events) == [0]
    assert indexes(LogFilter(text="kit k.t", regex=True), events) == [0]
    assert indexes(LogFilter(text="xkit|kat", regex=True), events) == [1]
    assert indexes(LogFilter(text=r"skit\b", regex=True), events) == [2]  # long s folds to s


def test_regex_answers_as_pythons_str_regex_on_ascii_and_other_payloads() -> None:
    # ASCII payloads are searched by a bytes twin of the regex (no decoding, faster); its
    # answers must be those of the str regex, \\s and the control separators included.
    patterns = [
        r"ab+c",
        r"\bword\b",
        r"\d{2,}x",
        r"[a-f]{3}",
        r"[^\W\d]z",
        r"(x)\1",
        r"(?<=q)r",
        r"^k",
        r"k$",
        r"\s",
        r"a\Sb",
        r"[\s]x",
        r"(a\s)",
        r"(?=\S)b",
        r"(?:ab|\sx)+",
        r"[^\xe9]",
        r"\x1c",
        r"(?x) a b  # comment",
        r"\N{LATIN SMALL LETTER A}b",
        "\u212a",  # the Kelvin sign: IGNORECASE matches k and K
    ]
    alphabet = ["a", "b", "c", "A", "B", "K", "k", "x", "X", "z", "q", "r", "1", "2", " ", "\x1c"]
    alphabet += ["\x1f", "\t", "_", "word", "WORD", "-"]
    rng = random.Random(11)
    payloads = [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8))) for _ in range(400)
    ]
    payloads += ["\u212a", "\u212ab", "caf\u00e9 abc"]
    for pattern in patterns:
        predicate = compile_filter(LogFilter(text=pattern, regex=True))
        for payload in payloads:
            expected = re.search(pattern, payload, re.IGNORECASE) is not None
            event = msg(IN, payload.encode())
            assert predicate(event) is expected, (pattern, payload)
        events: list[Event] = [msg(IN, payload.encode()) for payload in payloads]
        assert list(filter_indexes(events, predicate)) == [
            i for i, p in enumerate(payloads) if re.search(pattern, p, re.IGNORECASE)
        ]
        assert list(filter_indexes(make_log(events), predicate)) == [
            i for i, p in enumerate(payloads) if re.search(pattern, p, re.IGNORECASE)
        ]


def test_bad_regex_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"invalid regular expression: .* at position 0"):
        compile_filter(LogFilter(text="(unclosed", regex=True))
    # The same text is a fine substring.
    assert indexes(LogFilter(text="(unclosed")) == []


def test_unknown_direction_or_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown direction up"):
        LogFilter(directions=frozenset({"up"}))
    with pytest.raises(ValueError, match="unknown message type json"):
        LogFilter(kinds=frozenset({"json"}))


def test_counts_and_ranges_for_incremental_use() -> None:
    log = make_log(sample())
    predicate = compile_filter(LogFilter(directions=frozenset({"received"})))
    assert len(filter_indexes(log, predicate)) == 4
    assert list(filter_indexes(log, predicate, start=5)) == [7, 11]
    assert list(filter_indexes(log, predicate, start=4, stop=8)) == [4, 7]
    assert list(filter_indexes(log, predicate, start=20)) == []
    # New rows, one at a time, as the log view tests them.
    log.append(msg(IN, b"late"))
    assert predicate(log[-1])
    assert list(filter_indexes(log, predicate, start=len(log) - 1)) == [len(log) - 1]
    log.append_message(1, False, True, b"sent late", 1.0, 1.0)
    assert not predicate(log[-1])


def test_a_plain_callable_works_too() -> None:
    log = make_log(sample())
    found = filter_indexes(log, lambda event: event.conn == 2)
    assert list(found) == [9, 10, 11, 12, 13]


def test_bulk_scan_agrees_with_the_per_event_test_across_chunks() -> None:
    # Enough messages for several scan chunks, payloads that end and start so that a match
    # would run across two of them, non-ASCII text, binary, and events between messages.
    rng = random.Random(7)
    words = ["ab", "c", "abc", "ABC", "xyz", "é", "É", "ß", "ss", "\x00", "12"]
    events: list[Event] = []
    for index in range(9000):
        if index % 997 == 0:
            events.append(NoteEvent(1 + index % 3, 1.0, 1.0, f"note abc {index}"))
        if index % 1500 == 0:
            events.append(ControlEvent(1, 1.0, 1.0, IN, ControlKind.PING, b"abc"))
        payload = "".join(rng.choice(words) for _ in range(rng.randrange(0, 6))).encode()
        text = rng.random() < 0.8
        if not text and rng.random() < 0.5:
            payload += b"\xab\xcd"
        events.append(msg(rng.choice((IN, OUT)), payload, text=text, conn=1 + index % 3))
    log = make_log(events)
    filters = [
        LogFilter(text="abc"),
        LogFilter(text="ABC", directions=frozenset({"received", "connection"})),
        LogFilter(text="é"),
        LogFilter(text="ss"),
        LogFilter(text="ab cd"),  # hex for binary
        LogFilter(text="cab", kinds=frozenset({"text"})),
        LogFilter(text="a", connections=frozenset({2})),
        LogFilter(text="^ab(c|$)", regex=True),
        LogFilter(directions=frozenset({"control", "sent"})),
        LogFilter(connections=frozenset({1, 3})),
    ]
    for log_filter in filters:
        predicate = compile_filter(log_filter)
        expected = [i for i, event in enumerate(events) if predicate(event)]
        assert list(filter_indexes(log, predicate)) == expected, log_filter
        assert list(filter_indexes(log, predicate, 4000, 8500)) == [
            i for i in expected if 4000 <= i < 8500
        ]
    # A match across two payloads is no match: "…c" then "ab…" is not "cab".
    found = filter_indexes(log, compile_filter(LogFilter(text="cab")))
    assert found
    for index in found:
        event = log[index]
        assert isinstance(event, MessageEvent)
        assert b"cab" in event.data.lower()


def test_raw_entries_are_tested_as_stored() -> None:
    predicate = compile_filter(LogFilter(text="hello", directions=frozenset({"received"})))
    assert predicate.test_entry((1, True, True, b"oh HELLO", 1.0, 1.0))
    assert not predicate.test_entry((1, False, True, b"oh HELLO", 1.0, 1.0))
    assert predicate.test_message(1, True, False, b"hello")
    assert not predicate.test_entry(NoteEvent(1, 1.0, 1.0, "hello"))


def test_a_scan_cache_gives_the_same_answers_as_the_log_changes() -> None:
    # A small capacity, so that the log drops its oldest events while it is being filtered.
    log = EventLog(capacity=10_000)
    cache = ScanCache()
    rng = random.Random(3)
    filters = [
        compile_filter(LogFilter(text="needle")),
        compile_filter(LogFilter(text="NEEDLE", directions=frozenset({"sent"}))),
        compile_filter(LogFilter(text=r"needle-\d+7$", regex=True)),
        compile_filter(LogFilter(text="é")),
    ]
    for round_ in range(6):
        for index in range(rng.randrange(2000, 6000)):
            words = rng.choice(("hay", "needle", "Needle", "é", "straw"))
            payload = f"{words}-{round_}-{index}".encode()
            log.append_message(1, rng.random() < 0.5, True, payload, 1.0, 1.0)
            if index % 1000 == 0:
                log.append(NoteEvent(1, 1.0, 1.0, f"needle note {index}"))
        if round_ == 4:
            log.clear()
            log.append_message(1, True, True, b"needle after clear", 1.0, 1.0)
        for predicate in filters:
            expected = [i for i, event in enumerate(log) if predicate(event)]
            assert list(filter_indexes(log, predicate, cache=cache)) == expected
            # Twice: the second time from the cache.
            assert list(filter_indexes(log, predicate, cache=cache)) == expected
            middle = len(log) // 3
            assert list(filter_indexes(log, predicate, middle, 2 * middle, cache=cache)) == [
                i for i in expected if middle <= i < 2 * middle
            ]
    cache.clear()
    assert list(filter_indexes(log, filters[0], cache=cache)) == list(
        filter_indexes(log, filters[0])
    )
