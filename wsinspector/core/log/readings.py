"""The log filter on a page that speaks a protocol: a message also matches by what the
protocol reads in it, its kind (the Type column's word: event, ack, next, PUBLISH, MESSAGE …)
and its name (the event name, topic, destination or hub method).

- The filter's text matches the words "kind name" as well as the payload: `welcome` finds
  event `welcome`, `ack` finds every acknowledgement, `sensors/#` a subscription's filter.
- Two criteria of the language test them alone (LogFilter.names and .protocol_kinds), written
  in the filter bar as words of its text (plain text, not a regex: filtering.with_terms):
  `name:welcome`, `kind:ack`; `name:"chat message"` for a name with spaces. Each is matched
  whole and case-insensitively, `*` standing for any run of characters (`name:sensors/*`);
  several of one sort are alternatives. With either set, only messages pass, as with the
  message types.

What a message reads as is asked of the page's protocol (a ReadWords: see
core/protocols/matching.py) only for the messages a scan tests, and kept per event id in the
scan's cache (a ReadingCache in the ScanCache): the next text typed costs only the matching.
A page that speaks plain WebSocket has no reader and none of this runs.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Protocol

from wsinspector.core.log.eventlog import Entry
from wsinspector.core.text.search import TextSearch

# (incoming, text, payload) -> (kind, name) of one message, as the page's protocol reads it.
ReadWords = Callable[[bool, bool, bytes], tuple[str, str]]

# Words of the filter bar's text that are criteria, not text to find: "name:x", 'kind:"a b"'.
_TERM: Final = re.compile(r'(?<!\S)(name|kind):(?:"([^"]*)"|(\S+))', re.IGNORECASE)

# Readings kept per block of this many event ids.
_BLOCK: Final = 4096


def split_terms(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """(the text left, names, kinds) of what was typed in the filter bar."""
    names: set[str] = set()
    kinds: set[str] = set()

    def take(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if value:
            (names if match.group(1).lower() == "name" else kinds).add(value)
        return ""

    rest = _TERM.sub(take, text)
    if rest == text:
        return text, frozenset(), frozenset()
    return " ".join(rest.split()), frozenset(names), frozenset(kinds)


def pattern_test(patterns: Iterable[str]) -> Callable[[str], object] | None:
    """A test of a whole word against patterns where `*` is any run of characters."""
    alternatives = [".*".join(map(re.escape, p.split("*"))) for p in sorted(patterns)]
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.IGNORECASE | re.DOTALL).fullmatch


class ReadingCache:
    """Messages' readings by event id, for the scans of one log with one reader.

    Kept in blocks of ids; each distinct (kind, name) is stored once, so a log of a million
    events of a few names costs a pointer a message."""

    __slots__ = ("_blocks", "_interned", "_read")

    def __init__(self) -> None:
        self._blocks: dict[int, list[tuple[str, str] | None]] = {}
        self._interned: dict[tuple[str, str], tuple[str, str]] = {}
        self._read: ReadWords | None = None

    def readings(
        self, read: ReadWords, entries: Sequence[Entry], indexes: Iterable[int], first_id: int
    ) -> list[tuple[str, str]]:
        """The reading of each message at `indexes` (their ids: `first_id` + index)."""
        if read is not self._read:  # another protocol, or the session's own after opening
            self.clear()
            self._read = read
        blocks = self._blocks
        interned = self._interned
        out: list[tuple[str, str]] = []
        for index in indexes:
            block_id, offset = divmod(first_id + index, _BLOCK)
            block = blocks.get(block_id)
            if block is None:
                block = blocks[block_id] = [None] * _BLOCK
            pair = block[offset]
            if pair is None:
                entry = entries[index]
                pair = read(entry[1], entry[2], entry[3])  # type: ignore[index]
                pair = block[offset] = interned.setdefault(pair, pair)
            out.append(pair)
        return out

    def forget_before(self, first_id: int) -> None:
        """Drop the blocks of events the log no longer holds."""
        for block_id in [b for b in self._blocks if (b + 1) * _BLOCK <= first_id]:
            del self._blocks[block_id]

    def clear(self) -> None:
        self._blocks.clear()
        self._interned.clear()


class _Scanner(Protocol):
    def scan(
        self,
        entries: Sequence[Entry],
        start: int = 0,
        stop: int | None = None,
        cache: Any = None,
    ) -> array[int]: ...

    def test_entry(self, entry: Entry) -> bool: ...


class ReadingTest:
    """The filter's test where messages are read by a protocol (built by filtering.Predicate).

    `scope` tests all the rest but the text (direction, type, connection), `base` that and the
    text against payloads and other events' summaries; a message passes the scope, the name and
    kind criteria, and the text in its payload or in its reading's words.
    """

    __slots__ = ("_base", "_kinds", "_names", "_read", "_scope", "_text")

    def __init__(
        self,
        read: ReadWords,
        scope: _Scanner,
        base: _Scanner,
        text: TextSearch | None,
        names: frozenset[str],
        kinds: frozenset[str],
    ) -> None:
        self._read = read
        self._scope = scope
        self._base = base
        self._text = text
        self._names = pattern_test(names)
        self._kinds = pattern_test(kinds)

    def _passes(self, pair: tuple[str, str], payload_hit: bool) -> bool:
        kind, name = pair
        if self._kinds is not None and not self._kinds(kind):
            return False
        if self._names is not None and not self._names(name):
            return False
        text = self._text
        return text is None or payload_hit or text.matches(f"{kind} {name}")

    def test_entry(self, entry: Entry) -> bool:
        if not self._scope.test_entry(entry):
            return False
        hit = self._base.test_entry(entry)
        if entry.__class__ is not tuple:
            return hit and self._names is None and self._kinds is None
        pair = self._read(entry[1], entry[2], entry[3])
        return self._passes(pair, hit)

    def scan(
        self,
        entries: Sequence[Entry],
        start: int,
        stop: int,
        scan_cache: object,
        readings: ReadingCache | None,
        first_id: int,
    ) -> array[int]:
        """Indexes in [start, stop) that pass; `scan_cache` is the payloads' (a ScanCache)."""
        in_scope = self._scope.scan(entries, start, stop)
        text = self._text
        hits = set(self._base.scan(entries, start, stop, scan_cache)) if text else set()
        messages = [index for index in in_scope if entries[index].__class__ is tuple]
        if readings is None:
            read = self._read
            pairs = [read(*entries[index][1:4]) for index in messages]  # type: ignore[index]
        else:
            pairs = readings.readings(self._read, entries, messages, first_id)
            readings.forget_before(first_id)
        passes = self._passes
        kept = {
            index
            for index, pair in zip(messages, pairs, strict=True)
            if passes(pair, index in hits)
        }
        # Other events: as the filter without protocol says, unless a name or kind is asked.
        others_pass = self._names is None and self._kinds is None
        out: array[int] = array("q")
        out.extend(
            index
            for index in in_scope
            if index in kept
            or (
                others_pass
                and entries[index].__class__ is not tuple
                and (text is None or index in hits)
            )
        )
        return out
