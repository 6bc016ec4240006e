"""Repeat sending: one message sent every N ms, K times or until stopped.

The schedule is kept on the loop's clock from the first send, so the interval does not drift
by the time each send takes; a repeater that falls behind (a busy loop, a 1 ms interval) does
not send the missed ticks in a burst to catch up: it goes on from now. Between two sends it
always yields to the loop (asyncio.sleep), so the window keeps painting and answering at any
interval. Each send is the caller's: it prepares the message afresh (so {{$counter}} and the
other dynamic values advance) and says why not when it can't.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from wsinspector.core.app.tasks import TaskSet

INTERVAL_MS_MAX = 3_600_000
TIMES_MAX = 1_000_000_000


@dataclass(frozen=True, slots=True)
class RepeatPlan:
    interval_ms: int
    times: int | None  # None: until stopped

    def words(self) -> str:
        every = f"every {self.interval_ms} ms"
        return f"{every}, {self.times} times" if self.times else f"{every} until stopped"


def check_plan(plan: RepeatPlan) -> str | None:
    if not 1 <= plan.interval_ms <= INTERVAL_MS_MAX:
        return f"The interval is 1 to {INTERVAL_MS_MAX} ms"
    if plan.times is not None and not 1 <= plan.times <= TIMES_MAX:
        return "Send it at least once"
    return None


# One send: "" when sent, else why not (which ends the repeat).
SendOnce = Callable[[], str]


class Repeater:
    """Calls `send` on `plan`'s schedule in a task of the running loop.

    `on_progress(sent)` follows each send; `on_end(sent, why)` comes once at the end: why is
    "" when all `times` were sent, "stopped" after stop(), or the send's problem.
    """

    def __init__(
        self,
        plan: RepeatPlan,
        send: SendOnce,
        on_progress: Callable[[int], None],
        on_end: Callable[[int, str], None],
    ) -> None:
        self.plan = plan
        self.sent = 0
        self._send = send
        self._on_progress = on_progress
        self._on_end = on_end
        self._tasks = TaskSet()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = self._tasks.spawn(self._run())

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.plan.interval_ms / 1000
        times = self.plan.times
        next_at = loop.time()
        why = ""
        try:
            while times is None or self.sent < times:
                problem = self._send()
                if problem:
                    why = problem
                    break
                self.sent += 1
                self._on_progress(self.sent)
                if times is not None and self.sent >= times:
                    break
                now = loop.time()
                # Late: go on from now rather than send the missed ticks at once.
                next_at = max(next_at + interval, now)
                await asyncio.sleep(next_at - now)
        except asyncio.CancelledError:
            why = "stopped"
        self._on_end(self.sent, why)
