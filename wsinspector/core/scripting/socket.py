"""The `ws` object a test script drives: one connection of the core session, seen as a script.

Everything goes through websocket.session.Session and its EventLog, so what a test exchanges
is an ordinary log (exported with --out, shown in a page's log) and the script only reads it:
incoming messages are queued for recv()/expect() as the log's listener sees them.

Waiting is bounded everywhere (recv, expect, ping take a timeout): a test never hangs on a
server that stays silent, and what did not come is a failure in words, like a failed assert.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from websockets.datastructures import Headers

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    Event,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
    close_code_name,
)
from wsinspector.core.scripting.messages import Matcher, Message, describe_matcher, matches
from wsinspector.core.storage.profiles.variables import substitute
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

if TYPE_CHECKING:
    from wsinspector.core.scripting.protocol import ScriptProtocol

T = TypeVar("T")

DEFAULT_TIMEOUT = 5.0
# Messages a failed expect() lists of those it passed over.
SKIPPED_SHOWN = 5


class ScriptFailure(AssertionError):
    """What the test waited for did not happen (no message in time, the connection closed):
    reported as a failure, like a failed assert."""


class ConnectFailed(Exception):
    """The test's connection did not open; the message says why, in the log's words."""


class TestSocket:
    """The `ws` of `async def test_*(ws)` and of reactions: send, recv, expect, ping, close,
    vars and the handshake (status, headers, subprotocol)."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self,
        options: ConnectionOptions,
        log: EventLog,
        variables: dict[str, str] | None = None,
        session: Session | None = None,
        inbox_limit: int | None = None,
        protocol: ScriptProtocol | None = None,
    ) -> None:
        self.log = log
        self.vars: dict[str, str] = dict(variables or {})
        self.handshake: HandshakeEvent | None = None
        self.close_event: CloseEvent | None = None
        self.first_id = log.next_id
        self._session = session if session is not None else Session(options, log)
        self._protocol = protocol
        self._inbox: deque[Message] = deque(maxlen=inbox_limit)
        self._pongs: dict[bytes, float] = {}
        self._state = ConnState.IDLE
        self._wake = asyncio.Event()
        self._listening = False

    # -- the connection's life (the runner's side) -------------------------------------------

    async def open(self, timeout: float | None = None) -> None:
        """Connect and return once open; ConnectFailed with the reason otherwise."""
        self.listen()
        self._session.start()
        if timeout is None:
            opening = self._session.options.open_timeout
            timeout = (opening or 60.0) + 5.0
        state = await self._until(
            lambda: self._state if self._state not in _NOT_YET else None, timeout
        )
        if state is ConnState.OPEN:
            return
        reason = self._session.last_error or f"the connection is {self._state.value}"
        raise ConnectFailed(f"could not connect to {self._session.options.uri}: {reason}")

    def listen(self) -> None:
        """Start seeing the log's events (open() does; a reaction on a running page too)."""
        if not self._listening:
            self.log.add_listener(self)
            self._listening = True

    async def finish(self) -> None:
        """Close if still open and stop listening: the end of a test."""
        try:
            if self._session.task is not None and not self._session.task.done():
                await self._session.close(1000, "test finished")
        finally:
            self.stop_listening()
            if self._protocol is not None:
                await self._protocol.driver.stop()

    def stop_listening(self) -> None:
        """No more events from the log (the connection, if any, goes on)."""
        if self._listening:
            self.log.remove_listener(self)
            self._listening = False

    @property
    def session(self) -> Session:
        return self._session

    @property
    def protocol(self) -> ScriptProtocol:
        """The protocol the connection speaks (scripting/protocol.py): send, expect, and its
        verbs (Socket.IO emit, GraphQL subscribe). TypeError on a plain WebSocket."""
        if self._protocol is None:
            raise TypeError(
                "ws.protocol: this connection speaks plain WebSocket (choose a protocol in "
                "the page's or the profile's settings)"
            )
        return self._protocol

    # -- the script's side ---------------------------------------------------------------------

    async def send(self, value: str | bytes | bytearray | dict[str, Any] | list[Any]) -> None:
        """Send text, bytes (a binary message), or a dict or list as JSON text. {{name}}
        references to `vars` in text are replaced (undefined ones are sent as they are)."""
        if isinstance(value, str):
            await self._session.send_text(substitute(value, self.vars)[0])
        elif isinstance(value, bytes | bytearray | memoryview):
            await self._session.send_binary(bytes(value))
        elif isinstance(value, dict | list):
            await self._session.send_text(json.dumps(value, ensure_ascii=False))
        else:
            raise TypeError(
                f"send() takes str, bytes, a dict or a list, not {type(value).__name__}"
            )

    async def recv(self, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The next message the server sent (oldest first); ScriptFailure when none comes
        within `timeout` seconds or the connection closed first."""
        message = await self._until(lambda: self._next_or_closed(), timeout)
        if isinstance(message, Message):
            return message
        raise ScriptFailure(self._why_nothing(f"no message came within {timeout:g} s"))

    async def expect(self, matcher: Matcher, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The next message that `matcher` matches (see scripting/messages.py), passing over
        the others; ScriptFailure naming what was wanted and what came instead."""
        skipped: list[Message] = []

        def found() -> Message | bool | None:
            while self._inbox:
                message = self._inbox.popleft()
                if matches(matcher, message):
                    return message
                skipped.append(message)
            return True if self.close_event is not None else None

        message = await self._until(found, timeout)
        if isinstance(message, Message):
            return message
        words = f"expected {describe_matcher(matcher)} within {timeout:g} s"
        if skipped:
            shown = "\n".join(f"  {m.preview()}" for m in skipped[-SKIPPED_SHOWN:])
            words += f"; {len(skipped)} other message(s) came, the last:\n{shown}"
        else:
            words += "; no message came"
        raise ScriptFailure(self._why_nothing(words))

    async def ping(self, timeout: float = DEFAULT_TIMEOUT) -> float:
        """Send a ping; the round trip to its pong, in seconds."""
        payload = os.urandom(4)
        await self._session.ping(payload)
        rtt = await self._until(lambda: self._pongs.pop(payload, None), timeout)
        if rtt is None:
            raise ScriptFailure(self._why_nothing(f"no pong came within {timeout:g} s"))
        return rtt

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code` and `reason`; returns once the connection has ended."""
        await self._session.close(code, reason)

    @property
    def status(self) -> int | None:
        """The handshake's HTTP status (101 when accepted)."""
        return self.handshake.status_code if self.handshake else None

    @property
    def headers(self) -> Headers:
        """The handshake response's headers (names looked up in any case)."""
        return Headers(self.handshake.response_headers if self.handshake else ())

    @property
    def request_headers(self) -> Headers:
        return Headers(self.handshake.request_headers if self.handshake else ())

    @property
    def subprotocol(self) -> str | None:
        return self.handshake.subprotocol if self.handshake else None

    @property
    def closed(self) -> bool:
        return self.close_event is not None

    @property
    def close_code(self) -> int | None:
        return self.close_event.code if self.close_event else None

    @property
    def close_reason(self) -> str:
        return self.close_event.reason if self.close_event else ""

    def pending(self) -> list[Message]:
        """The messages received and not yet taken by recv() or expect(), taken now."""
        taken = list(self._inbox)
        self._inbox.clear()
        return taken

    def exchanged(self) -> list[Message]:
        """Every message of this socket's log since it began, both ways, oldest first."""
        start = self.log.index_of(self.first_id)
        if start is None:
            start = 0 if self.log.first_id > self.first_id else len(self.log)
        found: list[Message] = []
        entries: Sequence[object] = self.log.entries()
        for index in range(start, len(entries)):
            event = self.log[index]
            if type(event) is MessageEvent:
                found.append(Message.of(self.log.first_id + index, event))
        return found

    # -- the log's listener ------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        kind = type(event)
        if kind is StateEvent:
            self._state = event.state  # type: ignore[attr-defined]
        elif kind is HandshakeEvent and event.accepted and not event.proxy_hop:  # type: ignore[attr-defined]
            self.handshake = event  # type: ignore[assignment]
        elif kind is CloseEvent:
            self.close_event = event  # type: ignore[assignment]
        elif kind is ControlEvent:
            control: ControlEvent = event  # type: ignore[assignment]
            if control.kind is ControlKind.PONG and control.rtt is not None:
                self._pongs[control.data] = control.rtt
        else:
            return
        self._wake.set()

    def messages_appended(self, log: EventLog) -> None:
        entry = log.entries()[-1]
        if type(entry) is tuple and entry[1]:
            event = log[-1]
            assert isinstance(event, MessageEvent)
            self._inbox.append(
                Message(log.next_id - 1, Direction.IN, event.text, event.data, event.conn)
            )
            self._wake.set()

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass

    # -- helpers -------------------------------------------------------------------------------

    def _next_or_closed(self) -> Message | bool | None:
        if self._inbox:
            return self._inbox.popleft()
        return True if self.close_event is not None else None

    def _why_nothing(self, words: str) -> str:
        close = self.close_event
        if close is None:
            return words
        reason = f" {close.reason!r}" if close.reason else ""
        by = f" by the {close.initiator}" if close.initiator else ""
        return (
            f"{words}: the connection closed{by} with {close.code} "
            f"({close_code_name(close.code)}){reason}"
        )

    async def _until(self, ready: Callable[[], T | None], timeout: float) -> T | None:
        return await wait_until(ready, timeout, self._wake)


async def wait_until[R](
    ready: Callable[[], R | None], timeout: float, wake: asyncio.Event
) -> R | None:
    """`ready()`'s first result that is not None, or None after `timeout` seconds; `ready`
    is asked again each time `wake` is set."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = ready()
        if result is not None:
            return result
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        wake.clear()
        try:
            async with asyncio.timeout(remaining):
                await wake.wait()
        except TimeoutError:
            pass


_NOT_YET = (ConnState.IDLE, ConnState.CONNECTING, ConnState.RECONNECTING)
