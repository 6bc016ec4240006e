"""Messages and bytes per second each way, and their history, from samples of the log's counters.

Nothing here runs per message: the EventLog already counts messages and payload bytes as it
appends them (`Counters`), and a RateMeter only reads those four numbers when sampled, a few
times a second, by whoever shows the rates. The rate over the last `window` seconds is the
difference between the newest sample and the oldest one still inside the window; a history
of one point per `step` seconds (rates and the last round-trip time) feeds a sparkline.
Timestamps are passed in (time.monotonic() in the app), so tests control them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from wsinspector.core.log.eventlog import Counters

# Seconds the status bar's rate looks back over.
RATE_WINDOW = 3.0
# One sparkline point per this many seconds, kept for HISTORY_SECONDS.
HISTORY_STEP = 1.0
HISTORY_SECONDS = 180.0


@dataclass(frozen=True, slots=True)
class Rates:
    """Per second, each way."""

    messages_in: float = 0.0
    messages_out: float = 0.0
    bytes_in: float = 0.0
    bytes_out: float = 0.0

    @property
    def messages(self) -> float:
        return self.messages_in + self.messages_out


@dataclass(frozen=True, slots=True)
class RatePoint:
    """One point of the history: when, the rates over the step before it, the last RTT."""

    time: float
    rates: Rates
    rtt: float | None


_Sample = tuple[float, int, int, int, int]


def _between(old: _Sample, new: _Sample) -> Rates:
    span = new[0] - old[0]
    if span <= 0:
        return Rates()
    return Rates(
        (new[1] - old[1]) / span,
        (new[2] - old[2]) / span,
        (new[3] - old[3]) / span,
        (new[4] - old[4]) / span,
    )


class RateMeter:
    def __init__(
        self,
        window: float = RATE_WINDOW,
        step: float = HISTORY_STEP,
        history_seconds: float = HISTORY_SECONDS,
    ) -> None:
        self.window = window
        self.step = step
        self._samples: deque[_Sample] = deque()
        self.history: deque[RatePoint] = deque(maxlen=max(1, int(history_seconds / step)))
        self._step_start: _Sample | None = None
        self.last_rtt: float | None = None

    def sample(self, now: float, counters: Counters, rtt: float | None = None) -> None:
        """Note the counters as they are at `now` (monotonic seconds), and the last RTT."""
        new = (
            now,
            counters.messages_in,
            counters.messages_out,
            counters.bytes_in,
            counters.bytes_out,
        )
        samples = self._samples
        if samples and any(n < o for n, o in zip(new[1:], samples[-1][1:], strict=True)):
            # The log was cleared: its counters started again from zero.
            samples.clear()
            self._step_start = None
        samples.append(new)
        # Keep the newest sample at or before the window's start: the rate spans it all.
        while len(samples) > 2 and samples[1][0] <= now - self.window:
            samples.popleft()
        if rtt is not None:
            self.last_rtt = rtt
        start = self._step_start
        if start is None:
            self._step_start = new
        elif now - start[0] >= self.step:
            self.history.append(RatePoint(now, _between(start, new), self.last_rtt))
            self._step_start = new

    def rates(self) -> Rates:
        """Per second over the last `window` seconds (or since the first sample)."""
        samples = self._samples
        if len(samples) < 2:
            return Rates()
        return _between(samples[0], samples[-1])

    def reset(self) -> None:
        self._samples.clear()
        self.history.clear()
        self._step_start = None
        self.last_rtt = None
