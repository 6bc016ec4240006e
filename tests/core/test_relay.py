"""The relay (core/serving/relay.py): websockets' own client through a relay to a real server.

The upstream is the helpers' RecordingServer on its own thread; the relay and the client run in
the test's asyncio.run. Every wait is on a condition.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from helpers.asyncwait import run, until
from helpers.node import run_ws_client
from helpers.proxies import tinyproxy
from helpers.servers import RecordingServer
from helpers.sessions import of_type
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ControlEvent,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
)
from wsinspector.core.log.filtering import LogFilter
from wsinspector.core.serving.intercept import InterceptRule
from wsinspector.core.serving.relay import TO_APP, TO_UPSTREAM, Relay, parse_listen
from wsinspector.core.tools.demo import DemoServer
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import ProxyMode


def _options(uri: str) -> ConnectionOptions:
    return ConnectionOptions(uri, ping_interval=None, open_timeout=5.0, close_timeout=1.0)


@asynccontextmanager
async def relayed(
    upstream: str, log: EventLog, **kwargs: object
) -> AsyncIterator[tuple[Relay, ClientConnection]]:
    relay = Relay(_options(upstream), log, **kwargs)  # type: ignore[arg-type]
    address = await relay.start()
    try:
        async with connect(address, open_timeout=5, close_timeout=1) as client:
            yield relay, client
    finally:
        await relay.stop()


def messages(log: EventLog) -> list[tuple[int, str, str]]:
    return [
        (event.conn, event.direction.value, event.data.decode())
        for event in of_type(log, MessageEvent)
    ]


def notes(log: EventLog) -> str:
    return "\n".join(event.text for event in of_type(log, NoteEvent))


def test_listen_address_is_parsed_in_words() -> None:
    assert parse_listen("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    with pytest.raises(ValueError, match="host:port"):
        parse_listen("8080")
    with pytest.raises(ValueError, match="port"):
        parse_listen("localhost:http")


def test_every_message_both_ways_in_order_with_both_handshakes(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()

    async def main() -> list[str]:
        answers = []
        async with relayed(recording_server.url("/echo"), log) as (_relay, client):
            for word in ("one", "two", "three"):
                await client.send(word)
                answers.append(str(await client.recv()))
        return answers

    assert run(main) == ["one", "two", "three"]
    assert [c.received for c in recording_server.connections] == [["one", "two", "three"]]
    # The app's leg is connection 1, the upstream's 2: sent on the one, echoed on the other.
    assert messages(log) == [
        (1, "out", "one"),
        (2, "in", "one"),
        (1, "out", "two"),
        (2, "in", "two"),
        (1, "out", "three"),
        (2, "in", "three"),
    ]
    handshakes = of_type(log, HandshakeEvent)
    assert {h.conn for h in handshakes} == {1, 2}
    assert all(h.accepted for h in handshakes)
    upstream = next(h for h in handshakes if h.conn == 2)
    assert upstream.request_line == "GET /echo HTTP/1.1"
    assert "connection 1 is app ↔ relay, connection 2 is relay ↔ upstream" in notes(log)


def test_subprotocol_the_upstream_chose_is_the_apps(recording_server: RecordingServer) -> None:
    recording_server.subprotocols = ["chat"]  # type: ignore[list-item]
    log = EventLog()

    async def main() -> str | None:
        relay = Relay(_options(recording_server.url("/echo")), log)
        address = await relay.start()
        try:
            async with connect(address, subprotocols=["other", "chat"]) as client:  # type: ignore[list-item]
                return client.subprotocol
        finally:
            await relay.stop()

    assert run(main) == "chat"
    assert recording_server.last.subprotocol == "chat"


def test_held_message_is_edited_before_it_goes_on_and_the_next_waits(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()

    async def main() -> list[str]:
        async with relayed(recording_server.url("/echo"), log) as (relay, client):
            relay.intercept = InterceptRule(LogFilter("secret"), frozenset({TO_UPSTREAM}))
            await client.send("my secret is 42")
            await client.send("after it")
            await until(lambda: len(relay.held()) == 1)
            (held,) = relay.held()
            assert held.data == b"my secret is 42"
            assert held.direction is TO_UPSTREAM
            # Held, and the message behind it waits: the server has got nothing yet.
            await until(lambda: len(messages(log)) == 2)
            assert recording_server.last.received == []
            relay.forward(held.event_id, "my secret is <edited>")
            return [str(await client.recv()), str(await client.recv())]

    assert run(main) == ["my secret is <edited>", "after it"]
    assert recording_server.last.received == ["my secret is <edited>", "after it"]
    assert messages(log)[:3] == [
        (1, "out", "my secret is 42"),
        (1, "out", "after it"),
        (2, "out", "my secret is <edited>"),
    ]
    assert "edited before going on" in notes(log)


def test_held_message_dropped_and_one_injected_each_way(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()

    async def main() -> list[str]:
        async with relayed(recording_server.url("/echo"), log) as (relay, client):
            relay.intercept = InterceptRule(LogFilter("drop me"))
            await client.send("drop me")
            await until(lambda: len(relay.held()) == 1)
            relay.drop(relay.held()[0].event_id)
            (number,) = relay.clients
            await relay.inject(number, TO_UPSTREAM, "injected up")
            # The echo of it is held too (the rule holds both ways): only what it matches.
            await relay.inject(number, TO_APP, "injected down")
            return [str(await client.recv()), str(await client.recv())]

    assert sorted(run(main)) == ["injected down", "injected up"]
    assert recording_server.last.received == ["injected up"]
    assert "dropped by the user" in notes(log)
    assert (2, "out", "injected up") in messages(log)
    assert (1, "in", "injected down") in messages(log)


def test_upstream_drop_closes_the_app_with_1011_and_says_which_leg(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()

    async def main() -> tuple[int | None, str | None]:
        async with relayed(recording_server.url("/silent"), log) as (_relay, client):
            await until(lambda: recording_server.connections)
            recording_server.drop_connections()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(client.recv(), 5)
            return client.close_code, client.close_reason

    code, reason = run(main)
    assert code == 1011
    assert reason == "wsinspector relay: upstream dropped"
    assert "the relay ↔ upstream leg ended first: the upstream dropped without a close frame" in (
        notes(log)
    )
    closes = {event.conn: event for event in of_type(log, CloseEvent)}
    assert closes[2].code == 1006
    assert closes[1].sent_code == 1011


def test_a_fault_code_the_user_chose(recording_server: RecordingServer) -> None:
    async def main() -> int | None:
        async with relayed(recording_server.url("/silent"), EventLog(), fault_code=4000) as (
            _relay,
            client,
        ):
            await until(lambda: recording_server.connections)
            recording_server.drop_connections()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(client.recv(), 5)
            return client.close_code

    assert run(main) == 4000


def test_a_clean_close_of_the_app_is_passed_on(recording_server: RecordingServer) -> None:
    log = EventLog()

    async def main() -> None:
        async with relayed(recording_server.url("/silent"), log) as (_relay, client):
            await until(lambda: recording_server.connections)
            await client.close(4001, "bye from the app")
            await until(lambda: recording_server.last.closed.is_set())

    run(main)
    assert recording_server.last.close_code == 4001
    assert recording_server.last.close_reason == "bye from the app"
    closes = {event.conn: event for event in of_type(log, CloseEvent)}
    assert closes[1].initiator == "client"  # the app closed its leg
    assert "the app ↔ relay leg ended first: the app closed it with 4001" in notes(log)


def test_an_unreachable_upstream_is_a_502_for_the_app(recording_server: RecordingServer) -> None:
    log = EventLog()

    async def main() -> int:
        relay = Relay(_options(recording_server.url("/reject?status=403")), log)
        address = await relay.start()
        try:
            with pytest.raises(InvalidStatus) as caught:
                await connect(address, open_timeout=5)
            return caught.value.response.status_code
        finally:
            await relay.stop()

    assert run(main) == 502
    handshakes = {h.conn: h for h in of_type(log, HandshakeEvent)}
    assert handshakes[2].status_code == 403
    assert handshakes[1].status_code == 502 and not handshakes[1].accepted
    assert b"403" in handshakes[1].body


def test_stopping_forwards_what_is_held(recording_server: RecordingServer) -> None:
    log = EventLog()

    async def main() -> int | None:
        relay = Relay(_options(recording_server.url("/silent")), log)
        address = await relay.start()
        client = await connect(address)
        relay.intercept = InterceptRule()
        await client.send("held at the end")
        await until(lambda: relay.held())
        await relay.stop()
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 5)
        return client.close_code

    assert run(main) == 1001
    recording_server.last.closed.wait(5)
    assert recording_server.last.received == ["held at the end"]
    assert recording_server.last.close_code == 1001


def test_stopping_without_forwarding_says_so_in_the_reason(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()

    async def main() -> str | None:
        relay = Relay(_options(recording_server.url("/silent")), log)
        address = await relay.start()
        client = await connect(address)
        relay.intercept = InterceptRule()
        await client.send("never forwarded")
        await until(lambda: relay.held())
        await relay.stop(forward_held=False)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 5)
        return client.close_reason

    assert run(main) == "relay stopped with 1 held message not forwarded"
    recording_server.last.closed.wait(5)
    assert recording_server.last.received == []


def test_node_ws_client_through_the_relay_to_the_demo_server() -> None:
    log = EventLog()

    async def main() -> list[dict[str, object]]:
        async with DemoServer() as demo:
            relay = Relay(_options(demo.url("/echo")), log)
            address = await relay.start()
            try:
                relay.intercept = InterceptRule(LogFilter("edit me"), frozenset({TO_UPSTREAM}))
                client = asyncio.create_task(run_ws_client(address, "first", "edit me", "last"))
                await until(lambda: relay.held(), timeout=15)
                relay.forward(relay.held()[0].event_id, "edited")
                return await client
            finally:
                await relay.stop()

    records = run(main, timeout=30)
    assert records[0] == {"open": ""}
    assert [r["message"] for r in records if "message" in r] == ["first", "edited", "last"]
    assert records[-1]["close"] == 1000
    assert [m for m in messages(log)] == [
        (1, "out", "first"),
        (2, "in", "first"),
        (1, "out", "edit me"),
        (2, "out", "edited"),
        (2, "in", "edited"),
        (1, "out", "last"),
        (2, "in", "last"),
    ]


def test_the_apps_path_query_and_own_headers_reach_the_upstream(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()
    options = dataclasses.replace(
        _options(recording_server.url("/echo?v=2")), headers=(("X-Trace", "the page's"),)
    )

    async def main() -> None:
        relay = Relay(options, log)
        address = await relay.start()
        try:
            async with connect(
                address + "chat/room?id=7",
                origin=Origin("https://app.example"),
                additional_headers=[
                    ("Cookie", "session=abc"),
                    ("Authorization", "Bearer t0k"),
                    ("X-Trace", "the app's"),
                    ("X-Client", "tests"),
                    ("Accept-Language", "fr"),
                ],
            ) as client:
                await client.send("hi")
                await client.recv()
        finally:
            await relay.stop()

    run(main)
    upstream = recording_server.last
    assert upstream.path == "/echo/chat/room?v=2&id=7"
    assert upstream.header("Cookie") == "session=abc"
    assert upstream.header("Authorization") == "Bearer t0k"
    assert upstream.header("Origin") == "https://app.example"
    assert upstream.header("X-Client") == "tests"
    # The page's own header wins over the app's, and other headers stay the app's.
    assert [v for k, v in upstream.headers if k.lower() == "x-trace"] == ["the page's"]
    assert upstream.header("Accept-Language") is None


def test_pings_and_pongs_of_both_legs_are_logged_and_the_legs_named(
    recording_server: RecordingServer,
) -> None:
    log = EventLog()
    # The relay's own keepalive pings both legs; the app pings the relay itself.
    options = dataclasses.replace(_options(recording_server.url("/echo")), ping_interval=0.05)

    def controls() -> set[tuple[int, str, str, bool, bool]]:
        return {
            (e.conn, e.direction.value, e.kind.value, e.keepalive, e.rtt is not None)
            for e in of_type(log, ControlEvent)
        }

    async def main() -> dict[int, str]:
        relay = Relay(options, log)
        address = await relay.start()
        try:
            async with connect(address, ping_interval=None) as client:
                await (await client.ping(b"app-ping"))
                await until(lambda: len({c[:3] for c in controls()}) == 6)
                assert relay.last_rtt is not None  # what the page's rate view shows
                return dict(relay.leg_names)
        finally:
            await relay.stop()

    assert run(main) == {1: "app #1", 2: "upstream #1"}
    # Toward the upstream is "out" on either leg, as the leg's messages are.
    assert controls() >= {
        (1, "out", "ping", False, False),  # the app's ping
        (1, "in", "pong", False, False),  # answered by the relay
        (1, "in", "ping", True, False),  # the relay's keepalive toward the app
        (1, "out", "pong", False, True),  # the app's pong: a round trip
        (2, "out", "ping", True, False),  # the relay's keepalive toward the upstream
        (2, "in", "pong", False, True),
    }
    app_pings = [e for e in of_type(log, ControlEvent) if e.conn == 1 and e.data == b"app-ping"]
    assert [e.kind.value for e in app_pings] == ["ping", "pong"]


def test_the_upstream_leg_goes_through_the_pages_proxy(recording_server: RecordingServer) -> None:
    with tinyproxy() as proxy:
        options = dataclasses.replace(
            _options(recording_server.url("/echo")),
            proxy_mode=ProxyMode.CUSTOM,
            proxy_url=proxy.url,
        )

        async def main() -> str:
            relay = Relay(options, EventLog())
            address = await relay.start()
            try:
                async with connect(address) as client:
                    await client.send("via the proxy")
                    return str(await client.recv())
            finally:
                await relay.stop()

        assert run(main) == "via the proxy"
        assert f"CONNECT 127.0.0.1:{recording_server.port}" in proxy.log()
