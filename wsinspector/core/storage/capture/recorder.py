"""Recording one connection's lifetime from its EventLog into the capture.

A Recorder listens to the log. Per message it does nothing at all: the messages stay where
the log keeps them. Every BUSY_FLUSH_INTERVAL while messages keep coming, every
FLUSH_INTERVAL once they stop, and on any other event, the recorder copies the new slice of
the log (references only) and hands it to the writer thread, which builds the rows and
commits them. Only while idle does it listen to messages: the first one to come brings the
next hand-over forward. So a process killed in a flood loses at most the last
BUSY_FLUSH_INTERVAL plus one commit: well under a second.

A log with a small capacity drops its oldest events as new ones come: the recorder hears of
it first (events_dropping) and hands over what it has not yet. Without a loop for its timer,
the recorder counts messages and hands over every BATCH.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import CloseEvent, ConnState, ErrorEvent, Event, StateEvent
from wsinspector.core.storage.capture.wording import recording_end_words
from wsinspector.core.storage.capture.writer import EndJob, EventsJob, Writer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wsinspector.core.log.eventlog import Entry

# How often new events go to the writer: the most a SIGKILL can lose, less one commit.
FLUSH_INTERVAL: Final = 0.25
# How often while they keep coming. The writer packs what it is handed in one go, holding the
# GIL a chunk at a time: a quarter second of a flood, 70,000 messages, kept the event loop
# waiting 20-60 ms for it (issue 20: loop lag p99 of a recording deflate flood of 1,000,000
# messages 25-32 ms; 8-17 ms handed over every 0.05 s).
BUSY_FLUSH_INTERVAL: Final = 0.05
# Messages per hand-over, at most, when the recorder counts them (no loop, so no timer).
BATCH: Final = 8192


class Recorder:
    """Records the events appended to one EventLog as one session of the capture.

    Made by CaptureStore.start_recording(). It records from the moment it is made until
    stop(), or, with `until_end`, until the connection ends (state closed or failed).
    Listener callbacks run where the log is appended to (the event loop).
    """

    def __init__(
        self,
        writer: Writer,
        log: EventLog,
        session_id: int,
        *,
        redact: bool,
        until_end: bool,
        from_id: int | None = None,
        on_stopped: Callable[[Recorder], None] | None = None,
    ) -> None:
        self.session_id = session_id
        self._writer = writer
        self._log = log
        self._redact = redact
        self._until_end = until_end
        self._on_stopped = on_stopped
        # The id of the first event not handed over yet.
        self._next_id = log.next_id if from_id is None else max(from_id, log.first_id)
        self._row = 0  # rows handed over so far: the next row's place in the session
        self._unsent = 0
        self.lost = 0  # events gone from the log before they could be taken (log cleared)
        self._close: CloseEvent | None = None
        self._error: str = ""
        self._stopped = False
        self._timer: asyncio.TimerHandle | None = None
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None  # no loop (a plain script): handed over by size and at stop()
        # Without a loop there is no timer: messages are counted and handed over by size.
        self._counting = self._loop is None
        # While idle (nothing new at the last hand-over) the recorder listens for the first
        # message, which brings the next hand-over forward to BUSY_FLUSH_INTERVAL.
        self._idle = self._loop is not None
        self._listening = self._counting or self._idle  # to messages
        log.add_listener(self, messages=self._listening)
        self._arm()

    @property
    def recording(self) -> bool:
        return not self._stopped

    @property
    def rows(self) -> int:
        """Events handed over to the writer so far."""
        return self._row

    # -- EventLogListener ----------

    def messages_appended(self, log: EventLog) -> None:
        self.messages_extended(log, 1)

    def messages_extended(self, log: EventLog, count: int) -> None:
        if self._idle:
            self._wake()
        self._unsent += count
        if self._unsent >= BATCH:
            self.flush()

    def event_appended(self, log: EventLog, event: Event) -> None:
        if self._stopped:
            return
        kind = type(event)
        if kind is CloseEvent:
            self._close = event  # type: ignore[assignment]
        elif kind is ErrorEvent:
            self._error = event.message  # type: ignore[attr-defined]
        elif kind is StateEvent:
            state = event.state  # type: ignore[attr-defined]
            if state is ConnState.FAILED and event.error:  # type: ignore[attr-defined]
                self._error = event.error  # type: ignore[attr-defined]
            elif state is ConnState.CONNECTING or state is ConnState.OPEN:
                self._error = ""
            if self._until_end and state in (ConnState.CLOSED, ConnState.FAILED):
                self._finish(None, inside_callback=True)
                return
        self.flush()

    def events_dropping(self, log: EventLog, count: int) -> None:
        # A read appended at once can overflow a small log before any listener hears of it:
        # what is about to go is handed over while it is still there.
        if self._next_id < log.first_id + count:
            self.flush()

    def events_dropped(self, log: EventLog, count: int) -> None:
        if self._next_id < log.first_id:  # none, as events_dropping handed them over first
            self.lost += log.first_id - self._next_id
            self._next_id = log.first_id

    def log_cleared(self, log: EventLog) -> None:
        # The page flushes the recorder before clearing; anything else is counted as lost.
        self.lost += log.next_id - self._next_id
        self._next_id = log.next_id
        self._unsent = 0

    # -- handing over ----------

    def flush(self) -> int:
        """Hand every event not handed over yet to the writer (it commits them soon); how
        many that was."""
        self._unsent = 0
        if self._stopped:
            return 0
        log = self._log
        start = self._next_id - log.first_id
        entries: Sequence[Entry] = log.entries()
        if start >= len(entries):
            return 0
        batch = entries[start:]
        self._writer.put(EventsJob(self.session_id, self._row, self._next_id, batch, self._redact))
        self._row += len(batch)
        self._next_id += len(batch)
        return len(batch)

    def _arm(self, interval: float = FLUSH_INTERVAL) -> None:
        if self._loop is not None and not self._stopped:
            self._timer = self._loop.call_later(interval, self._tick)

    def _tick(self) -> None:
        idle = not self.flush()
        if idle != self._listening and not self._counting and not self._stopped:
            # Not from inside a listener callback: the log is not telling its listeners now.
            self._log.listen_to_messages(self, idle)
            self._listening = idle
        self._idle = idle
        self._arm(FLUSH_INTERVAL if idle else BUSY_FLUSH_INTERVAL)

    def _wake(self) -> None:
        """Messages come again: hand them over soon, not a whole FLUSH_INTERVAL on."""
        self._idle = False  # the next tick stops listening
        if self._timer is not None and not self._stopped:
            self._timer.cancel()
            self._arm(BUSY_FLUSH_INTERVAL)

    # -- the end ----------

    def stop(self, words: str | None = None, *, wait: float | None = 5.0) -> None:
        """Hand over what is left, write the session's end and stop listening.

        `words` say how it ended when the connection did not (e.g. "recording switched off");
        by default they come from the last close or error seen. With `wait`, returns once
        the writer has committed it all (or after `wait` seconds).
        """
        if not self._stopped:
            # Detached later when a loop runs: stop() may be called from a log listener.
            running = self._loop is not None and self._loop.is_running()
            self._finish(words, inside_callback=running)
        if wait is not None:
            self._writer.sync(wait)

    def _finish(self, words: str | None, *, inside_callback: bool) -> None:
        self.flush()
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        end = words if words is not None else recording_end_words(self._close, self._error)
        self._writer.put(EndJob(self.session_id, time.time(), end))
        # Not while the log is telling its listeners: removing one would make it skip the
        # next. Without a loop to do it later, the stopped recorder stays attached, inert.
        if not inside_callback:
            self._detach()
        elif self._loop is not None and self._loop.is_running():
            self._loop.call_soon(self._detach)
        if self._on_stopped is not None:
            self._on_stopped(self)

    def _detach(self) -> None:
        with contextlib.suppress(ValueError):  # already removed
            self._log.remove_listener(self)
