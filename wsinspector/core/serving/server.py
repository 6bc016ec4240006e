"""A server page's server: websockets' asyncio server, each client a numbered connection of
one EventLog.

Every client gets the log's next connection number. Its handshake is logged as it crossed
the wire (the request as received, the response as sent, from process_response, which sees
the final answer) and can be answered with a Rejection instead of 101: for the next client,
or for every client on a path. What a client sends is logged as received, what the server
sends (a person's message, a rule's answer, a timed message) as sent, under the client's
number. The roles are the server's: a close the client began says "client".

Nothing here waits on a person: the page (or `wsinspector serve`) calls send, ping, close
and drop, and learns of changes to the clients through `on_change`.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from websockets.asyncio.server import Server as WsServer
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers as WsHeaders
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    HandshakeEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.serving.certificates import server_certificate
from wsinspector.core.serving.rules import RuleBook
from wsinspector.core.serving.settings import Rejection, ServerSettings
from wsinspector.core.storage.profiles.dynamic import DynamicValues
from wsinspector.core.websocket.session_events import close_event


@dataclass(slots=True)
class ServedClient:
    """One client connection: what the clients list shows."""

    number: int
    address: str
    path: str
    subprotocol: str | None = None
    state: ConnState = ConnState.CONNECTING
    messages_in: int = 0
    messages_out: int = 0
    handshake: HandshakeEvent | None = None
    close: CloseEvent | None = None


def _status_line(code: int, phrase: str) -> str:
    return f"HTTP/1.1 {code} {phrase}".rstrip()


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def rejection_response(rejection: Rejection) -> Response:
    body = rejection.body.encode()
    headers = WsHeaders(
        [("Connection", "close"), ("Content-Length", str(len(body)))]
        + ([("Content-Type", "text/plain; charset=utf-8")] if body else [])
        + list(rejection.headers)
    )
    return Response(rejection.status, _phrase(rejection.status), headers, body)


def _close_event(conn: int, closed: ConnectionClosed | None) -> CloseEvent:
    """A client's close as the server saw it: the peer is the client."""
    return close_event(conn, closed, us="server", peer="client")


class Server:
    """Listens with `settings`, logging every client into `log`.

    `on_change()` is called when a client comes, goes, or its counts change (cheaply: the
    page refreshes its clients list on its own timer). `variables` fill the rules' answers,
    and `dynamic` their `{{$counter}}` and other dynamic values (a fresh one when None).
    """

    def __init__(
        self,
        settings: ServerSettings,
        log: EventLog,
        *,
        on_change: Callable[[], None] | None = None,
        variables: Mapping[str, str] | None = None,
        dynamic: DynamicValues | None = None,
    ) -> None:
        self.settings = settings
        self.log = log
        self.on_change = on_change or (lambda: None)
        self.clients: dict[int, ServedClient] = {}
        self.address = ""
        self.fingerprint = ""
        self.certificate_pem = b""
        self.rules = RuleBook(settings.rules, variables, dynamic)
        self.path_rejections = dict(settings.path_rejections)
        self._next_rejection: Rejection | None = None
        self._server: WsServer | None = None
        self._connections: dict[int, ServerConnection] = {}
        self._numbers: dict[ServerConnection, int] = {}
        self._tasks = TaskSet()
        self._timers: list[asyncio.Task[None]] = []

    @property
    def listening(self) -> bool:
        return self._server is not None

    # -- lifetime -----------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen; returns the address clients connect to (OSError when the port is taken,
        CertificateError for unusable TLS files)."""
        settings = self.settings
        ssl_context = None
        if settings.tls is not None:
            certificate = server_certificate(settings.tls.certfile, settings.tls.keyfile)
            ssl_context = certificate.context
            self.fingerprint, self.certificate_pem = certificate.fingerprint, certificate.pem
        self._server = await serve(
            self._handle,
            settings.host,
            settings.port,
            ssl=ssl_context,
            subprotocols=list(settings.subprotocols) or None,  # type: ignore[arg-type]
            compression="deflate" if settings.compression else None,
            process_request=self._process_request,
            process_response=self._process_response,
            # The person decides when a quiet client is gone, not a keepalive.
            ping_interval=None,
            max_size=None,
        )
        port = self._server.sockets[0].getsockname()[1]
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        scheme = "wss" if ssl_context is not None else "ws"
        path = settings.path if settings.path.startswith("/") else "/" + settings.path
        self.address = f"{scheme}://{host}:{port}{path}"
        self._note(f"listening on {self.address}")
        self.set_rules(self.rules)
        return self.address

    async def stop(self, code: int = 1001, reason: str = "server shutting down") -> None:
        """Close every client with `code` and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        server.close(close_connections=False)
        await asyncio.gather(
            *(connection.close(code, reason) for connection in self._connections.values()),
            return_exceptions=True,
        )
        await server.wait_closed()
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._note("stopped listening")
        self.on_change()

    def set_rules(self, rules: RuleBook) -> None:
        """Answer with `rules` from now on (timed messages restart)."""
        self.rules = rules
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        if self._server is None:
            return
        loop = asyncio.get_running_loop()
        for rule in rules.timed:
            self._timers.append(loop.create_task(self._every(rule.delay, rule.reply)))

    def reject_next(self, rejection: Rejection | None) -> None:
        """Answer the next client's handshake with `rejection` (None: accept it)."""
        self._next_rejection = rejection

    # -- what people do to clients --------------------------------------------------------------

    def open_numbers(self, targets: Iterable[int] | None = None) -> list[int]:
        """The open clients among `targets` (None: every open client)."""
        numbers = self._connections if targets is None else targets
        return [n for n in numbers if n in self._connections]

    async def send(self, targets: Iterable[int] | None, message: str | bytes) -> int:
        """Send `message` to the open clients among `targets` (None: all); how many got it."""
        numbers = self.open_numbers(targets)
        for number in numbers:
            await self._send(number, message)
        return len(numbers)

    async def ping(self, targets: Iterable[int] | None, data: bytes = b"") -> None:
        for number in self.open_numbers(targets):
            connection = self._connections[number]
            try:
                waiter = await connection.ping(data)
            except ConnectionClosed:
                continue
            self.log.append(self._control(number, Direction.OUT, ControlKind.PING, data))
            self._tasks.spawn(self._await_pong(number, waiter, data, time.monotonic()))

    async def close(
        self, targets: Iterable[int] | None, code: int = 1000, reason: str = ""
    ) -> None:
        """Close the clients with `code` and `reason`; returns once their closes are done."""
        connections = [self._connections[n] for n in self.open_numbers(targets)]
        for number in self.open_numbers(targets):
            self._set_state(number, ConnState.CLOSING)
        await asyncio.gather(
            *(connection.close(code, reason) for connection in connections),
            return_exceptions=True,
        )

    def drop(self, targets: Iterable[int] | None) -> None:
        """End the clients' TCP connections without a close frame (a client sees 1006)."""
        for number in self.open_numbers(targets):
            self._connections[number].transport.abort()

    # -- the handshake --------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        number = self.log.next_connection_number()
        self._numbers[connection] = number
        remote = connection.remote_address
        address = f"{remote[0]}:{remote[1]}" if remote else ""
        path = request.path
        self.clients[number] = ServedClient(number, address, path)
        bare_path = path.split("?", 1)[0]
        rejection, self._next_rejection = self._next_rejection, None
        if rejection is None:
            rejection = self.path_rejections.get(bare_path)
        if rejection is None and self.settings.path not in ("", "/", bare_path):
            rejection = Rejection(
                404, (), f"No WebSocket here: listening on {self.settings.path}\n"
            )
        return rejection_response(rejection) if rejection is not None else None

    def _process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        number = self._numbers.get(connection)
        if number is None:
            return
        accepted = response.status_code == http.HTTPStatus.SWITCHING_PROTOCOLS
        subprotocol = response.headers.get("Sec-WebSocket-Protocol")
        event = HandshakeEvent(
            number,
            time.time(),
            time.monotonic(),
            request_line=f"GET {request.path} HTTP/1.1",
            request_headers=tuple(request.headers.raw_items()),
            status_line=_status_line(response.status_code, response.reason_phrase),
            response_headers=tuple(response.headers.raw_items()),
            body=bytes(response.body or b""),
            accepted=accepted,
            status_code=response.status_code,
            subprotocol=subprotocol,
            extensions=response.headers.get("Sec-WebSocket-Extensions", ""),
        )
        client = self.clients[number]
        client.handshake, client.subprotocol = event, subprotocol
        self.log.append(event)
        if not accepted:
            self._numbers.pop(connection, None)
            self._set_state(number, ConnState.FAILED)

    # -- a client's life --------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        number = self._numbers[connection]
        client = self.clients[number]
        self._connections[number] = connection
        self._set_state(number, ConnState.OPEN)
        closed: ConnectionClosed | None = None
        try:
            while True:
                message = await connection.recv()
                text = isinstance(message, str)
                data = message.encode() if isinstance(message, str) else message
                self.log.append_message(number, True, text, data, time.time(), time.monotonic())
                client.messages_in += 1
                self.on_change()
                if text:
                    assert isinstance(message, str)
                    for answer, delay in self.rules.answers(message, number, client.path):
                        self._tasks.spawn(self._answer_later(number, answer, delay))
        except ConnectionClosed as exc:
            closed = exc
        finally:
            self._connections.pop(number, None)
            self._numbers.pop(connection, None)
            client.close = _close_event(number, closed)
            self.log.append(client.close)
            self._set_state(number, ConnState.CLOSED)

    async def _answer_later(self, number: int, answer: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        if number in self._connections:
            await self._send(number, answer)

    async def _every(self, period: float, template: str) -> None:
        while True:
            await asyncio.sleep(period)
            for number in self.open_numbers():
                client = self.clients[number]
                answer = self.rules.render(template, number, client.path)
                await self._send(number, answer)

    async def _send(self, number: int, message: str | bytes) -> None:
        connection = self._connections.get(number)
        if connection is None:
            return
        data = message.encode() if isinstance(message, str) else message
        # Logged before it goes: an answer follows the message it answers.
        self.log.append_message(
            number, False, isinstance(message, str), data, time.time(), time.monotonic()
        )
        self.clients[number].messages_out += 1
        self.on_change()
        with contextlib.suppress(ConnectionClosed):
            await connection.send(message)

    async def _await_pong(
        self, number: int, waiter: Awaitable[float], data: bytes, sent: float
    ) -> None:
        with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
            await waiter
            event = self._control(number, Direction.IN, ControlKind.PONG, data)
            self.log.append(
                ControlEvent(
                    number,
                    event.wall,
                    event.mono,
                    Direction.IN,
                    ControlKind.PONG,
                    data,
                    rtt=event.mono - sent,
                )
            )

    # -- bookkeeping --------------------------------------------------------------------------

    @staticmethod
    def _control(number: int, direction: Direction, kind: ControlKind, data: bytes) -> ControlEvent:
        return ControlEvent(number, time.time(), time.monotonic(), direction, kind, data)

    def _set_state(self, number: int, state: ConnState) -> None:
        client = self.clients.get(number)
        if client is None or client.state is state:
            return
        client.state = state
        uri = f"{client.address} {client.path}" if state is ConnState.OPEN else ""
        self.log.append(StateEvent(number, time.time(), time.monotonic(), state, uri=uri))
        self.on_change()

    def _note(self, text: str) -> None:
        self.log.append(NoteEvent(0, time.time(), time.monotonic(), text))
