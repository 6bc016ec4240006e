"""The append-only store of events that the log view, exports and counters read.

Messages, the flood, are stored compactly: a plain tuple of plain values per message, turned
into a MessageEvent record only when somebody reads it. Such tuples are not tracked by the
cyclic garbage collector, whose full passes would otherwise walk every logged message
(148 ms per pass at 1,000,000 messages as frozen dataclass objects, 13 ms as tuples: a pause
the window would feel). Everything else (state, handshake, close, …) is rare and stored as the
record itself.

Appending is O(1) and does no formatting; listeners are told synchronously and must be cheap
(the Qt model only notes that rows are pending and inserts them on its own timer).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, overload, runtime_checkable

from wsinspector.core.log.events import Direction, Event, MessageEvent, message_event
from wsinspector.core.log.wireframes import FrameTable, MessageFrames

# A live log keeps this many events; past that the oldest are dropped, and said so.
DEFAULT_CAPACITY = 1_000_000

# (conn, incoming, text, data, wall, mono)
MessageEntry = tuple[int, bool, bool, bytes, float, float]


class EventLogListener(Protocol):
    def event_appended(self, log: EventLog, event: Event) -> None:
        """`event`, anything but a message, was appended."""

    def messages_appended(self, log: EventLog) -> None:
        """A message was appended (it is `log[-1]`). Called per message: keep it cheap."""

    def log_cleared(self, log: EventLog) -> None:
        """All events were removed."""

    def events_dropped(self, log: EventLog, count: int) -> None:
        """The `count` oldest events were dropped to keep the log within its capacity."""


@runtime_checkable
class DropWatcher(EventLogListener, Protocol):
    """A listener that must see the oldest events before they go, not only after: a Qt model
    announces rows it removes while their data is still there. Registered with add_listener
    like any listener, which notices the extra method (most listeners need only the after)."""

    def events_dropping(self, log: EventLog, count: int) -> None:
        """The `count` oldest events are about to be dropped: the log still holds them, and
        `events_dropped` follows once they are gone."""


@runtime_checkable
class BatchListener(EventLogListener, Protocol):
    """A message listener that can also take a read's messages at once: the framer appends a
    flood's read with one call (EventLog.extend_received) while every message listener can."""

    def messages_extended(self, log: EventLog, count: int) -> None:
        """`count` received messages were appended at once (the last `count` of the log, as
        far as its capacity kept them)."""


class EventSource(Protocol):
    """What the log view, the filter and the exporters read: a live EventLog, or a read-only
    log (imported from a file, or a recorded session read lazily from the capture)."""

    def __len__(self) -> int: ...

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...

    def entries(self) -> Sequence[Entry]:
        """The stored entries (message tuples and records), for fast scans."""
        ...

    def id_at(self, index: int) -> int:
        """The stable id of the event at `index`."""
        ...

    @property
    def dropped(self) -> int:
        """Events dropped for capacity (0 for a read-only log)."""
        ...

    @property
    def capacity(self) -> int | None: ...

    def add_listener(self, listener: EventLogListener, *, messages: bool = True) -> None: ...

    def listen_to_messages(self, listener: EventLogListener, listening: bool) -> None: ...

    def remove_listener(self, listener: EventLogListener) -> None: ...


@dataclass(slots=True)
class Counters:
    """Messages and payload bytes each way, kept as events are appended."""

    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


_IN = Direction.IN
_OUT = Direction.OUT


Entry = Event | MessageEntry


def to_event(entry: Entry) -> Event:
    """The event record for a stored entry (a message tuple or a record)."""
    if type(entry) is tuple:
        conn, incoming, text, data, wall, mono = entry
        return message_event(conn, _IN if incoming else _OUT, text, data, wall, mono)
    return entry  # type: ignore[return-value]


class StoredEvents(Sequence[Event]):
    """A sequence of events kept as stored entries (message tuples, other records) and turned
    into records only when read. EventLog and the logs read from files share it."""

    __slots__ = ("_entries",)

    # A list in EventLog and in logs read from files; a lazy sequence in a captured session.
    _entries: Sequence[Entry]

    def entries(self) -> Sequence[Entry]:
        """The stored entries, read-only: message tuples and records, for fast scans."""
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | Sequence[Event]:
        if isinstance(index, slice):
            return [to_event(entry) for entry in self._entries[index]]
        return to_event(self._entries[index])

    def __iter__(self) -> Iterator[Event]:
        return map(to_event, self._entries)


class EventLog(StoredEvents):
    """Events in order of arrival. Each has a stable id: its sequence number in this log.

    Ids start at 1 and are never reused: after clear() they go on counting, so an id named in
    an export, a filter or a capture always means the same event.
    """

    __slots__ = (
        "_capacity",
        "_connections",
        "_drop_watchers",
        "_first_id",
        "_limit",
        "_listeners",
        "_message_listeners",
        "_one_by_one",
        "counters",
        "dropped",
        "frames",
    )

    def __init__(self, capacity: int | None = DEFAULT_CAPACITY) -> None:
        self._connections = 0
        self._first_id = 1
        self._capacity = capacity
        # Trimming in steps of a tenth keeps the cost of dropping (a memmove of the list)
        # rare: the log holds between `capacity` and `capacity` + 10% events.
        self._limit = capacity + max(1, capacity // 10) if capacity else sys.maxsize
        # Events dropped for capacity since the log began (clear() does not count).
        self.dropped = 0
        self._entries: list[Entry] = []
        self._listeners: list[EventLogListener] = []
        self._message_listeners: list[EventLogListener] = []
        # The message listeners that are not BatchListeners: while any is, messages are
        # appended one by one (`tells_messages`).
        self._one_by_one: list[EventLogListener] = []
        self._drop_watchers: list[DropWatcher] = []
        self.counters = Counters()
        # The frames of the messages that tell more than their payload (fragmented,
        # compressed, or logged while a frame view was on), by event id: a side table, so a
        # plain message stays one small tuple.
        self.frames = FrameTable()

    def set_frames(self, event_id: int, frames: MessageFrames) -> None:
        """Keep the frames message `event_id` crossed the wire in."""
        if self.index_of(event_id) is not None:
            self.frames.set(event_id, frames)

    def frames_of(self, event_id: int) -> MessageFrames | None:
        """The frames of message `event_id`, or None for a plain message (or none kept)."""
        return self.frames.get(event_id)

    def next_connection_number(self) -> int:
        """A number for a new connection: 1, 2, 3 … across sessions, and across clear()."""
        self._connections += 1
        return self._connections

    @property
    def first_id(self) -> int:
        """The id of `log[0]`; ids of later events follow one by one."""
        return self._first_id

    @property
    def next_id(self) -> int:
        """The id the next appended event will get."""
        return self._first_id + len(self._entries)

    def id_at(self, index: int) -> int:
        """The stable id of `log[index]` (a negative index counts from the end)."""
        if index < 0:
            index += len(self._entries)
        if not 0 <= index < len(self._entries):
            raise IndexError(f"no event at index {index}")
        return self._first_id + index

    def index_of(self, event_id: int) -> int | None:
        """Where the event with this id is now, or None when it was cleared or is yet to come."""
        index = event_id - self._first_id
        return index if 0 <= index < len(self._entries) else None

    def add_listener(self, listener: EventLogListener, *, messages: bool = True) -> None:
        """Tell `listener` of every append; of messages too unless `messages` is False."""
        self._listeners.append(listener)
        if messages:
            self.listen_to_messages(listener, True)
        if isinstance(listener, DropWatcher):
            self._drop_watchers.append(listener)

    def listen_to_messages(self, listener: EventLogListener, listening: bool) -> None:
        """Tell an added `listener` of each message from now on, or no longer: a listener
        that needs messages only sometimes costs a flood nothing the rest of the time."""
        if listening and listener not in self._message_listeners:
            self._message_listeners.append(listener)
            if not isinstance(listener, BatchListener):
                self._one_by_one.append(listener)
        elif not listening and listener in self._message_listeners:
            self._message_listeners.remove(listener)
            if listener in self._one_by_one:
                self._one_by_one.remove(listener)

    def remove_listener(self, listener: EventLogListener) -> None:
        self._listeners.remove(listener)
        self.listen_to_messages(listener, False)
        if listener in self._drop_watchers:
            self._drop_watchers.remove(listener)

    def append(self, event: Event) -> None:
        if type(event) is MessageEvent:
            self.append_message(
                event.conn,
                event.direction is _IN,
                event.text,
                event.data,
                event.wall,
                event.mono,
            )
            return
        self._entries.append(event)
        if len(self._entries) > self._limit:
            self._trim()
        for listener in self._listeners:
            listener.event_appended(self, event)

    def append_message(
        self, conn: int, incoming: bool, text: bool, data: bytes, wall: float, mono: float
    ) -> None:
        """Append a message without building its record: the hot path of a flood."""
        entries = self._entries
        entries.append((conn, incoming, text, data, wall, mono))
        if len(entries) > self._limit:
            self._trim()
        counters = self.counters
        if incoming:
            counters.messages_in += 1
            counters.bytes_in += len(data)
        else:
            counters.messages_out += 1
            counters.bytes_out += len(data)
        for listener in self._message_listeners:
            listener.messages_appended(self)

    @property
    def tells_messages(self) -> bool:
        """A listener wants to hear of each message as it is appended (messages_appended)
        and can't take them a read at a time (BatchListener)."""
        return bool(self._one_by_one)

    def extend_received(self, batch: list[MessageEntry], size: int) -> None:
        """Append received messages at once, as append_message keeps them, their payloads
        `size` bytes in all: for a read of a flood while no listener wants each message one
        by one (`tells_messages`); BatchListeners hear of them with one call, the others on
        their next look."""
        entries = self._entries
        entries.extend(batch)
        counters = self.counters
        counters.messages_in += len(batch)
        counters.bytes_in += size
        if len(entries) > self._limit:
            self._trim()
        for listener in self._message_listeners:
            listener.messages_extended(self, len(batch))  # type: ignore[attr-defined]

    @property
    def capacity(self) -> int | None:
        """The most events kept; the oldest go first, never silently (see `dropped`)."""
        return self._capacity

    def _trim(self) -> None:
        assert self._capacity is not None
        count = len(self._entries) - self._capacity
        # Watchers first, while the events are still here: a model must announce the rows it
        # removes before their data shifts (Qt's model tester checks it).
        for watcher in self._drop_watchers:
            watcher.events_dropping(self, count)
        del self._entries[:count]
        self._first_id += count
        self.dropped += count
        if self.frames:
            self.frames.drop_before(self._first_id)
        for listener in self._listeners:
            listener.events_dropped(self, count)

    def clear(self) -> None:
        self._first_id += len(self._entries)
        self._entries.clear()
        self.frames = FrameTable()
        self.counters = Counters()
        for listener in self._listeners:
            listener.log_cleared(self)
