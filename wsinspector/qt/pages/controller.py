"""Owns one page's session and its tasks; turns core events into Qt signals for the page."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from wsinspector.core.app.errors import UserError, unexpected_words
from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import CloseEvent, ConnState, Event, HandshakeEvent, StateEvent
from wsinspector.core.protocols.base import Composed
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.registry import create as create_protocol
from wsinspector.core.protocols.registry import resolve as resolve_for_protocol
from wsinspector.core.websocket.file_source import FileRefused, FileSend, check_file
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session
from wsinspector.core.websocket.state import ConnectionState

# Closing the window must not wait on an unresponsive server for long.
SHUTDOWN_CLOSE_TIMEOUT = 1.5


class SessionController(QObject):
    """Starts, drives and stops one Session at a time.

    Signals:
        state_changed(object): a StateEvent; the connection moved to a new state.
        handshake_changed(object): a HandshakeEvent, accepted or rejected.
        closed(object): a CloseEvent.
        message_failed(str): a send, ping or close the user asked for could not be done.
    """

    state_changed = Signal(object)
    handshake_changed = Signal(object)
    closed = Signal(object)
    message_failed = Signal(str)

    def __init__(self, connection: ConnectionState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connection = connection
        self.log = log = connection.log
        self.session: Session | None = None
        # The page's protocol at work on the session (None: plain WebSocket).
        self.driver: ProtocolDriver | None = None
        self._record_frames = False
        # qasync's asyncSlot keeps no reference to its task (qasync #98): keep them here.
        self._tasks = TaskSet()
        log.add_listener(self, messages=False)

    # -- EventLogListener -------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        kind = type(event)
        if kind is StateEvent:
            self.state_changed.emit(event)
        elif kind is HandshakeEvent:
            self.handshake_changed.emit(event)
        elif kind is CloseEvent:
            self.closed.emit(event)

    def messages_appended(self, log: EventLog) -> None:
        pass  # registered with messages=False: never called

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass  # the connection's state does not depend on old events

    # -- commands ---------------------------------------------------------------------------

    @property
    def state(self) -> ConnState:
        return self.connection.state

    @property
    def is_running(self) -> bool:
        """A session runs: connecting, open, closing or waiting to reconnect."""
        return (
            self.session is not None
            and self.session.task is not None
            and not (self.session.task.done())
        )

    def connect_to(self, options: ConnectionOptions, on_connect: Sequence[Composed] = ()) -> None:
        """Start a new session; a running one is closed first. `on_connect` is sent after
        the protocol's handshake (ProtocolDriver)."""
        self.spawn(self._connect(options, on_connect))

    async def _connect(self, options: ConnectionOptions, on_connect: Sequence[Composed]) -> None:
        if self.is_running and self.session is not None:
            await self.session.close(1000, "reconnecting with new settings")
        self.connection.begin(options)
        protocol = create_protocol(options)
        try:
            wire_options = await resolve_for_protocol(options)  # SignalR's negotiate
        except UserError as exc:
            self.message_failed.emit(str(exc))
            return
        self.session = Session(wire_options, self.log)
        if self.driver is not None:
            self.driver.detach()
        self.driver = (
            ProtocolDriver(self.session, protocol, on_connect=on_connect)
            if protocol is not None
            else None
        )
        self.session.record_frames = self._record_frames
        self.session.start()

    def send_composed(self, composed: Composed) -> None:
        """Send what a protocol composer holds, in the page's protocol (raises ComposeError)."""
        driver = self.driver
        if driver is not None:
            # Composed here, so that a mistake is raised to the composer, not logged.
            outgoing = driver.protocol.compose(composed)
            self.spawn(self._guard(driver.send_all(outgoing)))

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.session is not None:
            self.connection.stop_requested()
            self.spawn(self._guard(self.session.close(code, reason)))

    def send_text(self, text: str) -> None:
        if self.session is not None:
            self.spawn(self._guard(self.session.send_text(text)))

    def send_binary(self, data: bytes) -> None:
        if self.session is not None:
            self.spawn(self._guard(self.session.send_binary(data)))

    def send_file(self, path: str) -> tuple[FileSend, asyncio.Task[Any]] | None:
        """Check a file against the session's message size limit and start sending it:
        the file and the task sending it, or None after message_failed said why not."""
        session = self.session
        if session is None:
            return None
        try:
            file = check_file(path, session.options.max_message_size)
        except FileRefused as exc:
            self.message_failed.emit(str(exc))
            return None
        return file, self.spawn(self._guard(session.send_file(file)))

    def ping(self, payload: bytes | None = None) -> None:
        if self.session is not None:
            self.spawn(self._guard(self.session.ping(payload)))

    def pong(self, payload: bytes = b"") -> None:
        if self.session is not None:
            self.spawn(self._guard(self.session.pong(payload)))

    def set_record_frames(self, on: bool) -> None:
        """Keep every message's frames (the page's frame view is on), this session and next."""
        self._record_frames = on
        if self.session is not None:
            self.session.record_frames = on

    @property
    def last_rtt(self) -> float | None:
        """The round trip of the session's last answered ping, in seconds."""
        return self.session.last_rtt if self.session is not None else None

    async def shutdown(self, reason: str = "client shutting down") -> None:
        """Close the connection as its page goes away (1001) and wait for every task."""
        if self.session is not None and self.is_running:
            self.connection.stop_requested()
            await self.session.close(1001, reason, timeout=SHUTDOWN_CLOSE_TIMEOUT)
        if self.driver is not None:
            # Its keepalive ticker would otherwise wake for good, holding the session and log.
            await self.driver.stop()
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=SHUTDOWN_CLOSE_TIMEOUT)
        self.log.remove_listener(self)
        self.connection.detach()

    # -- tasks ------------------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self._tasks.spawn(coroutine)

    async def _guard(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run what the user asked for; what they can put right is said in their words, and
        anything else is a bug: said in short, and reported as a crash (the log file, the
        window's banner) rather than passed off as their mistake."""
        try:
            await coroutine
        except UserError as exc:
            self.message_failed.emit(str(exc))
        except Exception as exc:  # a failed send must not take the window down
            self.message_failed.emit(unexpected_words(exc))
            loop = asyncio.get_running_loop()
            loop.call_exception_handler(
                {"message": "a command failed", "exception": exc, "task": asyncio.current_task()}
            )
