"""Socket.IO against a real Node `socket.io` v4 server (tests/node/socketio_server.js) with a
300 ms ping interval: the handshake, events, acknowledgements, keepalive under a flood."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from helpers.asyncwait import run, until
from helpers.node import node_server
from helpers.sessions import close_session
from helpers.sio import of_kind, open_socketio

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    Direction,
    Event,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import ComposeError
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.socketio import SocketIOProtocol, socketio_uri
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("socketio_server.js") as server_port:
        yield server_port


def test_uri_accepts_http_as_postman_does() -> None:
    assert socketio_uri("http://h:1") == "ws://h:1/socket.io/?EIO=4&transport=websocket"
    assert socketio_uri("https://h/x/?a=1") == "wss://h/x/?a=1&EIO=4&transport=websocket"
    assert socketio_uri("ws://h/socket.io/?EIO=4") == (
        "ws://h/socket.io/?EIO=4&transport=websocket"
    )


def test_events_ack_and_keepalive(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(f"http://127.0.0.1:{port}", auth='{"token": "t1"}')
        protocol = driver.protocol
        log = session.log
        await until(lambda: of_kind(log, protocol, "event", "welcome"))
        welcome = of_kind(log, protocol, "event", "welcome")[0]
        assert welcome.value == {"hello": "world", "auth": {"token": "t1"}}
        await driver.send({"event": "echo", "body": '[1, {"two": 2}]', "ack": True})
        await until(lambda: of_kind(log, protocol, "ack", "echo"))
        ack = of_kind(log, protocol, "ack", "echo")[0]
        assert ack.value == {"echoed": [1, {"two": 2}]}
        assert "echo" in ack.detail and " ms" in ack.detail
        # The server pings every 300 ms and drops a client that does not answer within 300 ms
        # more: ten pings answered and still open is three seconds of keepalive.
        await until(lambda: len(of_kind(log, protocol, "ping")) >= 10, timeout=10)
        assert session.state is ConnState.OPEN
        await close_session(session)

    run(scenario, timeout=20)


def test_namespace_connect_with_auth(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(
            f"ws://127.0.0.1:{port}/socket.io/", namespace="/admin", auth='{"user": "u"}'
        )
        log = session.log
        await until(lambda: of_kind(log, driver.protocol, "event", "welcome"))
        welcome = of_kind(log, driver.protocol, "event", "/admin welcome")[0]
        assert welcome.value == {"namespace": "/admin", "auth": {"user": "u"}}
        await close_session(session)

    run(scenario, timeout=10)


def pings_answered(log: EventLog) -> int:
    """Engine.IO pings received (payload `2`), counted without decoding the flood."""
    return sum(1 for e in log.entries() if type(e) is tuple and e[1] and e[3] == b"2")


def flooded(log: EventLog) -> bool:
    """The flood's last event arrived (pings and pongs may follow it)."""
    last = log[-4:]
    assert all(isinstance(e, MessageEvent) for e in last), f"the connection ended: {last}"
    return any(b"flooded" in e.data for e in last)  # type: ignore[attr-defined]


def test_keepalive_through_a_flood(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(f"http://127.0.0.1:{port}")
        log = session.log
        await until(lambda: of_kind(log, driver.protocol, "event", "welcome"))
        for _ in range(3):
            await driver.send({"event": "flood", "body": "10000"})
            await until(lambda: flooded(log), timeout=20, interval=0.05)
            pings = pings_answered(log)
            await until(lambda p=pings: pings_answered(log) >= p + 2, interval=0.05)
            assert session.state is ConnState.OPEN
            log.clear()
        await close_session(session)

    run(scenario, timeout=60)


def test_a_message_that_is_not_socketio_shows_why() -> None:
    protocol = SocketIOProtocol()
    assert protocol.describe("hello", True).problem
    assert protocol.describe("42not json", True).problem
    reading, answers = protocol.read('0{"sid":"x","pingInterval":300}')
    assert reading.kind == "open"
    assert [a.data for a in answers] == ["40"]
    assert protocol.read("2")[1][0].data == "3"


def test_emit_encodes_arguments() -> None:
    protocol = SocketIOProtocol("/chat")
    out = protocol.compose({"event": "say", "body": '["a", 2]', "ack": True})
    assert [o.data for o in out] == ['42/chat,0["say","a",2]']
    out = SocketIOProtocol().compose({"event": "x", "body": "{}"})
    assert json.loads(str(out[0].data)[2:]) == ["x", {}]
    with pytest.raises(ComposeError) as raised:
        protocol.compose({"event": "x", "body": "[1,"})
    assert raised.value.field == "body"


def test_an_emit_before_the_namespace_is_connected_waits_for_it(port: int) -> None:
    """Sent the moment the WebSocket opens, before the server's open packet is read: the event
    leaves after the namespace connect (a server ignores an event for a namespace not connected
    yet), the log says why it waited, and the acknowledgement comes."""

    class SendOnOpen:
        def __init__(self, driver: ProtocolDriver) -> None:
            self.driver = driver
            self.task: asyncio.Task[None] | None = None

        def event_appended(self, log: EventLog, event: Event) -> None:
            if isinstance(event, StateEvent) and event.state is ConnState.OPEN:
                composed = {"event": "echo", "body": '["early"]', "ack": True}
                self.task = asyncio.ensure_future(self.driver.send(composed))

        def messages_appended(self, log: EventLog) -> None:
            pass

        def log_cleared(self, log: EventLog) -> None:
            pass

        def events_dropped(self, log: EventLog, count: int) -> None:
            pass

    async def scenario() -> None:
        options = ConnectionOptions(
            f"http://127.0.0.1:{port}", ping_interval=None, protocol="socketio"
        )
        log = EventLog()
        session = Session(registry.prepare(options), log)
        protocol = registry.create(options)
        assert protocol is not None
        driver = ProtocolDriver(session, protocol)
        log.add_listener(SendOnOpen(driver), messages=False)
        session.start()
        await until(lambda: of_kind(log, protocol, "ack", "echo"))
        assert of_kind(log, protocol, "ack", "echo")[0].value == {"echoed": ["early"]}
        sent = [e.data for e in log if isinstance(e, MessageEvent) and e.direction is Direction.OUT]
        assert sent[:2] == [b"40", b'420["echo","early"]'], sent
        notes = [e.text for e in log if isinstance(e, NoteEvent)]
        assert any("waiting for the Socket.IO handshake" in note for note in notes), notes
        await close_session(session)

    run(scenario, timeout=10)
