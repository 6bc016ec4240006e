"""Messages packed into chunks: one database row holds a run of consecutive messages.

A row per message made the writer thread bind eight parameters per message holding the GIL,
and step SQLite once per message, releasing and taking the GIL each time: on two cores the
event loop, which receives the flood, lost a sixth of its rate to that. A chunk is built from
a run of message tuples by C-level operations only (map, bytes, join, struct.pack): no Python
bytecode runs per message, and SQLite steps once per chunk. Measured with benchmarks/capture.py
(1,000,000 JSON ticks of ~100 bytes, the log filled first): the writer thread alone wrote
150,000 messages/s a row each, 380,000-400,000 packed.

A chunk row (see schema.py) holds up to CHUNK_ROWS messages of one kind (all text or all
binary: search reads text chunks only) and about CHUNK_BYTES of payload (a bigger message
makes a chunk of its own):

    key       session << 32 | the first message's row
    event_id  the first message's id (the others follow it one by one)
    count     messages in the chunk
    conn      their connection, when it is the same for all (else `conns` says each)
    text      1 text, 0 binary
    incoming  a byte per message: 1 received, 0 sent
    sizes     uint32 per message: its payload's length
    payloads  the payloads, one after the other
    walls     float64 per message: time.time() when it was logged
    monos     float64 per message: time.monotonic() when it was logged

Arrays are stored little-endian whatever the machine.

A chunk of big messages (PARTS_AT_LEAST bytes of payload each, on average) leaves its payloads
apart, as Parts, for inserting.py to write one by one. Joined, a 1 MiB chunk was copied twice
holding the GIL (the join, then SQLite copying the bound parameter), and the event loop
receiving the flood on the other core waited for it.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import itemgetter
from typing import Final

from wsinspector.core.log.eventlog import MessageEntry

CHUNK_ROWS: Final = 2048
# A chunk grows to about this many payload bytes (each message whole).
CHUNK_BYTES: Final = 1 * 2**20
# A chunk whose messages carry this much payload on average is written a payload at a time
# (Parts): each write lets the GIL go and takes it back, which costs more than copying a
# small payload.
PARTS_AT_LEAST: Final = 8 * 2**10

_BIG_ENDIAN: Final = sys.byteorder == "big"

_conn = itemgetter(0)
_incoming = itemgetter(1)
_text = itemgetter(2)
_payload = itemgetter(3)
_wall = itemgetter(4)
_mono = itemgetter(5)

# The columns of a chunk row, in the order ChunkRow holds them.
CHUNK_COLUMNS: Final = (
    "key, event_id, count, conn, text, conns, incoming, sizes, payloads, walls, monos, wall"
)


@dataclass(frozen=True, slots=True)
class Parts:
    """A chunk's payloads, in order, still apart: `size` bytes in all."""

    payloads: list[bytes]
    size: int


# key, event_id, count, conn, text, conns, incoming, sizes, payloads, walls, monos, wall
ChunkRow = tuple[
    int, int, int, int, int, bytes | None, bytes, bytes, bytes | Parts, bytes, bytes, float
]
PAYLOADS_COLUMN: Final = 8


def _packed(code: str, values: list[int] | list[float]) -> bytes:
    """`values` as a little-endian array of `code` (struct.pack: faster than array from an
    iterator, and the byte order comes free)."""
    return struct.pack(f"<{len(values)}{code}", *values)


def _array(typecode: str, data: bytes) -> array[int] | array[float]:
    values: array[int] | array[float] = array(typecode)
    values.frombytes(data)
    if _BIG_ENDIAN:
        values.byteswap()
    return values


def _kind_runs(texts: bytes) -> Iterator[tuple[int, int, int]]:
    """(start, stop, text) of the runs of one kind in `texts` (a byte per message), found
    by bytes.find at C speed."""
    start, end = 0, len(texts)
    while start < end:
        kind = texts[start]
        stop = texts.find(b"\x00" if kind else b"\x01", start)
        stop = end if stop < 0 else stop
        yield start, stop, kind
        start = stop


def pack(
    run: Sequence[MessageEntry], key: int, first_id: int
) -> tuple[list[ChunkRow], int, int, int]:
    """The chunk rows of a run of consecutive messages whose first has `key` and id
    `first_id`; and the run's messages in, bytes in and bytes in total."""
    payloads = list(map(_payload, run))
    sizes = list(map(len, payloads))
    incoming = bytes(map(_incoming, run))
    texts = bytes(map(_text, run))
    conns = list(map(_conn, run))
    walls = list(map(_wall, run))
    monos = list(map(_mono, run))
    rows: list[ChunkRow] = []
    for start, stop, kind in _kind_runs(texts):
        first = start
        while first < stop:
            last = min(stop, first + CHUNK_ROWS)
            size = sum(sizes[first:last])
            if size > CHUNK_BYTES:  # big messages: fewer to a chunk
                ends = list(accumulate(sizes[first:last]))
                last = first + max(1, bisect_right(ends, CHUNK_BYTES))
                size = ends[last - first - 1]
            chunk_payloads = payloads[first:last]
            chunk_conns = conns[first:last]
            same = chunk_conns.count(chunk_conns[0]) == len(chunk_conns)
            rows.append(
                (
                    key + first,
                    first_id + first,
                    last - first,
                    chunk_conns[0],
                    kind,
                    None if same else _packed("q", chunk_conns),
                    incoming[first:last],
                    _packed("I", sizes[first:last]),
                    Parts(chunk_payloads, size)
                    if size >= PARTS_AT_LEAST * (last - first)
                    else b"".join(chunk_payloads),
                    _packed("d", walls[first:last]),
                    _packed("d", monos[first:last]),
                    walls[first],
                )
            )
            first = last
    return rows, incoming.count(1), sum(compress(sizes, incoming)), sum(sizes)


def offsets(sizes: bytes) -> list[int]:
    """Where each payload of a chunk starts in its `payloads`, and (last) where they end."""
    lengths: array[int] = _array("I", sizes)  # type: ignore[assignment]
    return [0, *accumulate(lengths)]


def unpack(
    count: int,
    conn: int,
    text: int,
    conns: bytes | None,
    incoming: bytes,
    sizes: bytes,
    payloads: bytes,
    walls: bytes,
    monos: bytes,
) -> list[MessageEntry]:
    """The message tuples of a chunk, as EventLog stores them. ValueError if it is damaged."""
    bounds = offsets(sizes)
    if len(bounds) != count + 1 or bounds[-1] != len(payloads) or len(incoming) != count:
        raise ValueError("damaged chunk")
    data = list(map(payloads.__getitem__, map(slice, bounds, bounds[1:])))
    wall_of = _array("d", walls)
    mono_of = _array("d", monos)
    conn_of = _array("q", conns) if conns is not None else None
    if len(wall_of) != count or len(mono_of) != count or len(conn_of or wall_of) != count:
        raise ValueError("damaged chunk")
    return list(
        zip(
            repeat(conn, count) if conn_of is None else conn_of,
            map(bool, incoming),
            repeat(text == 1, count),
            data,
            wall_of,
            mono_of,
            strict=True,
        )
    )


def unpack_float(values: bytes, index: int) -> float:
    """Item `index` of a chunk's float64 array (walls, monos)."""
    return float(_array("d", values[8 * index : 8 * index + 8])[0])
