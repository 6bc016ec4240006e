"""The legacy GraphQL over WebSocket protocol (subscriptions-transport-ws, subprotocol
`graphql-ws`) against the real Node SubscriptionServer (tests/node/graphql_legacy_server.js):
chosen from the subprotocol the server accepts, the init payload, `ka` keep-alives, operations
streamed to completion or stopped, read in graphql-transport-ws's words."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from helpers.asyncwait import run, until, wait_state
from helpers.node import node_server
from helpers.sessions import close_session

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent
from wsinspector.core.protocols.base import Reading
from wsinspector.core.protocols.driver import ProtocolDriver, start_session
from wsinspector.core.protocols.graphql import GraphQLProtocol
from wsinspector.core.protocols.registry import GRAPHQL
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

COUNTDOWN = "subscription Count($from: Int!) { countdown(from: $from) }"
KEEPALIVE_MS = "100"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("graphql_legacy_server.js", KEEPALIVE_MS) as server_port:
        yield server_port


def received(session: Session, driver: ProtocolDriver, kind: str) -> list[Reading]:
    readings = (
        driver.protocol.describe(e.data, True)
        for e in session.log
        if isinstance(e, MessageEvent) and e.direction is Direction.IN
    )
    return [r for r in readings if r.kind == kind]


def sent_types(session: Session) -> list[str]:
    return [
        json.loads(e.data)["type"]
        for e in session.log
        if isinstance(e, MessageEvent) and e.direction is Direction.OUT
    ]


async def open_legacy(
    port: int, payload: str = "", subprotocols: tuple[str, ...] = ("graphql-ws",)
) -> tuple[Session, ProtocolDriver]:
    options = ConnectionOptions(
        f"ws://127.0.0.1:{port}/graphql",
        ping_interval=None,
        open_timeout=5.0,
        close_timeout=1.0,
        subprotocols=subprotocols,
        protocol=GRAPHQL,
        protocol_params=(("payload", payload),) if payload else (),
    )
    session, driver = start_session(options, EventLog())
    assert driver is not None
    await wait_state(session, ConnState.OPEN, ConnState.FAILED)
    assert session.state is ConnState.OPEN, session.last_error
    await until(lambda: received(session, driver, "connection_ack"))
    return session, driver


def test_a_legacy_subscription_streams_to_completion(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_legacy(port)
        await driver.send({"body": COUNTDOWN, "variables": '{"from": 4}'})
        await until(lambda: received(session, driver, "complete"))
        nexts = received(session, driver, "next")
        assert [r.value for r in nexts] == [{"data": {"countdown": i}} for i in range(4, 0, -1)]
        assert {r.name for r in nexts} == {"Count #1"}
        assert received(session, driver, "complete")[0].name == "Count #1"
        assert sent_types(session) == ["connection_init", "start"]
        protocol = driver.protocol
        assert isinstance(protocol, GraphQLProtocol)
        assert protocol.running() == {}
        await close_session(session)

    run(scenario, timeout=15)


def test_a_running_legacy_subscription_is_stopped(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_legacy(port)
        protocol = driver.protocol
        assert isinstance(protocol, GraphQLProtocol)
        await driver.send({"body": "subscription { forever }"})
        await until(lambda: len(received(session, driver, "next")) >= 3)
        assert protocol.running() == {"1": "forever"}
        await driver.send({"stop": "1"})
        assert sent_types(session)[-1] == "stop"
        assert protocol.running() == {}
        # The server ends the operation it was told to stop.
        await until(lambda: received(session, driver, "complete"))
        assert received(session, driver, "complete")[0].name == "forever #1"
        await close_session(session)

    run(scenario, timeout=15)


def test_the_init_payload_reaches_the_legacy_server(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_legacy(port, '{"token": "t-42"}')
        await driver.send({"body": "query Who { token }"})
        await until(lambda: received(session, driver, "next"))
        (answer,) = received(session, driver, "next")
        assert answer.name == "Who #1" and answer.value == {"data": {"token": "t-42"}}
        await close_session(session)

    run(scenario, timeout=15)


def test_keep_alives_are_rows_and_not_answered(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_legacy(port)
        await until(lambda: len(received(session, driver, "keep-alive")) >= 2)
        # `ka` asks nothing back: the client sent its connection_init only.
        assert sent_types(session) == ["connection_init"]
        await close_session(session)

    run(scenario, timeout=15)


def test_the_generation_follows_the_subprotocol_the_server_accepts(port: int) -> None:
    async def scenario() -> None:
        # Both offered: the legacy server takes graphql-ws, and the session speaks it.
        session, driver = await open_legacy(
            port, subprotocols=("graphql-ws", "graphql-transport-ws")
        )
        protocol = driver.protocol
        assert isinstance(protocol, GraphQLProtocol) and protocol.legacy
        await driver.send({"body": "{ hello }"})
        await until(lambda: received(session, driver, "complete"))
        assert received(session, driver, "next")[0].value == {"data": {"hello": "world"}}
        assert sent_types(session) == ["connection_init", "start"]
        await close_session(session)

    run(scenario, timeout=15)


def test_legacy_messages_read_in_the_same_words_without_a_session() -> None:
    protocol = GraphQLProtocol()
    assert protocol.describe('{"type":"ka"}', True).kind == "keep-alive"
    data = protocol.describe('{"type":"data","id":"3","payload":{"data":{"a":1}}}', True)
    assert (data.kind, data.name, data.value) == ("next", "#3", {"data": {"a": 1}})
    start = protocol.describe('{"id":"3","type":"start","payload":{"query":"{ a }"}}', False)
    assert (start.kind, start.value) == ("subscribe", "{ a }")
    assert protocol.describe('{"id":"3","type":"stop"}', False).kind == "complete"
    # A legacy `ka` is no ping: nothing to answer.
    legacy = GraphQLProtocol(legacy=True)
    assert legacy.read('{"type":"ka"}')[1] == []
