"""The append-only store of events that the log view, exports and counters read.

Appending is O(1) and does no formatting; listeners are told synchronously and must be cheap
(the Qt model only notes that rows are pending and inserts them on its own timer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, overload

from wsinspector.core.events import Direction, Event, MessageEvent


class EventLogListener(Protocol):
    def event_appended(self, log: EventLog, event: Event) -> None:
        """`event` was appended; it is `log[-1]`. Called once per event: keep it cheap."""

    def log_cleared(self, log: EventLog) -> None:
        """All events were removed."""


@dataclass(slots=True)
class Counters:
    """Messages and payload bytes each way, kept as events are appended."""

    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


class EventLog(Sequence[Event]):
    __slots__ = ("_events", "_listeners", "counters")

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._listeners: list[EventLogListener] = []
        self.counters = Counters()

    def add_listener(self, listener: EventLogListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: EventLogListener) -> None:
        self._listeners.remove(listener)

    def append(self, event: Event) -> None:
        self._events.append(event)
        if type(event) is MessageEvent:
            counters = self.counters
            if event.direction is Direction.IN:
                counters.messages_in += 1
                counters.bytes_in += len(event.data)
            else:
                counters.messages_out += 1
                counters.bytes_out += len(event.data)
        for listener in self._listeners:
            listener.event_appended(self, event)

    def clear(self) -> None:
        self._events.clear()
        self.counters = Counters()
        for listener in self._listeners:
            listener.log_cleared(self)

    def __len__(self) -> int:
        return len(self._events)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | Sequence[Event]:
        return self._events[index]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)
