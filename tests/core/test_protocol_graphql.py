"""GraphQL over WebSocket against a real Node `graphql-ws` server (tests/node/graphql_server.js):
connection_init with its payload, subscriptions streamed to completion or stopped, queries,
operations checked before they are sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.asyncwait import run, until, wait_state
from helpers.node import node_server
from helpers.sessions import close_session

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import CloseEvent, ConnState, Direction, MessageEvent
from wsinspector.core.protocols.base import ComposeError, Reading
from wsinspector.core.protocols.driver import ProtocolDriver, start_session
from wsinspector.core.protocols.graphql import GraphQLProtocol
from wsinspector.core.protocols.registry import GRAPHQL, guess
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

COUNTDOWN = "subscription Count($from: Int!) { countdown(from: $from) }"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("graphql_server.js") as server_port:
        yield server_port


def received(session: Session, driver: ProtocolDriver, kind: str) -> list[Reading]:
    readings = (
        driver.protocol.describe(e.data, True)
        for e in session.log
        if isinstance(e, MessageEvent) and e.direction is Direction.IN
    )
    return [r for r in readings if r.kind == kind]


async def open_graphql(port: int, payload: str = "") -> tuple[Session, ProtocolDriver]:
    options = ConnectionOptions(
        f"ws://127.0.0.1:{port}/graphql",
        ping_interval=None,
        open_timeout=5.0,
        close_timeout=1.0,
        protocol=GRAPHQL,
        protocol_params=(("payload", payload),) if payload else (),
    )
    session, driver = start_session(options, EventLog())
    assert driver is not None
    await wait_state(session, ConnState.OPEN, ConnState.FAILED)
    assert session.state is ConnState.OPEN, session.last_error
    await until(lambda: received(session, driver, "connection_ack"))
    return session, driver


def test_a_subscription_streams_to_completion(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_graphql(port, '{"token": "ok"}')
        await driver.send({"body": COUNTDOWN, "variables": '{"from": 5}'})
        await until(lambda: received(session, driver, "complete"))
        nexts = received(session, driver, "next")
        assert [r.value for r in nexts] == [{"data": {"countdown": i}} for i in range(5, 0, -1)]
        assert {r.name for r in nexts} == {"Count #1"}
        assert received(session, driver, "complete")[0].name == "Count #1"
        assert isinstance(driver.protocol, GraphQLProtocol)
        assert driver.protocol.running() == {}
        await close_session(session)

    run(scenario, timeout=15)


def test_a_running_subscription_can_be_stopped(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_graphql(port)
        protocol = driver.protocol
        assert isinstance(protocol, GraphQLProtocol)
        await driver.send({"body": "subscription { forever }"})
        await until(lambda: len(received(session, driver, "next")) >= 3)
        assert protocol.running() == {"1": "forever"}
        await driver.send({"stop": "1"})
        count = len(received(session, driver, "next"))
        await driver.send({"body": "{ hello }"})
        await until(lambda: received(session, driver, "complete"))
        # The query's answer came after the stop; the stopped stream sent nothing more
        # than what was already on its way.
        hello = [r for r in received(session, driver, "next") if r.name == "hello #2"]
        assert hello[0].value == {"data": {"hello": "world"}}
        assert len(received(session, driver, "next")) <= count + 2
        assert protocol.running() == {}
        await close_session(session)

    run(scenario, timeout=15)


def test_the_init_payload_reaches_the_server(port: int) -> None:
    async def scenario() -> None:
        options = ConnectionOptions(
            f"ws://127.0.0.1:{port}/graphql",
            ping_interval=None,
            protocol=GRAPHQL,
            protocol_params=(("payload", '{"token": "refused"}'),),
        )
        session, _driver = start_session(options, EventLog())
        await until(lambda: any(isinstance(e, CloseEvent) for e in session.log))
        close = next(e for e in session.log if isinstance(e, CloseEvent))
        assert close.code == 4403  # graphql-ws: Forbidden, from the server's onConnect
        await session.close()

    run(scenario, timeout=10)


def test_operations_are_checked_before_sending() -> None:
    protocol = GraphQLProtocol()
    with pytest.raises(ComposeError) as raised:
        protocol.compose({"body": "subscription { countdown(from: 3) "})
    assert raised.value.field == "body"
    with pytest.raises(ComposeError) as raised:
        protocol.compose({"body": "{ hello }", "variables": "[1]"})
    assert raised.value.field == "variables"
    assert protocol.read('{"type":"ping"}')[1][0].data == '{"type":"pong"}'
    assert protocol.describe("nope", True).problem


def test_guess_from_what_the_user_typed() -> None:
    assert guess("ws://h/graphql", ["graphql-transport-ws"]) == GRAPHQL
    assert guess("ws://h/", ["graphql-ws"]) == GRAPHQL
    assert guess("http://h:3000") == "socketio"
    assert guess("ws://h/socket.io/?EIO=4") == "socketio"
    assert guess("ws://h/ws", ["v12.stomp"]) == "stomp"
    assert guess("ws://h/mqtt", ["mqtt"]) == "mqtt"
    assert guess("ws://h/echo") == "websocket"
