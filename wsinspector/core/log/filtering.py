"""Which events of a log to show: text or regex over whole payloads, direction, type, connection.

A `LogFilter` is what the filter bar says; `compile_filter` turns it into a `Predicate` that
tests one event (`predicate(event)`, or `predicate.test_entry(...)` on a log's stored entry)
and scans a whole log at once (`filter_indexes`), fast enough for a million messages.

How a search text matches is wsinspector.core.text.search's rule, shared with find-in-detail
and the capture's search. What it is matched against, case-insensitively (Unicode case folding):

- a message: its WHOLE payload, not the row's 200-character preview. Text and binary payloads
  alike are read as UTF-8 (bytes that are not valid UTF-8 stand for U+FFFD), so a word inside
  a binary message (a protobuf or msgpack string) is found too. A binary message is also found
  by its bytes written as hex, the way its row shows them: "de ad be ef", "deadbeef" or
  "0xde 0xad" find the bytes DE AD BE EF anywhere in the payload.
- with a page decoder (compile_filter's `decode`, wsinspector.core.decoders), a binary message
  also by the text its payload decodes to, so "BTC" or '"price": 3' find a MessagePack map.
  Those scans test message by message (decoding costs far more than a find): only a page
  with a decoder set pays for it.
- any other event: its summary (the log's Data column, describe.event_summary); a ping or pong
  also by its payload, like a binary message.

A regex is searched (re.search, IGNORECASE; "(?-i:...)" makes part of it case-sensitive) in
the same text: a message's payload decoded as UTF-8 with U+FFFD for bad bytes, else the
summary. Hex is not tried for a regex.

Criteria combine with AND; an empty set means "all":
- directions: "sent" and "received" are messages this client sent / received, "control" ping
  and pong frames, "connection" everything else (state, handshake, close, error, note);
- kinds: "text" and "binary" are message types; with kinds set, only messages of those types
  pass (like filtering the Type column);
- connections: connection numbers;
- names and protocol_kinds, on a page that speaks a protocol (typed `name:welcome`,
  `kind:ack` in the filter bar): what the protocol reads in a message, its event name, topic
  or destination and its kind; there the text also matches those words. See
  core/log/readings.py; a page without a protocol has no reader and pays nothing for it.

Speed: a bulk scan joins a chunk of payloads, lowers them and runs one find over the lot, so
only the hits cost Python code; a regex is first looked for by its longest plain piece the
same way. A ScanCache kept per log while a filter is set saves re-reading the payloads on
each new search text (roughly 3 times faster over a million messages).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Final, cast

from wsinspector.core.log.eventlog import EventLog, EventSource, MessageEntry
from wsinspector.core.log.events import ControlEvent, Direction, Event, MessageEvent
from wsinspector.core.log.readings import ReadingTest, ReadWords, split_terms
from wsinspector.core.log.scancache import CHUNK, Chunk
from wsinspector.core.log.scancache import ScanCache as ScanCache  # re-exported: pages hold one
from wsinspector.core.log.wording import event_summary
from wsinspector.core.text.search import TextSearch

DIRECTIONS: Final = frozenset({"sent", "received", "control", "connection"})
KINDS: Final = frozenset({"text", "binary"})


Entry = Event | MessageEntry


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What to show. The default filter shows everything."""

    text: str = ""
    regex: bool = False
    directions: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    connections: frozenset[int] = frozenset()
    # What a page's protocol reads in a message (core/log/readings.py): patterns of its name
    # (event, topic, destination) and of its kind (event, ack, PUBLISH …).
    names: frozenset[str] = frozenset()
    protocol_kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.directions) - DIRECTIONS
        if unknown:
            raise ValueError(
                f"unknown direction {', '.join(sorted(unknown))!s}:"
                f" use {', '.join(sorted(DIRECTIONS))}"
            )
        unknown = set(self.kinds) - KINDS
        if unknown:
            raise ValueError(
                f"unknown message type {', '.join(sorted(unknown))!s}: use text, binary"
            )

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered out."""
        return not (
            self.text
            or self.directions
            or self.kinds
            or self.connections
            or self.names
            or self.protocol_kinds
        )


Decode = Callable[[bytes], str | None]


def with_terms(log_filter: LogFilter) -> LogFilter:
    """`log_filter` with the `name:` and `kind:` words of its text (plain text, not a regex)
    taken as names and protocol kinds: the filter bar of a page that speaks a protocol."""
    if log_filter.regex:
        return log_filter
    text, names, kinds = split_terms(log_filter.text)
    if not (names or kinds):
        return log_filter
    return replace(
        log_filter,
        text=text,
        names=log_filter.names | names,
        protocol_kinds=log_filter.protocol_kinds | kinds,
    )


def compile_filter(
    log_filter: LogFilter, decode: Decode | None = None, words: ReadWords | None = None
) -> Predicate:
    """The test for `log_filter`; ValueError with a readable message for a bad regex.

    `decode` gives the text a binary payload decodes to (None when it doesn't), which the
    search text is matched against too. `words` is the page's protocol's reading of a message
    (None on a page of plain WebSocket: then no message has a name or a protocol kind).
    """
    return Predicate(log_filter, decode, words)


class Predicate:
    """Tests events against one LogFilter. Build it with compile_filter()."""

    __slots__ = (
        "_conns",
        "_decode",
        "_fold",
        "_hex",
        "_message_ok",
        "_messages_all",
        "_needle",
        "_others",
        "_payload_test",
        "_reading",
        "_search",
        "_search_ascii",
        "_text",
        "filter",
    )

    def __init__(
        self, log_filter: LogFilter, decode: Decode | None = None, words: ReadWords | None = None
    ) -> None:
        self.filter = log_filter
        self._decode = decode if log_filter.text else None
        directions = log_filter.directions or DIRECTIONS
        kinds = log_filter.kinds
        # _message_ok[incoming * 2 + text]: does a message of this direction and type pass?
        self._message_ok = tuple(
            ("received" if incoming else "sent") in directions
            and (not kinds or ("text" if text else "binary") in kinds)
            for incoming in (False, True)
            for text in (False, True)
        )
        self._conns = log_filter.connections or None
        self._messages_all = all(self._message_ok) and self._conns is None
        # Which non-message events pass the direction and type criteria.
        self._others = (
            frozenset()
            if kinds
            else frozenset(name for name in ("control", "connection") if name in directions)
        )
        # The matching rule is wsinspector.core.text.search's; its parts are kept here as
        # attributes because the scans below read them in their innermost loops.
        self._text: TextSearch | None = None
        self._payload_test: Callable[[bytes, bool], bool] | None = None
        self._search: Callable[[str], object] | None = None
        # The regex as a bytes regex that gives the same answers on ASCII text, without the
        # decoding and at about twice the speed; None when there is no such twin.
        self._search_ascii: Callable[[bytes], object] | None = None
        self._fold = ""
        self._hex: bytes | None = None
        # What a bulk scan looks for in the joined, lowered payloads: the search text, or a
        # piece of a regex that every match contains (then each hit is confirmed by the regex).
        self._needle: bytes | None = None
        if log_filter.text:
            found = self._text = TextSearch(log_filter.text, regex=log_filter.regex)
            self._search = found.search
            self._search_ascii = found.search_ascii
            self._fold = found.fold
            self._needle = found.fold_ascii
            self._hex = found.hex
            self._payload_test = found.payload_test
        self._reading: ReadingTest | None = None
        criteria = log_filter.names or log_filter.protocol_kinds
        if words is not None and (log_filter.text or criteria):
            plain = replace(log_filter, names=frozenset(), protocol_kinds=frozenset())
            self._reading = ReadingTest(
                words,
                Predicate(replace(plain, text="", regex=False)),
                Predicate(plain, decode),
                self._text,
                log_filter.names,
                log_filter.protocol_kinds,
            )
        elif criteria:  # nothing reads messages as a protocol: none has a name or such kind
            self._message_ok = (False, False, False, False)
            self._messages_all = False
            self._others = frozenset()

    @property
    def decodes(self) -> bool:
        """Payloads are decoded to be tested (binary ones by a decoder, or every message by
        the page's protocol): a scan costs microseconds a message."""
        return self._decode is not None or self._reading is not None

    @property
    def accepts_all(self) -> bool:
        """True when every event passes (no criterion at all)."""
        return self.filter.is_empty

    # -- one event ----------

    def __call__(self, event: Event) -> bool:
        if self._reading is not None:
            if type(event) is MessageEvent:
                return self._reading.test_entry(
                    (event.conn, event.direction is Direction.IN, event.text, event.data, 0, 0)
                )
            return self._reading.test_entry(event)
        if type(event) is MessageEvent:
            return self.test_message(
                event.conn, event.direction is Direction.IN, event.text, event.data
            )
        return self._test_other(event)

    def test_entry(self, entry: Entry) -> bool:
        """Test an entry as an EventLog stores it: a message tuple or an event record."""
        if self._reading is not None:
            return self(entry) if type(entry) is MessageEvent else self._reading.test_entry(entry)
        if type(entry) is tuple:
            return self.test_message(entry[0], entry[1], entry[2], entry[3])
        return self._test_other(entry)  # type: ignore[arg-type]

    def test_message(self, conn: int, incoming: bool, text: bool, data: bytes) -> bool:
        if not self._message_ok[incoming * 2 + text]:
            return False
        if self._conns is not None and conn not in self._conns:
            return False
        payload_test = self._payload_test
        if payload_test is None or payload_test(data, not text):
            return True
        if self._decode is None or text:
            return False
        decoded = self._decode(data)
        return decoded is not None and self._text is not None and self._text.matches(decoded)

    def _test_other(self, event: Event) -> bool:
        if type(event) is MessageEvent:  # a record from a plain sequence of events
            return self(event)
        if self._conns is not None and event.conn not in self._conns:
            return False
        category = "control" if isinstance(event, ControlEvent) else "connection"
        if category not in self._others:
            return False
        found = self._text
        if found is None:
            return True
        if found.matches(event_summary(event)):
            return True
        return (
            found.search is None
            and isinstance(event, ControlEvent)
            and found.matches_payload(event.data, True)
        )

    # -- a whole log ----------

    def scan(
        self,
        entries: Sequence[Entry],
        start: int = 0,
        stop: int | None = None,
        cache: ScanCache | None = None,
        first_id: int = 0,
    ) -> array[int]:
        """Indexes in [start, stop) of the entries that pass, in order; `first_id` is the id
        of entries[0] (readings are cached by id)."""
        stop = len(entries) if stop is None else min(stop, len(entries))
        start = max(0, start)
        out: array[int] = array("q")
        if start >= stop:
            return out
        if self.accepts_all:
            out.extend(range(start, stop))
            return out
        if self._reading is not None:
            readings = cache.readings if cache is not None else None
            return self._reading.scan(entries, start, stop, cache, readings, first_id)
        if self._decode is not None:  # binary payloads are decoded one by one
            test = self.test_entry
            out.extend(index for index in range(start, stop) if test(entries[index]))
            return out
        if self._needle is None:
            for first in range(start, stop, CHUNK):
                out.extend(self._scan_each(entries[first : min(first + CHUNK, stop)], first))
            return out
        if cache is None:
            for first in range(start, stop, CHUNK):
                last = min(first + CHUNK, stop)
                out.extend(self._scan_joined(Chunk.of(entries, first, last), entries, first))
            return out
        # With a cache, chunks lie at fixed positions so that the next scan finds them again.
        for first in range(start - start % CHUNK, stop, CHUNK):
            last = min(first + CHUNK, len(entries))
            found = self._scan_joined(cache.chunk(entries, first, last), entries, first)
            if first < start or last > stop:
                found = [index for index in found if start <= index < stop]
            out.extend(found)
        cache.forget_from(len(entries))
        return out

    def _scan_each(self, chunk: Sequence[Entry], first: int) -> list[int]:
        # One comprehension per common case: a function call per message would double the cost.
        test_other = self._test_other
        ok = self._message_ok
        conns = self._conns
        search = self._search
        if search is not None:
            twin = self._search_ascii
            has_twin = twin is not None
            if self._messages_all:
                return [
                    index
                    for index, e in enumerate(chunk, first)
                    if (
                        (
                            twin(data)  # type: ignore[misc]
                            if has_twin and (data := e[3]).isascii()
                            else search(e[3].decode("utf-8", "replace"))
                        )
                        if e.__class__ is tuple
                        else test_other(e)  # type: ignore[arg-type]
                    )
                ]
            return [
                index
                for index, e in enumerate(chunk, first)
                if (
                    ok[e[1] * 2 + e[2]]
                    and (conns is None or e[0] in conns)
                    and (
                        twin(data)  # type: ignore[misc]
                        if has_twin and (data := e[3]).isascii()
                        else search(e[3].decode("utf-8", "replace"))
                    )
                    if e.__class__ is tuple
                    else test_other(e)  # type: ignore[arg-type]
                )
            ]
        if not self.filter.text:
            return [
                index
                for index, e in enumerate(chunk, first)
                if (
                    ok[e[1] * 2 + e[2]] and (conns is None or e[0] in conns)
                    if e.__class__ is tuple
                    else test_other(e)  # type: ignore[arg-type]
                )
            ]
        test_message = self.test_message
        return [
            index
            for index, e in enumerate(chunk, first)
            if (
                test_message(e[0], e[1], e[2], e[3]) if e.__class__ is tuple else test_other(e)  # type: ignore[arg-type]
            )
        ]

    def _scan_joined(self, chunk: Chunk, entries: Sequence[Entry], first: int) -> list[int]:
        # One find over the chunk's payloads joined and lowered instead of a test per
        # message: only the hits cost Python code. Events other than messages (rare) are
        # tested one by one, as are payloads with non-ASCII bytes (Unicode case folding).
        needle = self._needle
        assert needle is not None
        lowered = chunk.lowered
        count = chunk.size
        if self._search is not None and lowered.count(needle) * 4 > count:
            # A piece of the regex that most messages contain filters nothing out: test each.
            return self._scan_each(entries[first : first + count], first)
        find = lowered.find
        size = len(needle)
        hits: list[int] = []
        position = find(needle)
        if position >= 0:
            ends = chunk.ends()
            while position >= 0:
                local = bisect_right(ends, position)
                end = ends[local]
                if position + size <= end:
                    hits.append(local)
                    position = find(needle, end)
                else:  # the match runs into the next payload: look again from the next byte
                    position = find(needle, position + 1)
        extra: list[int] = []
        payloads: list[bytes] | None = None
        if self._hex is not None and self._message_ok[1] | self._message_ok[3]:
            payloads = chunk.payloads(entries, first)
            extra += _hex_hits(self._hex, payloads, entries, first)
        if not chunk.ascii:
            payloads = payloads or chunk.payloads(entries, first)
            fold = self._fold
            extra += [
                local
                for local, data in enumerate(payloads)
                if not data.isascii() and fold in data.decode("utf-8", "replace").casefold()
            ]
        if extra:  # messages only: other events' payloads are empty here
            hits = sorted(set(hits).union(extra))
        kept = self._keep_messages(entries, first, hits)
        if chunk.others:
            test_other = self._test_other
            others = [
                index
                for index in map(first.__add__, chunk.others)
                if test_other(entries[index])  # type: ignore[arg-type]
            ]
            if others:
                kept = sorted(kept + others)
        return kept

    def _keep_messages(self, entries: Sequence[Entry], first: int, hits: list[int]) -> list[int]:
        """Indexes of the messages with a hit that meet the other criteria too."""
        if self._search is not None:  # hits of a piece of the regex: the regex decides
            test_message = self.test_message
            return [
                index
                for index in map(first.__add__, hits)
                if test_message(*entries[index][:4])  # type: ignore[index]
            ]
        if self._messages_all:
            return list(map(first.__add__, hits))
        ok = self._message_ok
        conns = self._conns
        kept: list[int] = []
        for index in map(first.__add__, hits):
            e = entries[index]
            if ok[e[1] * 2 + e[2]] and (conns is None or e[0] in conns):  # type: ignore[index]
                kept.append(index)
        return kept


def _hex_hits(
    needle: bytes, payloads: list[bytes], entries: Sequence[Entry], first: int
) -> list[int]:
    """Binary messages among `payloads` that contain the bytes `needle`."""
    joined = b"".join(payloads)
    hits: list[int] = []
    size = len(needle)
    position = joined.find(needle)
    if position < 0:
        return hits
    ends = list(accumulate(map(len, payloads)))
    while position >= 0:
        local = bisect_right(ends, position)
        end = ends[local]
        if position + size <= end:
            entry = entries[first + local]
            if entry.__class__ is tuple and not entry[2]:
                hits.append(local)
            position = joined.find(needle, end)
        else:
            position = joined.find(needle, position + 1)
    return hits


def _stored_entries(log: object) -> Sequence[Entry] | None:
    """The stored entries of a log that keeps messages as tuples, or None.

    Such a log has an `entries()` method (an imported log: logfiles.EntryLog) or is an
    EventLog, whose list is read directly until it has a public read-only view.
    """
    accessor = getattr(log, "entries", None)
    if callable(accessor):
        entries: Sequence[Entry] = accessor()
        return entries
    if isinstance(log, EventLog):
        return log._entries  # only read here; EventLog stores nothing else in it
    return None


def filter_indexes(
    log: EventSource | Sequence[Event],
    predicate: Callable[[Event], bool],
    start: int = 0,
    stop: int | None = None,
    *,
    cache: ScanCache | None = None,
) -> array[int]:
    """Indexes in [start, stop) of the events of `log` that pass `predicate`, in order.

    Fast for an EventLog and a Predicate from compile_filter(); any other sequence or callable
    is tested event by event. For a live log, call it where the log is appended to (the event
    loop): indexes shift when the log drops its oldest events.
    """
    entries = _stored_entries(log)
    if isinstance(predicate, Predicate):
        if entries is not None:
            # Ids of a live log follow its first; a read-only log's never change place.
            first_id = log.first_id if isinstance(log, EventLog) else 0
            return predicate.scan(entries, start, stop, cache, first_id)
        # A plain sequence of records (an EventSource has entries()): tested one by one,
        # correct, only slower.
        return predicate.scan(cast("Sequence[Event]", log), start, stop, cache)
    stop = len(log) if stop is None else min(stop, len(log))
    out: array[int] = array("q")
    out.extend(index for index in range(max(0, start), stop) if predicate(log[index]))
    return out
