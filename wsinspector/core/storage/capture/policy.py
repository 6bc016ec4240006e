"""When a connection's traffic is recorded into the capture: one rule for every recorder.

The window's live pages and `wsinspector record` both record through a RecordingPolicy: it
listens to the connection's EventLog and, while switched on, starts a session of the capture
at the state event that begins each connection (connecting), which then records until that
connection ends (closed or failed, after any reconnects). Switching it off ends the session
under way; switching it on while a connection is active records from the next event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Event, StateEvent

if TYPE_CHECKING:
    from wsinspector.core.storage.capture.recorder import Recorder
    from wsinspector.core.storage.capture.store import CaptureStore
    from wsinspector.core.websocket.options import ConnectionOptions


@dataclass(frozen=True, slots=True)
class RecordingTarget:
    """What a session of the capture is filed under: the URI, the profile's name ("" for
    none) and the options the connection was opened with (None when not known)."""

    uri: str
    profile: str = ""
    options: ConnectionOptions | None = None


class RecordingPolicy:
    """Decides when `log`'s traffic is recorded into `capture` (None: never).

    `target` says, when a session starts, what it is filed under. Secret header and query
    values are stored redacted unless `redact` is False. Listener callbacks run where the log
    is appended to (the event loop).
    """

    def __init__(
        self,
        capture: CaptureStore | None,
        log: EventLog,
        target: Callable[[], RecordingTarget],
        *,
        enabled: bool = True,
        redact: bool = True,
    ) -> None:
        self.capture = capture
        self.log = log
        self.enabled = enabled
        self.redact = redact
        self._target = target
        self.recorder: Recorder | None = None
        self.session_id: int | None = None  # the last session recorded
        log.add_listener(self, messages=False)

    @property
    def can_record(self) -> bool:
        return self.capture is not None and not self.capture.closed

    @property
    def recording(self) -> bool:
        return self.recorder is not None and self.recorder.recording

    def set_enabled(self, on: bool, *, connection_active: bool) -> None:
        """Switched on or off by the user; on while a connection is active records it from
        the next event, off ends the session under way."""
        self.enabled = on
        if not on:
            self.stop("recording switched off")
        elif connection_active and not self.recording:
            self.start()

    def start(self, from_id: int | None = None) -> Recorder | None:
        """Record from the event `from_id` (default: the next one) until the connection
        ends; a recording under way is ended first. None when there is no capture."""
        capture = self.capture
        if capture is None or capture.closed:
            return None
        self.stop()
        target = self._target()
        self.recorder = capture.start_recording(
            self.log,
            uri=target.uri,
            profile=target.profile,
            options=target.options,
            redact_secrets=self.redact,
            from_id=from_id,
        )
        self.session_id = self.recorder.session_id
        return self.recorder

    def stop(self, words: str | None = None) -> None:
        """End the recording under way, if any (`words` say why, in the History)."""
        recorder, self.recorder = self.recorder, None
        if recorder is not None and recorder.recording:
            recorder.stop(words, wait=None)

    def flush(self) -> None:
        """Hand what the log holds to the capture now (before the log is cleared)."""
        if self.recorder is not None:
            self.recorder.flush()

    def detach(self) -> None:
        """Stop listening (the page or the command is done); a recording under way ends."""
        self.stop()
        self.log.remove_listener(self)

    # -- EventLogListener -------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        if self.enabled and type(event) is StateEvent and event.state is ConnState.CONNECTING:
            # A new connection begins with this event (the log's last): it is the first
            # recorded.
            self.start(log.next_id - 1)

    def messages_appended(self, log: EventLog) -> None:
        pass  # registered with messages=False

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass
