"""What bulk scans of a log share: a chunk of its payloads joined and lowered (one find runs
over the lot at C speed), and the ScanCache that keeps chunks between scans (filtering.py
scans with them)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate
from operator import itemgetter
from typing import Final, cast

from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.readings import ReadingCache

# Entries per step of a bulk scan: big enough that a join and a find run at C speed, small
# enough that the joined buffer stays in the CPU cache (about 400 KB of 100-byte messages).
CHUNK: Final = 4096


# A message entry's payload; a TypeError for any other event (see Chunk.of).
_PAYLOAD: Final = cast("Callable[[Entry], bytes]", itemgetter(3))


def _payloads(part: Sequence[Entry]) -> list[bytes]:
    """Each entry's payload; b"" for an event other than a message."""
    return [e[3] if e.__class__ is tuple else b"" for e in part]


class Chunk:
    """A chunk of a log as a bulk scan reads it: its payloads joined and lowered.

    Where each payload ends is worked out only when a search finds something (ends()): most
    chunks of a search hold no match.
    """

    __slots__ = ("_ends", "_part", "ascii", "first_entry", "last_entry", "lowered", "others")

    def __init__(self, lowered: bytes, part: Sequence[Entry], others: list[int]) -> None:
        self.lowered = lowered
        self._part: Sequence[Entry] | None = part
        self._ends: array[int] | list[int] | None = None
        self.ascii = lowered.isascii()  # lower() keeps bytes ASCII or not
        self.others = others  # positions of the entries that are not messages
        self.first_entry = part[0]
        self.last_entry = part[-1]

    @classmethod
    def of(cls, entries: Sequence[Entry], first: int, last: int) -> Chunk:
        part = entries[first:last]
        try:
            # An event other than a message has no item 3: a TypeError, and the slow way.
            joined = b"".join(map(_PAYLOAD, part))
            others: list[int] = []
        except TypeError:
            others = [local for local, e in enumerate(part) if e.__class__ is not tuple]
            joined = b"".join(_payloads(part))
        return cls(joined.lower(), part, others)

    def ends(self) -> list[int]:
        """Where each payload ends in `lowered`."""
        ends = self._ends
        if ends is None:
            assert self._part is not None
            payloads = _payloads(self._part) if self.others else map(_PAYLOAD, self._part)
            ends = self._ends = list(accumulate(map(len, payloads)))
            self._part = None
        elif isinstance(ends, array):
            return ends.tolist()  # bisect is much slower on an array than on a list
        return ends

    @property
    def size(self) -> int:
        """How many entries the chunk holds."""
        return len(self._part) if self._part is not None else len(self._ends or ())

    def payloads(self, entries: Sequence[Entry], first: int) -> list[bytes]:
        """The payloads as they are (b"" for other events), read again from the log."""
        return _payloads(entries[first : first + self.size])

    def compact(self) -> None:
        """Keep the ends in 8 bytes each, for a chunk kept in a ScanCache."""
        self._ends = array("q", self.ends())


class ScanCache:
    """What bulk scans of one log can share: its payloads joined and lowered, by chunk.

    Hold one per log while a filter is set and pass it to every filter_indexes() call:
    then each new search text costs only the search, not re-reading every payload
    (roughly 3 times faster for a substring over a million messages). It costs about as
    much memory as the payloads themselves; drop it when the filter is cleared. A chunk
    that changed (the log was cleared or dropped its oldest events) is read again.
    """

    __slots__ = ("_chunks", "readings")

    def __init__(self) -> None:
        self._chunks: dict[int, Chunk] = {}
        # What the page's protocol read in messages, for a filter that asks (readings.py).
        self.readings = ReadingCache()

    def chunk(self, entries: Sequence[Entry], first: int, last: int) -> Chunk:
        cached = self._chunks.get(first)
        if (
            cached is not None
            and cached.first_entry is entries[first]
            and cached.last_entry is entries[last - 1]
            and cached.size == last - first
        ):
            return cached
        chunk = Chunk.of(entries, first, last)
        if last - first == CHUNK:  # a whole chunk: kept; the growing tail is read each time
            chunk.compact()
            self._chunks[first] = chunk
        else:
            self._chunks.pop(first, None)
        return chunk

    def forget_from(self, length: int) -> None:
        """Drop chunks past the end of a log that shrank."""
        for first in [first for first in self._chunks if first >= length]:
            del self._chunks[first]

    def clear(self) -> None:
        self._chunks.clear()
        self.readings.clear()
