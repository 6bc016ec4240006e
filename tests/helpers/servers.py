"""Test WebSocket servers that run in a background thread with their own asyncio event loop.

Because the server loop is private, these servers work the same from plain ``asyncio.run`` tests
and from Qt/qasync GUI tests whose loop is the Qt loop. They are started and stopped
synchronously, with bounded waits.

Caveat for tests whose client runs on the *calling* thread's loop (asyncio or Qt): the blocking
``wait_for``/``stop`` calls stall that loop while they wait. Use ``await server.wait_for_async``
from asyncio tests and ``qtbot.waitUntil`` from GUI tests; ``stop()`` with a client still open on
a stalled loop takes ``close_timeout`` (default 1 s) because the client can't answer the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

__all__ = [
    "BEHAVIOURS",
    "BackgroundLoopServer",
    "RecordedConnection",
    "RecordedRequest",
    "RecordingServer",
    "wait_for",
    "wait_for_async",
]

T = TypeVar("T")

HOST = "127.0.0.1"
DEFAULT_TIMEOUT = 5.0

# Modes a path (or the whole server, via ``behaviour=``) can have.
BEHAVIOURS = frozenset({"echo", "close", "reject", "silent", "drop"})


def wait_for(
    predicate: Callable[[], object], timeout: float = DEFAULT_TIMEOUT, interval: float = 0.01
) -> None:
    """Poll ``predicate`` from the calling thread until it is true; TimeoutError after timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


async def wait_for_async(
    predicate: Callable[[], object], timeout: float = DEFAULT_TIMEOUT, interval: float = 0.01
) -> None:
    """Like :func:`wait_for` but yields to the running event loop between polls."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(interval)


# -------------------------------------------------------------------------------------------------
# Background loop machinery (shared with helpers.faults)
# -------------------------------------------------------------------------------------------------


class BackgroundLoopServer:
    """Base: runs ``_open()`` / ``_close()`` on a private event loop in a daemon thread.

    Subclasses implement ``_open`` (bind, set ``self._port``) and ``_close`` (release everything).
    ``stop()`` followed by ``start()`` binds the same port again.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        start_timeout: float = DEFAULT_TIMEOUT,
        stop_timeout: float = DEFAULT_TIMEOUT,
        name: str | None = None,
    ) -> None:
        self._bind_port = port
        self._port: int | None = None
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._name = name or type(self).__name__
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._stop_error: BaseException | None = None

    # -- public API ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{self._name} was never started")
        return self._port

    @property
    def running(self) -> bool:
        return self._thread is not None

    def url(self, path: str = "/", host: str = HOST) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"{self._scheme()}://{host}:{self.port}{path}"

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self._name} already started")
        self._ready.clear()
        self._startup_error = None
        self._stop_error = None
        thread = threading.Thread(target=self._thread_main, name=self._name, daemon=True)
        self._thread = thread
        thread.start()
        if not self._ready.wait(self.start_timeout):
            self._request_stop()
            thread.join(self.stop_timeout)
            self._thread = None
            raise TimeoutError(f"{self._name} did not start within {self.start_timeout} s")
        if self._startup_error is not None:
            thread.join(self.stop_timeout)
            self._thread = None
            raise self._startup_error

    def stop(self) -> None:
        """Stop and join the thread (bounded). Idempotent. Re-raises a shutdown error."""
        thread = self._thread
        if thread is None:
            return
        self._request_stop()
        thread.join(self.stop_timeout + 2.0)
        if thread.is_alive():
            raise RuntimeError(f"{self._name} did not stop within {self.stop_timeout} s")
        self._thread = None
        self._loop = None
        if self._stop_error is not None:
            error, self._stop_error = self._stop_error, None
            raise error

    def call(self, fn: Callable[[], Awaitable[T]], timeout: float = DEFAULT_TIMEOUT) -> T:
        """Run ``await fn()`` on the server's loop from another thread and return its result."""
        loop = self._loop
        if loop is None or self._thread is None:
            raise RuntimeError(f"{self._name} is not running")

        async def wrapper() -> T:
            return await fn()

        return asyncio.run_coroutine_threadsafe(wrapper(), loop).result(timeout)

    def wait_for(self, predicate: Callable[[], object], timeout: float = DEFAULT_TIMEOUT) -> None:
        wait_for(predicate, timeout)

    async def wait_for_async(
        self, predicate: Callable[[], object], timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        await wait_for_async(predicate, timeout)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- subclass hooks ------------------------------------------------------------------------

    def _scheme(self) -> str:
        return "tcp"

    async def _open(self, port: int) -> int:
        """Bind on ``port`` (0 = any) and return the bound port."""
        raise NotImplementedError

    async def _close(self) -> None:
        raise NotImplementedError

    # -- thread --------------------------------------------------------------------------------

    def _request_stop(self) -> None:
        loop, event = self._loop, self._stop_requested
        if loop is None or event is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed: thread is ending
            loop.call_soon_threadsafe(event.set)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # never let a thread exception escape into pytest
            if not self._ready.is_set():
                self._startup_error = exc
            elif self._stop_error is None:
                self._stop_error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        try:
            self._port = await self._open(self._bind_port)
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._bind_port = self._port  # a restart binds the same port again
        self._ready.set()
        try:
            await self._stop_requested.wait()
        finally:
            try:
                async with asyncio.timeout(self.stop_timeout):
                    await self._close()
            except BaseException as exc:
                self._stop_error = exc


# -------------------------------------------------------------------------------------------------
# Recording WebSocket server
# -------------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One HTTP request that reached the server (accepted or not)."""

    path: str
    headers: list[tuple[str, str]]
    status: int | None = None  # status of the response sent, once known


@dataclass
class RecordedConnection:
    """One accepted WebSocket connection. Filled in by the server thread."""

    path: str  # as sent, with the query string
    headers: list[tuple[str, str]]
    subprotocol: str | None
    received: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None  # what the client sent; 1006 when no close frame came
    close_reason: str | None = None
    closed: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    def header(self, name: str) -> str | None:
        """First value of a request header, case-insensitively."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Behaviour = str | Callable[[ServerConnection, RecordedConnection], Awaitable[None]]


class ProtocolServer(BackgroundLoopServer):
    """Base of the raw-socket servers: an asyncio.Server of ``_protocol()`` instances on
    127.0.0.1 that tracks its transports, so that stopping aborts every connection still open.
    Protocols add their transport to ``_transports`` when made and discard it when lost."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.Transport] = set()

    def _scheme(self) -> str:
        return "ws"

    def _protocol(self) -> asyncio.Protocol:
        raise NotImplementedError

    async def _open(self, port: int) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, HOST, port, reuse_address=True)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for transport in list(self._transports):
            transport.abort()
        await server.wait_closed()
        # Let connection_lost callbacks run so no transport outlives the loop.
        while self._transports:
            await asyncio.sleep(0.01)


def _query(path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(path)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return parts.path or "/", query


class RecordingServer(BackgroundLoopServer):
    """websockets server on 127.0.0.1 that records what clients do.

    Routing by path (unless ``behaviour`` forces one mode for every path):

    * ``/echo`` (and any unknown path): echo every message back.
    * ``/close?code=4000&reason=bye``: close with that code/reason right after the handshake.
    * ``/reject?status=403&body=no``: reject the handshake (default 403, body "rejected").
    * ``/silent``: accept, record, never send.
    * ``/drop``: accept, then abort the TCP connection (no close frame: the client sees 1006).

    ``behaviour`` may also be an ``async (connection, record) -> None`` callable.
    ``subprotocols``: supported ones; the first the client offers that is supported is chosen and
    a client offering none is accepted without one, unless ``require_subprotocol`` (then
    websockets' own negotiation: server preference, HTTP 400 when none matches).
    """

    def __init__(
        self,
        *,
        subprotocols: Sequence[str] | None = None,
        require_subprotocol: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        behaviour: Behaviour | None = None,
        port: int = 0,
        close_timeout: float = 1.0,
        start_timeout: float = DEFAULT_TIMEOUT,
        stop_timeout: float = DEFAULT_TIMEOUT,
        **serve_kwargs: Any,
    ) -> None:
        super().__init__(port=port, start_timeout=start_timeout, stop_timeout=stop_timeout)
        if isinstance(behaviour, str) and behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; use one of {sorted(BEHAVIOURS)}")
        self.subprotocols = [Subprotocol(s) for s in subprotocols or ()]
        self.require_subprotocol = require_subprotocol
        self.ssl_context = ssl_context
        self.behaviour = behaviour
        self.close_timeout = close_timeout
        self.serve_kwargs = serve_kwargs
        self._lock = threading.Lock()
        self._connections: list[RecordedConnection] = []
        self._requests: list[RecordedRequest] = []
        self._pending: dict[ServerConnection, RecordedRequest] = {}
        self._reject_left = 0
        self._reject_status = HTTPStatus.SERVICE_UNAVAILABLE
        self._reject_body = ""
        self._server: Server | None = None

    def _scheme(self) -> str:
        return "wss" if self.ssl_context is not None else "ws"

    # -- recorded state (thread-safe snapshots) ------------------------------------------------

    @property
    def connections(self) -> list[RecordedConnection]:
        with self._lock:
            return list(self._connections)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def handshake_attempts(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def last(self) -> RecordedConnection:
        connections = self.connections
        if not connections:
            raise LookupError("no connection recorded yet")
        return connections[-1]

    def clear(self) -> None:
        with self._lock:
            self._connections.clear()
            self._requests.clear()

    def reject_next(self, n: int, status: int = 503, body: str = "") -> None:
        """Fail the next ``n`` handshakes with ``status`` (then accept again)."""
        with self._lock:
            self._reject_left = n
            self._reject_status = HTTPStatus(status)
            self._reject_body = body or f"rejected by test server ({status})\n"

    # -- acting on live connections from the test thread ---------------------------------------

    def broadcast(self, message: str | bytes, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Send a message to every open connection; returns how many got it."""

        async def send_all() -> int:
            server = self._server
            if server is None:
                return 0
            targets = list(server.connections)
            for connection in targets:
                with contextlib.suppress(ConnectionClosed):
                    await connection.send(message)
            return len(targets)

        return self.call(send_all, timeout)

    def close_connections(
        self, code: int = 1000, reason: str = "", timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Close every open connection with ``code``/``reason`` and wait for it."""

        async def close_all() -> None:
            server = self._server
            if server is None:
                return
            closing = [connection.close(code, reason) for connection in server.connections]
            await asyncio.gather(*closing)

        self.call(close_all, timeout)

    def drop_connections(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Abort every open TCP connection without a close frame."""

        async def abort_all() -> None:
            server = self._server
            if server is None:
                return
            for connection in list(server.connections):
                connection.transport.abort()

        self.call(abort_all, timeout)

    # -- server --------------------------------------------------------------------------------

    async def _open(self, port: int) -> int:
        kwargs: dict[str, Any] = {
            "process_request": self._process_request,
            "process_response": self._process_response,
            "close_timeout": self.close_timeout,
            "reuse_address": True,
            "ssl": self.ssl_context,
        }
        if self.require_subprotocol:
            kwargs["subprotocols"] = self.subprotocols
        else:
            kwargs["select_subprotocol"] = self._select_subprotocol
        kwargs.update(self.serve_kwargs)
        self._server = await serve(self._handler, HOST, port, **kwargs)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        try:
            await server.wait_closed()
        finally:
            with self._lock:
                self._pending.clear()

    def _select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        for subprotocol in offered:
            if subprotocol in self.subprotocols:
                return subprotocol
        return None

    def _mode(self, route: str) -> Behaviour:
        if self.behaviour is not None:
            return self.behaviour
        mode = route.strip("/")
        return mode if mode in BEHAVIOURS else "echo"

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        record = RecordedRequest(path=request.path, headers=list(request.headers.raw_items()))
        with self._lock:
            self._requests.append(record)
            self._pending[connection] = record
            if self._reject_left > 0:
                self._reject_left -= 1
                return connection.respond(self._reject_status, self._reject_body)
        route, query = _query(request.path)
        if self._mode(route) == "reject":
            status = int(query.get("status", "403"))
            return connection.respond(status, query.get("body", "rejected") + "\n")
        return None

    def _process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        with self._lock:
            record = self._pending.pop(connection, None)
        if record is not None:
            record.status = response.status_code
        # ?set_cookie=<Set-Cookie value>: the response sets that cookie.
        cookie = _query(request.path)[1].get("set_cookie")
        if cookie is not None:
            response.headers["Set-Cookie"] = cookie

    async def _handler(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        record = RecordedConnection(
            path=request.path,
            headers=list(request.headers.raw_items()),
            subprotocol=connection.subprotocol,
        )
        with self._lock:
            self._connections.append(record)
        route, query = _query(request.path)
        mode = self._mode(route)
        try:
            if callable(mode):
                await mode(connection, record)
            elif mode == "close":
                await connection.close(int(query.get("code", "1000")), query.get("reason", ""))
            elif mode == "drop":
                connection.transport.abort()
                await connection.wait_closed()
            else:  # echo, silent
                async for message in connection:
                    record.received.append(message)
                    if mode == "echo":
                        await connection.send(message)
        except ConnectionClosed:
            pass
        finally:
            try:
                if connection.state is not State.CLOSED:
                    await connection.close()
            finally:
                record.close_code = connection.close_code
                record.close_reason = connection.close_reason
                record.closed.set()
