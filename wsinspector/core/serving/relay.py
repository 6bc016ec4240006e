"""A relay: listen locally, forward each client to an upstream URI, log both legs in one log.

The app under test connects to the relay's address; for each client the relay opens its own
connection to the upstream with the page's ConnectionOptions (headers, TLS, timeouts…), and
only then answers the app's handshake: with the subprotocol the upstream chose, or with
502 Bad Gateway and the reason when the upstream could not be reached. Each client is two
connections of the log, numbered one after the other: the app's leg (app ↔ relay) and the
upstream's (relay ↔ upstream); both handshakes are logged.

Messages are logged once, as they arrive, on the leg they arrived on, with the direction a
client page would give them: what the app sends goes toward the upstream and is "sent"
(Direction.OUT), what the upstream sends is "received" (Direction.IN). A message the user
edits, or injects, is logged again on the leg it leaves by.

The flood's path is: recv, append to the log, send. With an intercept rule set, a message it
matches is held in its direction's Lane (intercept.py) and the ones behind it wait there.

When one leg ends, the other is closed: with the same close frame when the first one ended
with a close frame (a relay passes a normal close on), else with `fault_code` (1011 unless
the user chose another), and the log says which leg ended first and how.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Close
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    Direction,
    ErrorEvent,
    HandshakeEvent,
    NoteEvent,
)
from wsinspector.core.log.filtering import Predicate
from wsinspector.core.serving.intercept import InterceptRule, Lane, Outcome, Send, Waiting
from wsinspector.core.serving.relay_controls import SERVER_LOGGER, ControlTap
from wsinspector.core.serving.relay_request import upstream_kwargs, upstream_uri
from wsinspector.core.serving.relay_words import (
    Leg,
    client_words,
    dropped_words,
    edited_words,
    ended_first_words,
    fault_reason,
    forwarded_words,
    held_on_stop_words,
    injected_words,
    leg_name,
    listening_words,
    stopped_words,
    undelivered_words,
    upstream_failed_words,
)
from wsinspector.core.websocket.errors import describe_error, status_line
from wsinspector.core.websocket.limits import websockets_max_size
from wsinspector.core.websocket.options import READ_QUEUE_MARKS, ConnectionOptions
from wsinspector.core.websocket.session_events import accepted_handshake, close_event

TO_UPSTREAM = Direction.OUT
TO_APP = Direction.IN
DEFAULT_FAULT_CODE = 1011
DEFAULT_LISTEN = "127.0.0.1:0"
# Close codes that say no close frame came: they can't be passed on.
_NOT_SENDABLE = frozenset({1005, 1006, 1015})


def parse_listen(text: str) -> tuple[str, int]:
    """`host:port` (`[::1]:0` for IPv6; port 0 picks a free one) as (host, port); ValueError
    in words for anything else. Shared with server pages."""
    text = text.strip() or DEFAULT_LISTEN
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"listen on host:port, e.g. {DEFAULT_LISTEN} (got {text!r})")
    host = host.removeprefix("[").removesuffix("]")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"the port must be a number from 0 to 65535 (got {port_text!r})")
    return host, int(port_text)


def ws_address(host: str, port: int) -> str:
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    return f"ws://{host}:{port}/"


@dataclass(frozen=True, slots=True)
class HeldMessage:
    """A message the intercept holds: of client `client`, going `direction`."""

    client: int
    direction: Direction
    event_id: int
    text: bool
    data: bytes


@dataclass(eq=False, slots=True)
class RelayClient:
    """One app connection and its upstream connection."""

    number: int
    peer: str
    path: str
    app_conn: int
    upstream_conn: int
    # Pings and pongs of each leg (relay_controls.py): the app's, the upstream's.
    taps: tuple[ControlTap, ControlTap]
    upstream: ClientConnection | None = None
    app: ServerConnection | None = None
    lanes: dict[Direction, Lane] = field(default_factory=dict)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    first: tuple[Leg, ConnectionClosed] | None = None
    logged_closes: set[Leg] = field(default_factory=set)


class Relay:
    """Listens on `listen` (host:port) and relays each client to `options.uri`."""

    def __init__(
        self,
        options: ConnectionOptions,
        log: EventLog,
        listen: str = DEFAULT_LISTEN,
        *,
        fault_code: int = DEFAULT_FAULT_CODE,
        leg_names: dict[int, str] | None = None,
    ) -> None:
        Close(fault_code, "").check()  # a code that can't be sent fails here, in words
        self.options = options
        self.log = log
        self.host, self.port = parse_listen(listen)
        self.fault_code = fault_code
        self.address = ""
        self.clients: dict[int, RelayClient] = {}
        # Connection number → "app #1", "upstream #1": what the log shows in place of numbers.
        self.leg_names = leg_names if leg_names is not None else {}
        self._numbers = 0
        self.last_rtt: float | None = None  # of the last keepalive ping answered, either leg
        self.last_fault = ""  # how the last leg that dropped did (the log's words)
        self._opening: dict[ServerConnection, RelayClient] = {}
        self._server: Server | None = None
        self._stopping = False
        self._rule: InterceptRule | None = None
        self._holds: dict[Direction, Predicate] = {}
        # Called (on the loop) when the held messages or the clients change: a page refreshes.
        self.on_change: Callable[[], None] = _nothing

    @property
    def listening(self) -> bool:
        return self._server is not None and not self._stopping

    # -- intercept ---------------------------------------------------------------------------

    @property
    def intercept(self) -> InterceptRule | None:
        return self._rule

    @intercept.setter
    def intercept(self, rule: InterceptRule | None) -> None:
        """Hold what `rule` matches from now on; None holds nothing (held messages stay
        held until forwarded or dropped)."""
        self._rule = rule
        if rule is None:
            self._holds = {}
            return
        predicate = rule.compiled()
        self._holds = {direction: predicate for direction in rule.directions}

    def held(self) -> list[HeldMessage]:
        """The messages waiting for the user, client by client, oldest first."""
        return [
            HeldMessage(client.number, lane.direction, w.event_id, w.text, w.data)
            for client in self.clients.values()
            for lane in client.lanes.values()
            for w in lane.held()
        ]

    def release_all(self) -> int:
        """Forward every held message, in order; returns how many were held."""
        released = sum(
            lane.release_all() for client in self.clients.values() for lane in client.lanes.values()
        )
        self.on_change()
        return released

    def forward(self, event_id: int, edited: str | bytes | None = None) -> None:
        """Let held message `event_id` go on, as it came or as `edited`; KeyError when no
        such message is held, ValueError for bytes in place of a text message that are not
        UTF-8."""
        client, lane, waiting = self._find_held(event_id)
        payload: bytes | None = None
        if edited is not None:
            payload = edited.encode() if isinstance(edited, str) else edited
            if waiting.text:
                payload.decode()  # UnicodeDecodeError is a ValueError
        else:
            self._note(
                self._departure(client, lane.direction), forwarded_words(event_id, lane.direction)
            )
        lane.decide(waiting, Outcome.FORWARD, payload)
        self.on_change()

    def drop(self, event_id: int) -> None:
        """Held message `event_id` never goes on; KeyError when no such message is held."""
        client, lane, waiting = self._find_held(event_id)
        self._note(self._departure(client, lane.direction), dropped_words(event_id, lane.direction))
        lane.decide(waiting, Outcome.DROP)
        self.on_change()

    async def inject(self, number: int, direction: Direction, message: str | bytes) -> None:
        """Send a message of the user's to client `number`'s app (TO_APP) or upstream
        (TO_UPSTREAM) at once, logged on that leg; KeyError for no such client."""
        client = self.clients[number]
        target = client.upstream if direction is TO_UPSTREAM else client.app
        if target is None:
            raise KeyError(number)
        conn = self._departure(client, direction)
        text = isinstance(message, str)
        data = message.encode() if isinstance(message, str) else message
        self._note(conn, injected_words(direction))
        self.log.append_message(
            conn, direction is TO_APP, text, data, time.time(), time.monotonic()
        )
        await target.send(message)

    def _find_held(self, event_id: int) -> tuple[RelayClient, Lane, Waiting]:
        for client in self.clients.values():
            for lane in client.lanes.values():
                waiting = lane.find(event_id)
                if waiting is not None and waiting.outcome is Outcome.HELD:
                    return client, lane, waiting
        raise KeyError(f"message #{event_id} is not held")

    # -- listening ---------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen; returns the ws:// address for the app. OSError when the address is taken."""
        options = self.options
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._open_upstream,
            process_response=self._log_app_handshake,
            select_subprotocol=self._select_subprotocol,
            logger=SERVER_LOGGER,  # each leg's frames then go to its ControlTap
            compression="deflate" if options.compression else None,
            max_size=websockets_max_size(options.max_message_size),
            max_queue=READ_QUEUE_MARKS,  # as the upstream leg's (options.py says why)
            ping_interval=options.ping_interval,
            ping_timeout=options.ping_timeout,
            close_timeout=options.close_timeout,
        )
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = ws_address(self.host if self.host else host, port)
        self._note(0, listening_words(self.address, options.uri))
        return self.address

    async def stop(
        self, code: int = 1001, reason: str = "relay stopped", *, forward_held: bool = True
    ) -> None:
        """Stop listening and close every client's legs with `code` and `reason`.

        Held messages first go on when `forward_held`; otherwise they are not forwarded and
        the close reason (and the log) says how many.
        """
        if self._server is None or self._stopping:
            return
        self._stopping = True
        clients = list(self.clients.values())
        held = 0
        for client in clients:
            for lane in client.lanes.values():
                if forward_held:
                    lane.release_all()
                else:
                    held += len(lane.held())
        if held:
            self._note(0, held_on_stop_words(held))
            reason = held_on_stop_words(held)
        if forward_held:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.close_timeout):
                    await asyncio.gather(
                        *(lane.drained() for c in clients for lane in c.lanes.values())
                    )
        await asyncio.gather(*(self._close_both(client, code, reason) for client in clients))
        # Clients still in their handshake have an upstream leg and no relaying yet.
        opening = [c.upstream for c in self._opening.values() if c.upstream is not None]
        await asyncio.gather(*(leg.close(code, reason) for leg in opening), return_exceptions=True)
        self._server.close(close_connections=True)
        await self._server.wait_closed()
        self._note(0, stopped_words(len(clients)))

    async def _close_both(self, client: RelayClient, code: int, reason: str) -> None:
        legs = [leg for leg in (client.app, client.upstream) if leg is not None]
        await asyncio.gather(*(leg.close(code, reason) for leg in legs), return_exceptions=True)
        await client.ended.wait()

    # -- one client ----------------------------------------------------------------------------

    async def _open_upstream(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Before answering the app: its numbers in the log, then the upstream connection."""
        self._numbers += 1
        peer = connection.remote_address
        client = RelayClient(
            self._numbers,
            f"{peer[0]}:{peer[1]}" if peer else "?",
            request.path,
            self.log.next_connection_number(),
            self.log.next_connection_number(),
            (ControlTap(self.log, TO_APP, self._rtt), ControlTap(self.log, TO_UPSTREAM, self._rtt)),
        )
        self._opening[connection] = client
        self.leg_names[client.app_conn] = leg_name(Leg.APP, client.number)
        self.leg_names[client.upstream_conn] = leg_name(Leg.UPSTREAM, client.number)
        # Each leg's pings and pongs are logged once its handshake is.
        connection.protocol.logger = client.taps[0]
        self._note(
            client.app_conn,
            client_words(
                client.number, client.peer, client.path, client.app_conn, client.upstream_conn
            ),
        )
        options = self.options
        uri = upstream_uri(options.connect_uri, request.path)
        kwargs = upstream_kwargs(request, options)
        kwargs["logger"] = client.taps[1]
        try:
            client.upstream = await connect(uri, **kwargs)
        except Exception as exc:
            words = describe_error(exc, uri=uri)
            if isinstance(exc, InvalidStatus):
                self.log.append(_rejected(client.upstream_conn, exc.response))
            self._error(client.upstream_conn, upstream_failed_words(uri, words), exc)
            return connection.respond(
                HTTPStatus.BAD_GATEWAY, f"wsinspector relay: {uri}: {words}\n"
            )
        self.log.append(accepted_handshake(client.upstream_conn, client.upstream))
        client.upstream.protocol.logger = client.taps[1]  # without websockets' adapter
        client.taps[1].conn = client.upstream_conn
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        client = self._opening.get(connection)
        upstream = client.upstream if client is not None else None
        chosen = upstream.subprotocol if upstream is not None else None
        return chosen if chosen in offered else None

    def _log_app_handshake(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        client = self._opening.get(connection)
        conn = client.app_conn if client is not None else 0
        accepted = response.status_code == HTTPStatus.SWITCHING_PROTOCOLS
        self.log.append(
            HandshakeEvent(
                conn,
                time.time(),
                time.monotonic(),
                request_line=f"GET {request.path} HTTP/1.1",
                request_headers=tuple(request.headers.raw_items()),
                status_line=status_line(response.status_code, response.reason_phrase),
                response_headers=tuple(response.headers.raw_items()),
                body=bytes(response.body or b"") if not accepted else b"",
                accepted=accepted,
                status_code=response.status_code,
                subprotocol=response.headers.get("Sec-WebSocket-Protocol"),
                extensions=response.headers.get("Sec-WebSocket-Extensions", ""),
            )
        )
        if client is not None and accepted:
            client.taps[0].conn = client.app_conn
        elif client is not None:
            self._opening.pop(connection, None)

    async def _handle(self, connection: ServerConnection) -> None:
        client = self._opening.pop(connection)
        upstream = client.upstream
        assert upstream is not None
        client.app = connection
        self.clients[client.number] = client
        self.on_change()
        client.lanes = {
            TO_UPSTREAM: Lane(TO_UPSTREAM, self._sender(client, upstream, TO_UPSTREAM)),
            TO_APP: Lane(TO_APP, self._sender(client, connection, TO_APP)),
        }
        loop = asyncio.get_running_loop()
        pumps = [
            loop.create_task(self._pump(client, connection, upstream, TO_UPSTREAM, Leg.APP)),
            loop.create_task(self._pump(client, upstream, connection, TO_APP, Leg.UPSTREAM)),
        ]
        try:
            await client.ended.wait()
            await self._end(client)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for lane in client.lanes.values():
                lane.stop()
            self.clients.pop(client.number, None)
            self.on_change()

    async def _pump(
        self,
        client: RelayClient,
        source: ClientConnection | ServerConnection,
        target: ClientConnection | ServerConnection,
        direction: Direction,
        leg: Leg,
    ) -> None:
        # The flood's path: names bound once; a message costs a log append and a send.
        conn = client.app_conn if leg is Leg.APP else client.upstream_conn
        incoming = direction is TO_APP
        lane = client.lanes[direction]
        log = self.log
        append = log.append_message
        recv, send = source.recv, target.send
        wall, mono = time.time, time.monotonic
        holds = self._holds
        while True:
            try:
                message = await recv()
            except ConnectionClosed as closed:
                self._leg_ended(client, leg, closed)
                return
            text = type(message) is str
            data = message.encode() if isinstance(message, str) else message
            append(conn, incoming, text, data, wall(), mono())
            if holds is not self._holds:
                holds = self._holds
            predicate = holds.get(direction) if holds else None
            held = predicate is not None and predicate.test_message(conn, incoming, text, data)
            if lane or held:
                outcome = Outcome.HELD if held else Outcome.WAITING
                lane.push(Waiting(log.next_id - 1, text, data, outcome))
                if held:
                    self.on_change()
                continue
            try:
                await send(message)
            except ConnectionClosed:
                return  # the target's own reader tells how its leg ended

    def _sender(
        self,
        client: RelayClient,
        target: ClientConnection | ServerConnection,
        direction: Direction,
    ) -> Send:
        conn = self._departure(client, direction)

        async def send(waiting: Waiting) -> None:
            data = waiting.data
            if waiting.edited is not None:
                data = waiting.edited
                self._note(conn, edited_words(waiting.event_id, direction))
                self.log.append_message(
                    conn, direction is TO_APP, waiting.text, data, time.time(), time.monotonic()
                )
            with contextlib.suppress(ConnectionClosed):
                await target.send(data.decode() if waiting.text else data)

        return send

    def _leg_ended(self, client: RelayClient, leg: Leg, closed: ConnectionClosed) -> None:
        conn = client.app_conn if leg is Leg.APP else client.upstream_conn
        self._log_close(client, leg, conn, closed)
        if client.first is None:
            client.first = (leg, closed)
        client.ended.set()

    async def _end(self, client: RelayClient) -> None:
        """One leg ended: pass what waits for the other on, then close it."""
        assert client.first is not None
        leg, closed = client.first
        toward_gone = TO_APP if leg is Leg.APP else TO_UPSTREAM
        survivor = client.upstream if leg is Leg.APP else client.app
        survivor_leg = Leg.UPSTREAM if leg is Leg.APP else Leg.APP
        assert survivor is not None
        lost = client.lanes[toward_gone].stop()
        if lost:
            self._note(
                self._departure(client, toward_gone), undelivered_words(len(lost), toward_gone)
            )
        if not self._stopping:
            toward_survivor = client.lanes[TO_UPSTREAM if leg is Leg.APP else TO_APP]
            toward_survivor.release_all()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.close_timeout):
                    await toward_survivor.drained()
            passed = _passed_on(closed)
            code, reason = passed or (self.fault_code, fault_reason(leg, closed))
            words = ended_first_words(leg, closed, code, reason)
            if passed is None:
                self.last_fault = words
            self._note(client.app_conn, words)
            await survivor.close(code, reason)
        await survivor.wait_closed()
        exc = survivor.protocol.close_exc
        survivor_conn = client.app_conn if survivor_leg is Leg.APP else client.upstream_conn
        self._log_close(client, survivor_leg, survivor_conn, exc)

    # -- logging helpers -----------------------------------------------------------------------

    def _departure(self, client: RelayClient, direction: Direction) -> int:
        """The connection a message going `direction` leaves by."""
        return client.upstream_conn if direction is TO_UPSTREAM else client.app_conn

    def _log_close(
        self, client: RelayClient, leg: Leg, conn: int, closed: ConnectionClosed
    ) -> None:
        if leg in client.logged_closes:
            return
        client.logged_closes.add(leg)
        event = close_event(conn, closed)
        if leg is Leg.APP and event.initiator:
            # close_event speaks as a client: on the app's leg the relay is the server.
            swapped = "client" if event.initiator == "server" else "server"
            event = dataclasses.replace(event, initiator=swapped)
        self.log.append(event)

    def _rtt(self, seconds: float) -> None:
        self.last_rtt = seconds

    def _note(self, conn: int, text: str) -> None:
        self.log.append(NoteEvent(conn, time.time(), time.monotonic(), text))

    def _error(self, conn: int, message: str, exc: BaseException) -> None:
        detail = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
        self.log.append(ErrorEvent(conn, time.time(), time.monotonic(), message, detail))


def _nothing() -> None:
    pass


def _passed_on(closed: ConnectionClosed) -> tuple[int, str] | None:
    """The close a leg's end passes on to the other leg; None for a fault (no close frame)."""
    frame = closed.rcvd
    if frame is not None and frame.code not in _NOT_SENDABLE:
        return frame.code, frame.reason
    if frame is not None and frame.code == 1005:
        return 1000, ""
    return None


def _rejected(conn: int, response: Response) -> HandshakeEvent:
    return HandshakeEvent(
        conn,
        time.time(),
        time.monotonic(),
        request_line="",
        request_headers=(),
        status_line=status_line(response.status_code, response.reason_phrase),
        response_headers=tuple(response.headers.raw_items()),
        body=bytes(response.body or b""),
        accepted=False,
        status_code=response.status_code,
    )


__all__ = [
    "DEFAULT_FAULT_CODE",
    "DEFAULT_LISTEN",
    "TO_APP",
    "TO_UPSTREAM",
    "HeldMessage",
    "InterceptRule",
    "Relay",
    "RelayClient",
    "parse_listen",
    "ws_address",
]
