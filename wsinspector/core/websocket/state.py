"""What one page's connection is now: state, retry countdown, last close, counters.

One object per connection page, fed by the page's EventLog, so that nothing about a
connection lives in the window and nothing goes stale when the next one starts: the last
close belongs to the run that produced it, and a stop the user asked for is told apart from
a failure.
"""

from __future__ import annotations

import time
from typing import Final

from wsinspector.core.log.eventlog import Counters, EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ErrorEvent,
    Event,
    HandshakeEvent,
    StateEvent,
)
from wsinspector.core.log.wording import close_words
from wsinspector.core.text.secrets import redact_text
from wsinspector.core.websocket.options import ConnectionOptions

ACTIVE_STATES: Final = frozenset(
    {ConnState.CONNECTING, ConnState.OPEN, ConnState.CLOSING, ConnState.RECONNECTING}
)

IDLE_TEXT: Final = "Not connected. Enter a ws:// or wss:// URI and connect."


class ConnectionState:
    """The state of one page's connection, kept up to date from its log's events (a
    tracker, not a connection: the session owns the socket)."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.options: ConnectionOptions | None = None
        self.state = ConnState.IDLE
        self.state_event: StateEvent | None = None
        self.last_close: CloseEvent | None = None
        self.last_handshake: HandshakeEvent | None = None
        self.last_error: ErrorEvent | None = None
        # What the connection was doing when the user asked it to stop, if they did.
        self.stopped_while: ConnState | None = None
        log.add_listener(self, messages=False)

    @property
    def counters(self) -> Counters:
        return self.log.counters

    @property
    def is_active(self) -> bool:
        """The last state the log told is connecting, open, closing or reconnecting (the
        controller's `is_running` says whether the session's task still runs)."""
        return self.state in ACTIVE_STATES

    @property
    def subprotocol(self) -> str | None:
        handshake = self.last_handshake
        return handshake.subprotocol if handshake is not None and handshake.accepted else None

    @property
    def retry_at(self) -> float | None:
        """When the next reconnect attempt starts (time.monotonic()), while waiting for it."""
        event = self.state_event
        if event is None or event.state is not ConnState.RECONNECTING or not event.delay:
            return None
        return event.mono + event.delay

    # -- what the page tells it -------------------------------------------------------------

    def begin(self, options: ConnectionOptions) -> None:
        """A new run starts: whatever the last one left behind is history now."""
        self.options = options
        self.last_close = None
        self.last_handshake = None
        self.last_error = None
        self.stopped_while = None

    def stop_requested(self) -> None:
        if self.is_active and self.state is not ConnState.OPEN:
            self.stopped_while = self.state

    def detach(self) -> None:
        self.log.remove_listener(self)

    # -- EventLogListener -------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        kind = type(event)
        if kind is StateEvent:
            assert isinstance(event, StateEvent)
            self.state_event = event
            self.state = event.state
        elif kind is CloseEvent:
            assert isinstance(event, CloseEvent)
            self.last_close = event
            self.stopped_while = None  # the close says what happened
        elif kind is HandshakeEvent:
            assert isinstance(event, HandshakeEvent)
            self.last_handshake = event
        elif kind is ErrorEvent:
            assert isinstance(event, ErrorEvent)
            self.last_error = event

    def messages_appended(self, log: EventLog) -> None:
        pass  # registered with messages=False

    def log_cleared(self, log: EventLog) -> None:
        pass  # the connection goes on; only its history was emptied

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass  # the connection's state does not depend on old events

    # -- words ------------------------------------------------------------------------------

    def status_text(self, now: float | None = None) -> str:
        """One line for people: what happens, the next retry and the last error; the page's
        status line and `wsinspector record` show it, so its URIs are redacted."""
        return redact_text(self._status_words(now))

    def _status_words(self, now: float | None) -> str:
        event = self.state_event
        if event is None:
            return IDLE_TEXT
        state = event.state
        if state is ConnState.CONNECTING:
            return f"Connecting to {event.uri} …"
        if state is ConnState.OPEN:
            text = f"Open — {event.uri}"
            if self.subprotocol:
                text += f" · subprotocol {self.subprotocol}"
            return text
        if state is ConnState.CLOSING:
            return "Closing …"
        if state is ConnState.RECONNECTING:
            retry_at = self.retry_at
            if retry_at is not None:
                remaining = max(0.0, retry_at - (time.monotonic() if now is None else now))
                when = f"in {remaining:.1f} s"
            else:
                when = "now"
            text = f"Reconnecting — attempt {event.attempt} {when}"
            return text + (f" · last error: {event.error}" if event.error else "")
        if state is ConnState.FAILED:
            return f"Failed — {event.error}" if event.error else "Failed"
        if state is ConnState.CLOSED:
            if self.stopped_while is not None:
                doing = (
                    "waiting to reconnect"
                    if self.stopped_while is ConnState.RECONNECTING
                    else "connecting"
                )
                return f"Stopped by you while {doing}."
            return close_words(self.last_close) if self.last_close else "Closed"
        return "Not connected."
