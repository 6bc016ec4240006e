"""What every log file format shares: errors, formats, secret redaction, snapshots, safe output."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import gc
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Final

from wsinspector.core.app.errors import InputError, UserError
from wsinspector.core.log.eventlog import Entry, EventLog, EventLogListener, StoredEvents, to_event
from wsinspector.core.log.events import (
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
)

# The secrets policy's names, where the log file formats have always imported them from.
from wsinspector.core.text.secrets import REDACTED as REDACTED
from wsinspector.core.text.secrets import is_secret_name as is_secret_name
from wsinspector.core.text.secrets import redact_headers as redact_headers
from wsinspector.core.text.secrets import redact_request_line, redact_text
from wsinspector.core.text.secrets import redact_uri as redact_uri

# The last second (the end of the year 9999) a time can have to be shown: datetime's range. A
# file that says 1e300 would otherwise be read, then fail every time a row of it is painted.
LATEST_WALL: Final = 253_402_300_799.0


def wall_out_of_range(wall: float) -> str | None:
    """Why `wall` (seconds since 1970) can't be a log's time, or None when it can."""
    if 0.0 <= wall <= LATEST_WALL:
        return None
    return f"a time between 1970 and the year 9999 (0 to {LATEST_WALL:.0f} s), not {wall!r}"


# Records encoded per orjson.dumps() call. Small enough that a batch's dicts are freed
# before the garbage collector promotes them to an older generation: with 10,000 per
# batch, the collector's full passes took as long as the encoding itself.
BATCH: Final = 1000


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a log file is read.

    Reading a million events makes a million containers; every few thousand of them start a
    collection, and the full ones walk everything alive, the window's own logs included: 10 to
    20% of an import's time. Nothing a reader builds can form a cycle, so nothing is left for
    the collector to find. It is switched on again however reading ends (unless it was off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def json_kind(value: object) -> str:
    """What a JSON value is, in the words of an error message ("a string", "an array")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class LogFileError(UserError):
    """A log file that can't be read: the message names the line or the JSON field."""


class Cancelled(Exception):
    """An export or import was cancelled: no file was written, nothing was read."""


class LogFormat(enum.StrEnum):
    JSONL = "jsonl"
    HAR = "har"
    CSV = "csv"
    TXT = "txt"

    @property
    def suffix(self) -> str:
        return "." + self.value

    @property
    def dialog_filter(self) -> str:
        """For a file dialog: 'HAR archive (*.har)'."""
        return _TITLES[self]


_TITLES: Final = {
    LogFormat.JSONL: "wsinspector log (*.jsonl)",
    LogFormat.HAR: "HAR archive (*.har)",
    LogFormat.CSV: "CSV table (*.csv)",
    LogFormat.TXT: "Text transcript (*.txt)",
}

_SUFFIXES: Final = {
    ".jsonl": LogFormat.JSONL,
    ".ndjson": LogFormat.JSONL,
    ".har": LogFormat.HAR,
    ".csv": LogFormat.CSV,
    ".txt": LogFormat.TXT,
    ".log": LogFormat.TXT,
}


def format_for_path(path: str | os.PathLike[str]) -> LogFormat:
    """The format a file name asks for by its suffix; InputError (a ValueError) for an
    unknown one."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        known = ", ".join(sorted(_SUFFIXES))
        raise InputError(
            f"can't tell the format from {suffix or 'a name without a suffix'}: use one of {known}"
        ) from None


# -- secrets: the policy is wsinspector.core.text.secrets ----------


def redact_event(event: Event) -> Event:
    """A copy of a non-message event with its secrets replaced by <redacted>."""
    if isinstance(event, HandshakeEvent):
        return dataclasses.replace(
            event,
            request_line=redact_request_line(event.request_line),
            request_headers=redact_headers(event.request_headers),
            response_headers=redact_headers(event.response_headers),
        )
    if isinstance(event, StateEvent):
        return dataclasses.replace(event, uri=redact_uri(event.uri), error=redact_text(event.error))
    if isinstance(event, ErrorEvent):
        return dataclasses.replace(
            event, message=redact_text(event.message), detail=redact_text(event.detail)
        )
    if isinstance(event, NoteEvent):
        return dataclasses.replace(event, text=redact_text(event.text))
    return event


# -- what gets exported ----------


class EntryLog(StoredEvents):
    """Events with their stable ids, stored the way EventLog stores them.

    Messages are plain tuples (see wsinspector.core.log.eventlog.MessageEntry) turned into
    MessageEvent records only when read, so a million imported messages cost tuples, not
    records. `entries()` gives the stored form, which wsinspector.core.log.filtering scans fast.
    """

    __slots__ = ("_ids",)

    def __init__(self, ids: Sequence[int], entries: list[Entry]) -> None:
        if len(ids) != len(entries):
            raise ValueError(f"{len(ids)} ids for {len(entries)} events")
        self._ids = ids
        self._entries = entries

    @property
    def ids(self) -> Sequence[int]:
        return self._ids

    def id_at(self, index: int) -> int:
        return self._ids[index]

    def items(self) -> Iterator[tuple[int, Event]]:
        """(id, event) pairs in order."""
        return zip(self._ids, map(to_event, self._entries), strict=True)

    # -- read-only as an EventSource (eventlog.EventSource): it never grows nor drops ----

    @property
    def dropped(self) -> int:
        return 0

    @property
    def capacity(self) -> int | None:
        return None

    def add_listener(self, listener: EventLogListener, *, messages: bool = True) -> None:
        """Nothing to tell: a read-only log never changes."""

    def listen_to_messages(self, listener: EventLogListener, listening: bool) -> None:
        """Nothing to tell (see add_listener)."""

    def remove_listener(self, listener: EventLogListener) -> None:
        """Nothing to undo (see add_listener)."""


LogSource = EventLog | EntryLog | Iterable[tuple[int, Event]]


def snapshot(source: LogSource) -> EntryLog:
    """The events of `source` as they are now, to export while the log goes on growing.

    An EventLog's list of entries is copied (cheap: references only), so call this where
    the log is appended to, e.g. on the event loop before handing the export to a thread.
    """
    if isinstance(source, EventLog):
        entries = _stored(source)
        first = source.first_id
        return EntryLog(range(first, first + len(entries)), list(entries))
    if isinstance(source, EntryLog):
        return source
    ids: list[int] = []
    stored: list[Entry] = []
    for event_id, event in source:
        ids.append(event_id)
        if type(event) is MessageEvent:
            stored.append(
                (
                    event.conn,
                    event.direction is Direction.IN,
                    event.text,
                    event.data,
                    event.wall,
                    event.mono,
                )
            )
        else:
            stored.append(event)
    return EntryLog(ids, stored)


def _stored(log: EventLog) -> Sequence[Entry]:
    accessor = getattr(log, "entries", None)  # a public read-only view, once EventLog has one
    if callable(accessor):
        entries: Sequence[Entry] = accessor()
        return entries
    # Until then the private list, only read here (copied by snapshot()).
    return log._entries


# -- writing a file whole or not at all ----------


class AtomicOutput:
    """A binary file written beside `path` under a temporary name, renamed over it on commit().

    abort() (or an exception inside `with`) removes the temporary file: a cancelled or failed
    export leaves no file behind, and never a half-written one in place of a good one.

    The file is not fsync'ed before the rename. An export is a copy of events the app still
    holds (and records), so surviving a power cut in the next seconds is not worth what the
    sync costs: 0.25 to 0.4 s for a million messages here, 15% of a JSONL export's time.
    """

    def __init__(self, path: str | os.PathLike[str], *, private: bool = False) -> None:
        self.path = os.path.abspath(os.fspath(path))
        folder, name = os.path.split(self.path)
        for _attempt in range(100):
            temp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
            try:
                # 0o666: the user's umask decides, as for any new file (mkstemp would say 0o600).
                # A file holding secret values is the user's alone: 0o600 (a umask only takes away).
                mode = 0o600 if private else 0o666
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, mode)
            except FileExistsError:
                continue
            break
        else:  # pragma: no cover - 100 random names taken
            raise FileExistsError(f"no free temporary name in {folder}")
        self.temp_path = temp
        self.file: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)
        self._done = False

    def commit(self) -> None:
        try:
            self.file.close()
            os.replace(self.temp_path, self.path)
        except BaseException:
            self.abort()
            raise
        self._done = True

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp_path)

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is not None:
            self.abort()


_O_BINARY: Final[int] = getattr(os, "O_BINARY", 0)
