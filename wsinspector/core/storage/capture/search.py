"""Search across sessions: text messages of every recorded session that contain some text.

Substring search, case-insensitive by Unicode case folding: the log filter's rule
(wsinspector.core.text.search). Messages are stored packed (packing.py): the text chunks are
read newest session first, and each chunk's payloads are searched at once. An all-ASCII chunk
is case folded by bytes.lower() and searched by bytes.find(); a match is mapped to its message
by bisection over the payloads' offsets, one that straddles two payloads is not a match (the
search goes on from its next byte), and Python finds where each hit is. A chunk with other
characters, or a needle with non-ASCII letters, is matched over the chunk's text case folded
(there "strasse" finds "Straße"), then message by message where the chunk holds a match.

Chosen by measurement (benchmarks/capture.py; 1,000,000 JSON ticks of ~100 bytes, 2 cores of
a shared AMD EPYC VM, SQLite 3.40.1, 2026-11-27), search for one hit / no hit:

    scan in Python (chosen)                            270 ms / 275 ms
    SQL narrows: CAST(payloads AS TEXT) LIKE '%text%'  170 ms /  65 ms

LIKE is faster but wrong here: it stops at a NUL character (valid in a text message), so a
chunk holding one would hide every later match in it. Both meet the 1-second target.

Before the packing (a row per message), an FTS5 trigram index was measured against the plain
scan (benchmarks/capture.py --fts): it answered in 9 ms but wrote 21 times fewer rows per
second (8,900 against 188,000) and took 3.4 times the disk, so the scan was chosen.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from wsinspector.core.storage.capture.packing import offsets, unpack_float
from wsinspector.core.storage.capture.schema import ROW_BITS, ROW_MASK
from wsinspector.core.text.search import TextSearch

PREVIEW_BEFORE: Final = 40
PREVIEW_CHARS: Final = 160
# Rows read per step of a scan: between steps `cancelled()` is asked.
_STEP_ROWS: Final = 200_000


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One text message that contains the search text.

    `row` is its place in its session (an index into store.session_events(session_id));
    `preview` a piece of the text around the match, which lies at `match_start` (in
    characters of the preview) and is `match_length` characters long.
    """

    session_id: int
    event_id: int
    row: int
    wall: float
    incoming: bool
    preview: str
    match_start: int
    match_length: int


def make_hit(
    key: int, event_id: int, wall: float, incoming: int, payload: bytes, needle: TextSearch
) -> SearchHit | None:
    text = payload.decode("utf-8", "replace")
    found = needle.locate(text)
    if found is None:
        return None
    start, length = found
    begin = max(0, start - PREVIEW_BEFORE)
    end = max(begin + PREVIEW_CHARS, start + length)
    preview = text[begin:end].replace("\n", " ").replace("\r", " ")
    return SearchHit(
        session_id=key >> ROW_BITS,
        event_id=event_id,
        row=key & ROW_MASK,
        wall=wall,
        incoming=incoming == 1,
        preview=preview,
        match_start=start - begin,
        match_length=length,
    )


def _chunk_hits(
    key: int,
    event_id: int,
    incoming: bytes,
    sizes: bytes,
    payloads: bytes,
    walls: bytes,
    needle: TextSearch,
) -> Iterator[SearchHit]:
    """The messages of one chunk of text messages that contain `needle`, in order."""
    bounds = offsets(sizes)

    def hit(index: int) -> SearchHit | None:
        return make_hit(
            key + index,
            event_id + index,
            unpack_float(walls, index),
            incoming[index],
            payloads[bounds[index] : bounds[index + 1]],
            needle,
        )

    target = needle.fold_ascii
    if target is not None and payloads.isascii():
        # ASCII case folded over the whole chunk at C speed, as LIKE does: a match is a
        # message's if it lies within one payload; one straddling two is not, and the search
        # goes on from its next byte.
        haystack = payloads.lower()
        found = haystack.find(target)
        while found >= 0:
            index = bisect_right(bounds, found) - 1
            end = bounds[index + 1]
            if found + len(target) <= end:
                one = hit(index)
                if one is not None:
                    yield one
                found = haystack.find(target, end)  # one hit per message
            else:
                found = haystack.find(target, found + 1)
        return
    # Unicode case folding works per character, so the chunk's folded text contains the
    # needle's if any message's does.
    if not needle.matches(payloads.decode("utf-8", "replace")):
        return
    for index in range(len(bounds) - 1):
        if needle.matches_payload(payloads[bounds[index] : bounds[index + 1]], False):
            one = hit(index)
            if one is not None:
                yield one


def search_text(
    connection: sqlite3.Connection,
    needle: str,
    limit: int,
    cancelled: Callable[[], bool] | None = None,
) -> list[SearchHit]:
    """Up to `limit` hits, newest session first (in order within a session), matched as the
    log filter matches (wsinspector.core.text.search): "strasse" finds "Straße"."""
    search = TextSearch.make(needle)
    if search is None or limit <= 0:
        return []
    hits: list[SearchHit] = []
    sessions = [
        row[0]
        for row in connection.execute("SELECT id FROM sessions ORDER BY started DESC, id DESC")
    ]
    for session_id in sessions:
        base = session_id << ROW_BITS
        start, stop = base, base | ROW_MASK
        while start <= stop:
            if cancelled is not None and cancelled():
                return hits
            step_stop = min(stop, start + _STEP_ROWS - 1)
            rows = connection.execute(
                "SELECT key, event_id, incoming, sizes, payloads, walls FROM events"
                " WHERE key >= ? AND key <= ? AND text = 1 ORDER BY key",
                (start, step_stop),
            )
            for key, event_id, incoming, sizes, payloads, walls in rows:
                for hit in _chunk_hits(key, event_id, incoming, sizes, payloads, walls, search):
                    hits.append(hit)
                    if len(hits) >= limit:
                        return hits
            last = connection.execute(
                "SELECT max(key) FROM events WHERE key >= ? AND key <= ?", (start, stop)
            ).fetchone()[0]
            if last is None or last <= step_stop:
                break
            start = step_stop + 1
    return hits
