"""A protocol at work on a session: what a page, `record` and the tests share.

It listens to the session's event log like any listener, so the session (core/websocket)
knows nothing of protocols: when a connection opens it sends the protocol's handshake, each
received message is read by the protocol as it is logged and its automatic answers (an
Engine.IO pong, a GraphQL pong, an MQTT PUBACK) are sent at once, in order, and logged like
every message sent; a Keepalive protocol is ticked while the connection is open; what the
user composed to send "on connect" (a saved subscription) is composed and sent on each
connection once the protocol's own handshake is done (base.Handshaking). The log
keeps what crossed the wire; readings for rows are derived from it (WireProtocol.describe).

Answers are sent by one task: the log's listeners are called synchronously from the
session's reader and can't await a send.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence

from wsinspector.core.app.errors import UserError
from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import EventLog, MessageEntry
from wsinspector.core.log.events import ConnState, Event, HandshakeEvent, NoteEvent, StateEvent
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import (
    TICK_SECONDS,
    Composed,
    Composing,
    Handshaking,
    Keepalive,
    Negotiating,
    Outgoing,
    Reading,
    Skimming,
    WireProtocol,
)
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import NotConnectedError, Session

# (event id of the received message, what the protocol read in it)
ReadingListener = Callable[[int, Reading], None]


class ProtocolDriver:
    """Runs `protocol` on `session` until detach() (or `await stop()`); an EventLogListener
    of the session's log from construction on, so build it before the session opens.
    `on_connect` is composed anew for each connection (fresh ack and operation ids), its
    {{variables}} already filled."""

    def __init__(
        self,
        session: Session,
        protocol: WireProtocol,
        on_reading: ReadingListener | None = None,
        on_connect: Sequence[Composed] = (),
    ) -> None:
        self.session = session
        self.protocol = protocol
        self.on_reading = on_reading
        self.on_connect = tuple(on_connect)
        # On-connect messages wait for the handshake of the current connection, and so does
        # what the user sends before it is done (as socket.io-client buffers its emits).
        self._greeting = False
        self._waiting: list[Outgoing] = []
        self._conn = 0
        self._subprotocol: str | None = None
        self._tasks = TaskSet()
        # Answers leave in the order they were decided: one queue, one sender task.
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        # A flood's routine messages are passed over before anything is decoded (Skimming).
        self._routine: tuple[bytes, ...] = ()
        self._routine_reading = Reading("message")
        if isinstance(protocol, Skimming):
            self._routine = protocol.routine
            self._routine_reading = protocol.routine_reading
        session.log.add_listener(self)

    @property
    def log(self) -> EventLog:
        return self.session.log

    def detach(self) -> None:
        with contextlib.suppress(ValueError):
            self.session.log.remove_listener(self)
        for task in (self._sender, self._ticker):
            if task is not None:
                task.cancel()

    async def stop(self) -> None:
        """detach(), and wait until its tasks have ended."""
        self.detach()
        for task in (self._sender, self._ticker):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def outgoing_for(self, composed: object) -> list[Outgoing]:
        """The messages that send what the user composed: a Mapping of the composer's fields
        (WireProtocol.compose, raises ComposeError) or a protocol's own composed value
        (Composing.encode, raises UserError)."""
        if isinstance(composed, Mapping):
            return self.protocol.compose(composed)
        if isinstance(self.protocol, Composing):
            return self.protocol.encode(composed)
        raise TypeError(f"{type(self.protocol).__name__} can't send {composed!r}")

    async def send(self, composed: object) -> None:
        """Send what the user composed; raises ComposeError
        or UserError for what can't be sent, NotConnectedError when closed."""
        if self.session.state is not ConnState.OPEN:
            raise NotConnectedError(f"not connected (the connection is {self.session.state})")
        await self.send_all(self.outgoing_for(composed))

    async def send_all(self, outgoing: list[Outgoing]) -> None:
        """Send composed messages in order; raises NotConnectedError. Before the protocol's
        handshake is done they wait for it (said in the log); after the protocol's own
        messages still on their way they follow them."""
        if self.session.state is ConnState.OPEN and not self._ready():
            if not self._waiting:
                label = registry.info(self.protocol.name).label
                words = f"waiting for the {label} handshake to finish before sending"
                self.log.append(NoteEvent(self._conn, time.time(), time.monotonic(), words))
            self._waiting += outgoing
            return
        if self._sender is not None and not self._sender.done():
            self._enqueue(outgoing)
            return
        for item in outgoing:
            await self._send_one(item)

    def _ready(self) -> bool:
        protocol = self.protocol
        return not isinstance(protocol, Handshaking) or protocol.ready()

    async def _send_one(self, outgoing: Outgoing) -> None:
        if isinstance(outgoing.data, str):
            await self.session.send_text(outgoing.data)
        else:
            await self.session.send_binary(outgoing.data)

    def _greet(self) -> None:
        """Send the on-connect messages, then what the user sent while the handshake went on;
        an on-connect message that can't be composed is said in the log."""
        self._greeting = False
        for number, composed in enumerate(self.on_connect, 1):
            try:
                outgoing = self.outgoing_for(composed)
            except UserError as exc:
                problem = f"on-connect message {number} not sent: {exc}"
                self.log.append(NoteEvent(self._conn, time.time(), time.monotonic(), problem))
                continue
            self._enqueue(outgoing)
        waiting, self._waiting = self._waiting, []
        if waiting:
            self._enqueue(waiting)

    def _enqueue(self, outgoing: list[Outgoing]) -> None:
        for item in outgoing:
            self._queue.put_nowait(item)
        if self._sender is None or self._sender.done():
            self._sender = self._tasks.spawn(self._drain())

    async def _drain(self) -> None:
        while not self._queue.empty():
            try:
                await self._send_one(self._queue.get_nowait())
            except NotConnectedError:
                # The connection ended under the answer; the next one starts over.
                while not self._queue.empty():
                    self._queue.get_nowait()

    async def _tick(self, protocol: Keepalive) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self.session.state is not ConnState.OPEN:
                continue
            due, problem = protocol.tick(time.monotonic())
            if due:
                self._enqueue(due)
            if problem:
                self.log.append(NoteEvent(self._conn, time.time(), time.monotonic(), problem))

    # -- EventLogListener -------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        if type(event) is HandshakeEvent and event.accepted and not event.proxy_hop:
            self._subprotocol = event.subprotocol
        if type(event) is StateEvent and event.state is ConnState.OPEN:
            self._conn = event.conn
            if isinstance(self.protocol, Negotiating):
                self.protocol.accepted(self._subprotocol)
            self._enqueue(self.protocol.on_open())
            self._waiting = []  # composed for a connection that is gone
            self._greeting = bool(self.on_connect)
            if self._greeting and not isinstance(self.protocol, Handshaking):
                self._greet()
            if isinstance(self.protocol, Keepalive) and (
                self._ticker is None or self._ticker.done()
            ):
                self._ticker = self._tasks.spawn(self._tick(self.protocol))

    def messages_appended(self, log: EventLog) -> None:
        entry = log.entries()[-1]
        if type(entry) is tuple and entry[1]:
            self._received(log.next_id - 1, entry)

    def messages_extended(self, log: EventLog, count: int) -> None:
        """As base.BatchListener: a read's received messages, each in turn."""
        entries = log.entries()
        count = min(count, len(entries))
        event_id = log.next_id - count
        routine = self._routine
        on_reading = self.on_reading
        for entry in entries[len(entries) - count :]:
            data: bytes = entry[3]  # type: ignore[index]
            if entry[2] and data.startswith(routine):  # type: ignore[index]
                if on_reading is not None:
                    on_reading(event_id, self._routine_reading)
            else:
                self._received(event_id, entry)  # type: ignore[arg-type]
            event_id += 1

    def _received(self, event_id: int, entry: MessageEntry) -> None:
        data = entry[3]
        if entry[2] and data.startswith(self._routine):
            if self.on_reading is not None:
                self.on_reading(event_id, self._routine_reading)
            return
        reading, answers = self.protocol.read(data.decode("utf-8", "replace") if entry[2] else data)
        if answers:
            self._enqueue(answers)
        if (self._greeting or self._waiting) and self._ready():
            self._greet()
        if self.on_reading is not None:
            self.on_reading(event_id, reading)

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass


def start_session(
    options: ConnectionOptions, log: EventLog, on_connect: Sequence[Composed] = ()
) -> tuple[Session, ProtocolDriver | None]:
    """A session for `options` with its protocol driven (None for plain WebSocket), started;
    `on_connect` is sent after the protocol's handshake (ignored for plain WebSocket). The
    options are first prepared for the protocol (registry.prepare); raises
    ProtocolSettingsError for protocol settings that can't be read."""
    protocol = registry.create(options)
    session = Session(registry.prepare(options), log)
    driver = (
        ProtocolDriver(session, protocol, on_connect=on_connect) if protocol is not None else None
    )
    session.start()
    return session, driver
