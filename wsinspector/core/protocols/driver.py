"""A page's protocol at work on its session: the handshake once the socket opens, automatic
answers to what arrives, and what the user composes sent in the protocol's terms.

It listens to the session's event log like any listener, so the session (core/websocket)
knows nothing of protocols: each received message is read by the protocol as it is logged,
and the answers (an Engine.IO pong, a GraphQL pong) are sent at once, in order, and logged
like every message sent. The log keeps what crossed the wire; readings for rows are derived
from it (WireProtocol.describe).
"""

from __future__ import annotations

import asyncio

from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Event, StateEvent
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import Composed, Outgoing, WireProtocol
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import NotConnectedError, Session


class ProtocolDriver:
    """Runs `protocol` on `session` until detach(); an EventLogListener of the session's log."""

    def __init__(self, session: Session, protocol: WireProtocol) -> None:
        self.session = session
        self.protocol = protocol
        self._tasks = TaskSet()
        # Answers leave in the order they were decided: one queue, one sender task.
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        session.log.add_listener(self)

    def detach(self) -> None:
        self.session.log.remove_listener(self)
        if self._sender is not None:
            self._sender.cancel()

    async def send(self, composed: Composed) -> None:
        """Send what the user composed; raises ComposeError or NotConnectedError."""
        await self.send_all(self.protocol.compose(composed))

    async def send_all(self, outgoing: list[Outgoing]) -> None:
        """Send composed messages in order; raises NotConnectedError."""
        for item in outgoing:
            await self._send_one(item)

    async def _send_one(self, outgoing: Outgoing) -> None:
        if isinstance(outgoing.data, str):
            await self.session.send_text(outgoing.data)
        else:
            await self.session.send_binary(outgoing.data)

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

    # -- EventLogListener -------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        if type(event) is StateEvent and event.state is ConnState.OPEN:
            self._enqueue(self.protocol.on_open())

    def messages_appended(self, log: EventLog) -> None:
        entry = log.entries()[-1]
        if type(entry) is not tuple or not entry[1]:
            return
        data: bytes = entry[3]
        answers = self.protocol.read(data.decode("utf-8", "replace") if entry[2] else data)[1]
        if answers:
            self._enqueue(answers)

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass


def start_session(
    options: ConnectionOptions, log: EventLog
) -> tuple[Session, ProtocolDriver | None]:
    """A session for `options` with its protocol driven (None for plain WebSocket), started.
    The options are first prepared for the protocol (registry.prepare); raises
    ProtocolSettingsError for protocol settings that can't be read."""
    protocol = registry.create(options)
    session = Session(registry.prepare(options), log)
    driver = ProtocolDriver(session, protocol) if protocol is not None else None
    session.start()
    return session, driver
