"""The built-in demo server behind ``wsinspector --demo``.

A small websockets server on 127.0.0.1 (port chosen by the OS) so the inspector can be tried
without any other server:

* ``/echo``      echoes every message back as is (text stays text, binary stays binary).
* ``/ticks``     (also ``/``) sends a welcome message, then a JSON tick every second, and echoes
  what it receives; a text message ``help`` is answered with a short JSON help text.
* ``/close``     accepts, then immediately closes with ``?code=…&reason=…`` (default 1000).
* ``/forbidden`` rejects the handshake with HTTP 403 and an ``X-Demo-Reason`` header.
* anything else  is rejected with HTTP 404.

Subprotocols ``wsinspector.demo.v1`` and ``chat`` are supported: the first one the client offers
that is supported is negotiated; a client offering none gets none (it is never rejected).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, ProtocolError
from websockets.frames import Close
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

__all__ = [
    "DEMO_HOST",
    "DEMO_PATHS",
    "DEMO_SUBPROTOCOL",
    "DEMO_SUBPROTOCOLS",
    "DemoServer",
]

logger = logging.getLogger(__name__)

DEMO_HOST = "127.0.0.1"
DEMO_SUBPROTOCOL = "wsinspector.demo.v1"
DEMO_SUBPROTOCOLS: tuple[str, ...] = (DEMO_SUBPROTOCOL, "chat")

# Path -> one-line description (used by the help message; the app may show it too).
DEMO_PATHS: dict[str, str] = {
    "/echo": "echoes every text and binary message back",
    "/ticks": "welcome, then a JSON tick every second; echoes; send 'help'",
    "/close?code=4000&reason=bye": "accepts, then closes with that code and reason",
    "/forbidden": "handshake rejected with HTTP 403",
}

FORBIDDEN_BODY = "This path is forbidden in the demo.\n"
FORBIDDEN_REASON = "forbidden path"

_TICK_PATHS = frozenset({"/", "/ticks"})
_KNOWN_PATHS = _TICK_PATHS | {"/echo", "/close", "/forbidden"}
_MAX_REASON_BYTES = 123  # a close frame payload is at most 125 bytes, 2 of them the code


def _split(request_path: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(request_path)
    return parts.path or "/", parse_qs(parts.query, keep_blank_values=True)


def _close_args(query: dict[str, list[str]]) -> tuple[int, str]:
    """Code and reason for ``/close``; raises ValueError when they can't be sent."""
    raw_code = query.get("code", ["1000"])[0]
    reason = query.get("reason", [""])[0]
    code = int(raw_code)
    try:
        Close(code, reason).check()
    except ProtocolError as exc:
        raise ValueError(f"close code {code} can't be sent") from exc
    if len(reason.encode()) > _MAX_REASON_BYTES:
        raise ValueError("close reason too long")
    return code, reason


def _select_subprotocol(
    connection: ServerConnection, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    """First subprotocol the client offers that the demo supports; None rather than a 400."""
    for subprotocol in offered:
        if subprotocol in DEMO_SUBPROTOCOLS:
            return subprotocol
    return None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DemoServer:
    """The demo server. ``await start()`` / ``await stop()``, or ``async with DemoServer():``."""

    def __init__(
        self,
        host: str = DEMO_HOST,
        port: int = 0,
        *,
        tick_interval: float = 1.0,
        stop_timeout: float = 5.0,
        seed: int | None = None,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._tick_interval = tick_interval
        self._stop_timeout = stop_timeout
        self._random = random.Random(seed)
        self._server: Server | None = None
        self._port: int | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("demo server already started")
        server = await serve(
            self._handler,
            self._host,
            self._requested_port,
            select_subprotocol=_select_subprotocol,
            process_request=self._process_request,
            close_timeout=2.0,
        )
        self._server = server
        self._port = int(server.sockets[0].getsockname()[1])
        logger.info("demo server listening on %s", self.url())

    async def stop(self) -> None:
        """Close the server and every connection; waits at most ``stop_timeout`` seconds."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        try:
            async with asyncio.timeout(self._stop_timeout):
                await server.wait_closed()
        except TimeoutError:
            logger.warning("demo server did not close in %.1f s; cancelling", self._stop_timeout)
            pending = set(server.handler_tasks)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        # Make sure the closing task itself is finished, so nothing is left running.
        if server.close_task is not None and not server.close_task.done():
            server.close_task.cancel()
            await asyncio.wait([server.close_task], timeout=1.0)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("demo server not started")
        return self._port

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"ws://{self._host}:{self.port}{path}"

    # -- handshake -----------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path, query = _split(request.path)
        if path == "/forbidden":
            response = connection.respond(HTTPStatus.FORBIDDEN, FORBIDDEN_BODY)
            response.headers["X-Demo-Reason"] = FORBIDDEN_REASON
            return response
        if path == "/close":
            try:
                _close_args(query)
            except ValueError:
                return connection.respond(
                    HTTPStatus.BAD_REQUEST,
                    "Use /close?code=N&reason=TEXT with N 1000-1003, 1007-1014 or 3000-4999 "
                    "and a reason of at most 123 bytes.\n",
                )
            return None
        if path not in _KNOWN_PATHS:
            return connection.respond(
                HTTPStatus.NOT_FOUND,
                f"No such demo path: {path}\nTry: {', '.join(DEMO_PATHS)}\n",
            )
        return None

    # -- connections ---------------------------------------------------------------------------

    async def _handler(self, connection: ServerConnection) -> None:
        assert connection.request is not None  # the handshake is done
        path, query = _split(connection.request.path)
        try:
            if path == "/echo":
                await self._echo(connection, answer_help=False)
            elif path == "/close":
                code, reason = _close_args(query)
                await connection.close(code, reason)
            else:
                await self._ticks(connection, path)
        except ConnectionClosed:
            pass

    async def _echo(self, connection: ServerConnection, *, answer_help: bool) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in connection:
                if answer_help and message == "help":
                    await connection.send(json.dumps(self._help(connection)))
                else:
                    await connection.send(message)

    async def _ticks(self, connection: ServerConnection, path: str) -> None:
        welcome = {"type": "welcome", "path": path, "subprotocol": connection.subprotocol}
        await connection.send(json.dumps(welcome))
        ticker = asyncio.create_task(self._tick_loop(connection), name="wsinspector-demo-ticks")
        try:
            await self._echo(connection, answer_help=True)
        finally:
            ticker.cancel()
            await asyncio.wait([ticker], timeout=1.0)

    async def _tick_loop(self, connection: ServerConnection) -> None:
        price = 100.0
        seq = 0
        with contextlib.suppress(ConnectionClosed):
            while True:
                seq += 1
                tick = {"type": "tick", "seq": seq, "time": _now_iso(), "price": round(price, 2)}
                await connection.send(json.dumps(tick))
                price = max(1.0, price + self._random.gauss(0.0, 0.5))
                await asyncio.sleep(self._tick_interval)

    @staticmethod
    def _help(connection: ServerConnection) -> dict[str, object]:
        return {
            "type": "help",
            "paths": DEMO_PATHS,
            "subprotocols": list(DEMO_SUBPROTOCOLS),
            "subprotocol": connection.subprotocol,
        }
