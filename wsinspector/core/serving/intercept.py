"""Holding messages on their way through a relay, one direction at a time, in order.

A `Lane` is one direction of one relayed client: the messages that can't go on yet, oldest
first. A message the intercept rule matches is held until the user forwards it (as it is or
edited) or drops it; every message behind a held one waits, even one nobody holds, so the
peer gets them in the order they came. An empty lane costs nothing: the relay then sends
straight from its reader (the flood's path) and never touches the lane.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from wsinspector.core.log.events import Direction
from wsinspector.core.log.filtering import LogFilter, Predicate, compile_filter


class Outcome(enum.Enum):
    WAITING = "waiting"  # behind a held message, goes on by itself
    HELD = "held"  # waits for the user
    FORWARD = "forward"
    DROP = "drop"


@dataclass(slots=True)
class Waiting:
    """A message in a lane: the log's id of the row it arrived as, and what goes on."""

    event_id: int
    text: bool
    data: bytes
    outcome: Outcome = Outcome.WAITING
    # The payload the user put in its place (None: as it arrived).
    edited: bytes | None = None

    @property
    def ready(self) -> bool:
        return self.outcome is not Outcome.HELD


@dataclass(frozen=True, slots=True)
class InterceptRule:
    """Which messages to hold: those of `directions` that `log_filter` matches.

    The filter is the log's filter language (core/log/filtering.py); its message test sees
    a message as a client page would: toward the upstream is "sent", toward the app
    "received".
    """

    log_filter: LogFilter = field(default_factory=LogFilter)
    directions: frozenset[Direction] = frozenset({Direction.OUT, Direction.IN})

    def compiled(self) -> Predicate:
        return compile_filter(self.log_filter)


Send = Callable[[Waiting], Awaitable[None]]


class Lane:
    """One direction's queue and the task that empties it into the peer, in order."""

    def __init__(self, direction: Direction, send: Send) -> None:
        self.direction = direction
        self.queue: deque[Waiting] = deque()
        self._send = send
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def __bool__(self) -> bool:
        """True while messages wait: new ones must queue behind them."""
        return bool(self.queue)

    def push(self, waiting: Waiting) -> None:
        self.queue.append(waiting)
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"wsinspector-lane-{self.direction.value}"
            )

    def held(self) -> list[Waiting]:
        return [waiting for waiting in self.queue if waiting.outcome is Outcome.HELD]

    def find(self, event_id: int) -> Waiting | None:
        for waiting in self.queue:
            if waiting.event_id == event_id:
                return waiting
        return None

    def decide(self, waiting: Waiting, outcome: Outcome, edited: bytes | None = None) -> None:
        waiting.outcome = outcome
        waiting.edited = edited
        self._wake.set()

    def release_all(self) -> int:
        """Forward every held message (in order); returns how many were held."""
        held = self.held()
        for waiting in held:
            waiting.outcome = Outcome.FORWARD
        self._wake.set()
        return len(held)

    async def drained(self) -> None:
        """Returns once nothing waits (a held message keeps it waiting)."""
        await self._idle.wait()

    def stop(self) -> list[Waiting]:
        """Stop sending; returns what was still queued (its peer is gone)."""
        left = list(self.queue)
        self.queue.clear()
        self._idle.set()
        if self._task is not None:
            self._task.cancel()
        return left

    async def _run(self) -> None:
        queue = self.queue
        while True:
            while queue and queue[0].ready:
                # Popped only once sent: while it goes out the lane is not empty, so the
                # reader queues the next message instead of overtaking it.
                head = queue[0]
                if head.outcome is not Outcome.DROP:
                    await self._send(head)
                if queue and queue[0] is head:
                    queue.popleft()
            if not queue:
                self._idle.set()
            self._wake.clear()
            await self._wake.wait()
