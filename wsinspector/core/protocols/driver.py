"""Runs one WireProtocol over one Session: what a page, `record` and the tests share.

It listens to the session's EventLog: when a connection opens it sends the protocol's
handshake, every received message goes through `protocol.read` and its automatic answers are
sent, and a Keepalive protocol is ticked while the connection is open. Everything sent goes
through the session, so it is logged like a typed message and the wire stays visible.

Answers are sent in order by one task: the log's listeners are called synchronously from the
session's reader and can't await a send.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    Direction,
    Event,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.protocols.base import (
    TICK_SECONDS,
    Composing,
    Keepalive,
    Outgoing,
    Reading,
    WireProtocol,
)
from wsinspector.core.websocket.session import NotConnectedError, Session

# (event id of the received message, what the protocol read in it)
ReadingListener = Callable[[int, Reading], None]


class ProtocolDriver:
    """Speaks `protocol` on `session` from `start()` until `stop()`."""

    def __init__(
        self,
        protocol: WireProtocol,
        session: Session,
        on_reading: ReadingListener | None = None,
    ) -> None:
        self.protocol = protocol
        self.session = session
        self.on_reading = on_reading
        self._conn = 0
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def log(self) -> EventLog:
        return self.session.log

    def start(self) -> None:
        """Listen from now on: call before the session opens, so no message is missed."""
        self.log.add_listener(self)
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._send_queued(), name="protocol-sender"))
        if isinstance(self.protocol, Keepalive):
            self._tasks.append(loop.create_task(self._tick(self.protocol), name="protocol-tick"))

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.log.remove_listener(self)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def send(self, composed: object) -> None:
        """Encode what the user composed and send it (after any answer already queued).

        Raises UserError when the protocol can't send it, NotConnectedError when closed."""
        if not isinstance(self.protocol, Composing):
            raise TypeError(f"{self.protocol.name} has nothing to compose")
        if self.session.state is not ConnState.OPEN:
            raise NotConnectedError(f"not connected (the connection is {self.session.state})")
        for message in self.protocol.encode(composed):
            self._queue.put_nowait(message)
        await self._queue.join()

    # -- EventLogListener -----------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        if isinstance(event, StateEvent) and event.state is ConnState.OPEN:
            self._conn = event.conn
            for message in self.protocol.on_open():
                self._queue.put_nowait(message)

    def messages_appended(self, log: EventLog) -> None:
        event = log[-1]
        assert isinstance(event, MessageEvent)
        if event.direction is not Direction.IN:
            return
        data: str | bytes = event.data
        if event.text:
            text = event.decoded()
            data = text if text is not None else event.data
        reading, answers = self.protocol.read(data)
        for message in answers:
            self._queue.put_nowait(message)
        if self.on_reading is not None:
            self.on_reading(log.next_id - 1, reading)

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass

    # -- tasks ----------------------------------------------------------------------------

    async def _send_queued(self) -> None:
        queue = self._queue
        while True:
            message = await queue.get()
            try:
                if isinstance(message.data, str):
                    await self.session.send_text(message.data)
                else:
                    await self.session.send_binary(message.data)
            except NotConnectedError:
                pass  # the connection went away; the log already says so
            finally:
                queue.task_done()

    async def _tick(self, protocol: Keepalive) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self.session.state is not ConnState.OPEN:
                continue
            due, problem = protocol.tick(time.monotonic())
            for message in due:
                self._queue.put_nowait(message)
            if problem:
                self.log.append(NoteEvent(self._conn, time.time(), time.monotonic(), problem))
