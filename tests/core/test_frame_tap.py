"""Pins websockets' DEBUG log contract that wsinspector.core.websocket.frametap reads.

websockets has no public per-frame hook. The frame tap relies on these calls, which the
library documents only as prefixes (docs/topics/logging.rst):

* ``logger.debug("< %s", frame)`` for every frame parsed and ``logger.debug("> %s", frame)``
  for every frame sent, with a ``websockets.frames.Frame`` as the only argument;
* ``logger.debug("> GET %s HTTP/1.1", path)`` then ``logger.debug("> %s: %s", name, value)``
  per header of the opening request.

If a websockets release changes any of them, these tests fail (keepalive pings and pongs
vanish from the log, text/binary is mixed up, a rejected handshake loses its request). That is
why pyproject.toml pins websockets below 18.
"""

from __future__ import annotations

import asyncio
import logging

from helpers.asyncwait import run, until
from helpers.servers import RecordingServer
from helpers.sessions import close_session, of_type, open_session
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    HandshakeEvent,
    MessageEvent,
)
from wsinspector.core.log.wireframes import WireMeter
from wsinspector.core.websocket.frametap import FrameTap
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session


def test_keepalive_pings_are_logged_as_keepalive(recording_server: RecordingServer) -> None:
    """Pins ``"> %s"``/``"< %s"`` with a Frame argument: keepalive pings and their pongs."""

    def keepalive_pongs(session: Session) -> list[ControlEvent]:
        return [
            e
            for e in of_type(session.log, ControlEvent)
            if e.kind is ControlKind.PONG and e.direction is Direction.IN
        ]

    async def body() -> Session:
        session = await open_session(
            recording_server.url("/silent"), ping_interval=0.1, ping_timeout=5.0
        )
        await until(lambda: len(keepalive_pongs(session)) >= 2)
        await close_session(session)
        return session

    session = run(body)
    controls = of_type(session.log, ControlEvent)
    pings = [e for e in controls if e.kind is ControlKind.PING]
    pongs = [e for e in controls if e.kind is ControlKind.PONG]
    assert len(pings) >= 2
    assert all(p.direction is Direction.OUT and p.keepalive for p in pings)
    assert all(len(p.data) == 4 for p in pings)  # the library's random 4-byte payload
    answered = pongs[:2]
    assert all(p.direction is Direction.IN and p.keepalive for p in answered)
    assert all(p.rtt is not None and p.rtt >= 0 for p in answered)
    assert [p.data for p in answered] == [p.data for p in pings[:2]]
    assert {e.conn for e in controls} == {1}


def test_server_ping_and_client_pong_are_logged() -> None:
    """An unsolicited ping from the server ("< %s") and the library's automatic pong ("> %s")."""

    async def handler(ws: ServerConnection) -> None:
        waiter = await ws.ping(b"srv!")
        await waiter
        await ws.wait_closed()

    async def body() -> Session:
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            session = await open_session(f"ws://127.0.0.1:{port}/")
            await until(lambda: len(of_type(session.log, ControlEvent)) == 2)
            await close_session(session)
        return session

    session = run(body)
    ping, pong = of_type(session.log, ControlEvent)
    assert (ping.direction, ping.kind, ping.data) == (Direction.IN, ControlKind.PING, b"srv!")
    assert (pong.direction, pong.kind, pong.data) == (Direction.OUT, ControlKind.PONG, b"srv!")
    assert ping.rtt is None and pong.rtt is None
    assert not ping.keepalive and not pong.keepalive


def test_received_opcodes_tell_text_from_binary_also_when_fragmented() -> None:
    """Pins ``"< %s"`` for data frames: TEXT/BINARY are recorded, CONT frames are not."""

    async def handler(ws: ServerConnection) -> None:
        await ws.send("plain text")
        await ws.send(b"\x00binary")
        await ws.send(["frag", "mented ", "text"])  # TEXT + CONT + CONT frames
        await ws.send([b"\x01", b"\x02"])  # BINARY + CONT
        await ws.send(b"not utf-8 \xc3", text=True)
        await ws.wait_closed()

    async def body() -> Session:
        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            session = await open_session(f"ws://127.0.0.1:{port}/", compression=False)
            await until(lambda: session.log.counters.messages_in == 5)
            await close_session(session)
        return session

    session = run(body)
    messages = of_type(session.log, MessageEvent)
    assert [(m.text, m.data) for m in messages] == [
        (True, b"plain text"),
        (False, b"\x00binary"),
        (True, b"fragmented text"),
        (False, b"\x01\x02"),
        (True, b"not utf-8 \xc3"),
    ]


def test_rejected_handshake_request_comes_from_the_request_log_lines(
    recording_server: RecordingServer,
) -> None:
    """Pins ``"> GET %s HTTP/1.1"`` and ``"> %s: %s"``: the request of a rejected handshake."""
    options = ConnectionOptions(
        recording_server.url("/reject?status=401"),
        headers=(("Authorization", "Bearer t0ken"), ("X-A", "1"), ("X-A", "2")),
        ping_interval=None,
    )

    async def body() -> Session:
        session = Session(options, EventLog())
        task = session.start()
        async with asyncio.timeout(5):
            await task
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    (handshake,) = of_type(session.log, HandshakeEvent)
    (request,) = recording_server.requests
    assert handshake.request_line == "GET /reject?status=401 HTTP/1.1"
    assert handshake.request_headers == tuple(request.headers)
    assert ("X-A", "1") in handshake.request_headers
    assert handshake.status_code == 401


def test_tap_directly() -> None:
    """The tap's own reading of the calls, made the way websockets makes them.

    websockets wraps the logger in a LoggerAdapter, whose debug() ends in Logger.log().
    """
    seen: list[tuple[Direction, Frame]] = []
    tap = FrameTap(lambda direction, frame: seen.append((direction, frame)))
    logger = logging.LoggerAdapter(tap, {"websocket": None})
    assert logger.isEnabledFor(logging.DEBUG)
    logger.debug("> GET %s HTTP/1.1", "/path?q=1")
    logger.debug("> %s: %s", "Host", "example")
    logger.debug("< %s", Frame(Opcode.TEXT, b"a", fin=False))
    logger.debug("< %s", Frame(Opcode.CONT, b"b"))
    logger.debug("< %s", Frame(Opcode.BINARY, b"c"))
    logger.debug("< %s", Frame(Opcode.PING, b"p"))
    logger.debug("< %s", Frame(Opcode.CLOSE, b"\x03\xe8"))
    logger.debug("> %s", Frame(Opcode.PONG, b"p"))
    logger.debug("> %s", Frame(Opcode.TEXT, b"not a control frame"))
    logger.debug("= connection is %s", "OPEN")  # neither a frame nor a request line
    assert tap.request_line == "GET /path?q=1 HTTP/1.1"
    assert tap.request_headers == [("Host", "example")]
    # A plain message is its opcode; a fragmented one the frames it came in.
    fragmented, plain = tap.incoming_opcodes
    assert isinstance(fragmented, tuple)
    assert [(f.opcode, f.fin, f.length) for f in fragmented] == [
        (Opcode.TEXT, False, 1),
        (Opcode.CONT, True, 1),
    ]
    assert plain is Opcode.BINARY
    assert [(d, f.opcode, f.data) for d, f in seen] == [
        (Direction.IN, Opcode.PING, b"p"),
        (Direction.OUT, Opcode.PONG, b"p"),
    ]
    # A new request starts a new connection attempt: nothing of the old one remains.
    logger.debug("> GET %s HTTP/1.1", "/again")
    assert tap.request_line == "GET /again HTTP/1.1"
    assert tap.request_headers == []
    assert not tap.incoming_opcodes


def test_the_protocol_logs_frames_straight_into_the_tap(
    recording_server: RecordingServer,
) -> None:
    """TappedConnection relies on ClientConnection wrapping `protocol.logger` in a LoggerAdapter
    whose `.logger` is the logger given to connect(); it unwraps it for the per-frame calls."""

    async def body() -> None:
        session = await open_session(recording_server.url("/echo"))
        websocket = session.websocket
        assert websocket is not None
        assert isinstance(websocket.protocol.logger, FrameTap)
        assert isinstance(websocket.logger, logging.LoggerAdapter)  # the connection's own
        await session.send_text("through the tap")
        await until(lambda: session.log.counters.messages_in == 1)
        (received,) = [e for e in of_type(session.log, MessageEvent) if e.direction == "in"]
        assert received.text and received.data == b"through the tap"
        await close_session(session)

    run(body)


def test_the_negotiated_extensions_are_metered_once_the_connection_opens(
    recording_server: RecordingServer,
) -> None:
    """Pins ``"= connection is %s"`` with "OPEN", logged after the handshake response set
    `protocol.extensions` and before any frame is parsed: the tap wraps them in a WireMeter
    there, to see received frames before permessage-deflate inflates them."""

    async def body() -> None:
        session = await open_session(recording_server.url("/echo"))
        websocket = session.websocket
        assert websocket is not None
        (meter,) = websocket.protocol.extensions
        assert isinstance(meter, WireMeter)
        assert [type(e).__name__ for e in meter.inner] == ["PerMessageDeflate"]
        await close_session(session)

    run(body)
