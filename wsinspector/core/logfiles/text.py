"""Logs for people and spreadsheets: a CSV table and a text transcript, in the log's wording.

Both use wsinspector.core.describe: the CSV's type column is describe.event_type, its payload
column describe.payload_text (text, hex for binary, the summary for other events), and each
transcript line is describe.transcript_line.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Final

from wsinspector.core.describe import event_size, event_type, payload_text, transcript_line
from wsinspector.core.eventlog import to_event
from wsinspector.core.events import Direction, Event
from wsinspector.core.logfiles.common import EntryLog, redact_event

CSV_COLUMNS: Final = ("time", "connection", "direction", "type", "size", "payload")


class _IsoTimes:
    """Local ISO 8601 times with milliseconds and the UTC offset: 2024-05-01T12:34:56.789+02:00.

    Formatting a datetime per row would be most of a CSV export's time; a flood's messages
    share their seconds, so each second is formatted once.
    """

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        # second → (its local date and time, its UTC offset), as UTF-8
        self.seconds: dict[int, tuple[bytes, bytes]] = {}

    def __call__(self, wall: float) -> bytes:
        second = math.floor(wall)
        # Rounded to the microsecond first, as datetime.fromtimestamp() does for the log's
        # time column, so that both show the same millisecond.
        micro = int((wall - second) * 1_000_000 + 0.5)
        if micro >= 1_000_000:
            second += 1
            micro -= 1_000_000
        parts = self.seconds.get(second)
        if parts is None:
            if len(self.seconds) > 4096:
                self.seconds.clear()
            moment = datetime.fromtimestamp(second).astimezone()
            offset = moment.strftime("%z")
            parts = (f"{moment:%Y-%m-%dT%H:%M:%S}".encode(), f"{offset[:3]}:{offset[3:]}".encode())
            self.seconds[second] = parts
        return parts[0] + _MILLIS[micro // 1000] + parts[1]


_MILLIS: Final = tuple(f".{ms:03d}".encode() for ms in range(1000))
_DIRECTIONS: Final = (b"sent", b"received")
_KINDS: Final = (b"binary", b"text")


def _quoted(text: str) -> bytes:
    return b'"' + text.replace('"', '""').encode() + b'"'


def _all_utf8(payloads: list[bytes]) -> bool:
    """Whether every payload is valid UTF-8, in one decode: a newline between two payloads
    ends any sequence the first leaves open, so no two can make up a character together."""
    try:
        b"\n".join(payloads).decode()
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def write_csv(out: IO[bytes], log: EntryLog, *, redact: bool, chunk: int) -> Iterator[int]:
    """UTF-8 CSV (RFC 4180: CRLF line ends, the payload always quoted) with a header row.

    Written by hand, as bytes, rather than with the csv module, which takes several times
    longer per row: only the payload column can hold commas, quotes or line breaks, and a
    text payload that is valid UTF-8 is already its own UTF-8 encoding.
    """
    iso = _IsoTimes()
    seconds = iso.seconds
    out.write((",".join(CSV_COLUMNS) + "\r\n").encode())
    entries = log.entries()
    total = len(entries)
    for first in range(0, total, chunk):
        part = entries[first : first + chunk]
        all_utf8 = _all_utf8([e[3] for e in part if e.__class__ is tuple and e[2]])
        lines: list[bytes] = []
        append = lines.append
        # Each millisecond's time column, made once: a flood has dozens of rows in each.
        times: dict[int, bytes] = {}
        for entry in part:
            if entry.__class__ is tuple:
                conn, incoming, text, data, wall, _mono = entry
                # _IsoTimes.__call__, inline: a call per row costs more than the rest of it.
                second = int(wall)
                millis = int((wall - second) * 1_000_000 + 0.5) // 1000
                time = times.get(second * 1000 + millis)
                if time is None:
                    parts = seconds.get(second)
                    if parts is None or millis >= 1000 or wall < 0:
                        time = iso(wall)
                    else:
                        time = parts[0] + _MILLIS[millis] + parts[1]
                        times[second * 1000 + millis] = time
                if text and (all_utf8 or _is_utf8(data)):
                    payload = data.replace(b'"', b'""')
                else:  # binary, or text that is not UTF-8: hex
                    payload = data.hex(" ").encode()
                append(
                    b'%b,%d,%b,%b,%d,"%b"\r\n'
                    % (time, conn, _DIRECTIONS[incoming], _KINDS[text], len(data), payload)
                )
            else:
                event: Event = entry  # type: ignore[assignment]
                if redact:
                    event = redact_event(event)
                size = event_size(event)
                append(
                    iso(event.wall)
                    + f",{event.conn},{_direction(event)},{event_type(event)},"
                    f"{'' if size is None else size},".encode()
                    + _quoted(payload_text(event))
                    + b"\r\n"
                )
        out.write(b"".join(lines))
        yield min(first + chunk, total)


def _direction(event: Event) -> str:
    direction = getattr(event, "direction", None)
    if direction is Direction.OUT:
        return "sent"
    if direction is Direction.IN:
        return "received"
    return ""


def write_txt(out: IO[bytes], log: EntryLog, *, redact: bool, chunk: int) -> Iterator[int]:
    """One describe.transcript_line per event; yields events written."""
    entries = log.entries()
    total = len(entries)
    for first in range(0, total, chunk):
        lines: list[str] = []
        for entry in entries[first : first + chunk]:
            event = to_event(entry)
            if redact and entry.__class__ is not tuple:
                event = redact_event(event)
            lines.append(transcript_line(event))
        lines.append("")
        out.write("\n".join(lines).encode())
        yield min(first + chunk, total)
