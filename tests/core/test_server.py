"""Server pages' server (core/serving/server.py) against clients nobody here wrote:
websockets' client and Node's `ws`. Every test listens on 127.0.0.1 port 0."""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trustme
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.helpers.asyncwait import run, until
from tests.helpers.node_client import node_ws_client
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    Direction,
    HandshakeEvent,
    MessageEvent,
)
from wsinspector.core.serving.certificates import CertificateError, fingerprint_of
from wsinspector.core.serving.rules import Rule, RuleBook, RuleKind
from wsinspector.core.serving.server import Server
from wsinspector.core.serving.settings import Rejection, ServerSettings, TlsSettings


@asynccontextmanager
async def listening(settings: ServerSettings | None = None) -> AsyncIterator[Server]:
    server = Server(settings or ServerSettings(), EventLog(None))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def messages(log: EventLog, direction: Direction) -> list[str]:
    return [
        event.data.decode()
        for event in log
        if isinstance(event, MessageEvent) and event.direction is direction
    ]


def test_websockets_client_is_shown_answered_by_a_rule_and_a_person_and_closed() -> None:
    async def scenario() -> None:
        settings = ServerSettings(
            subprotocols=("chat",), rules=(Rule(RuleKind.TEXT, "hello", "hi {{client}}"),)
        )
        async with listening(settings) as server:
            assert server.address.startswith("ws://127.0.0.1:")
            async with connect(server.address + "room?x=1", subprotocols=["chat"]) as client:  # type: ignore[list-item]
                await until(lambda: server.open_numbers() == [1])
                shown = server.clients[1]
                assert shown.path == "/room?x=1"
                assert shown.subprotocol == "chat"
                assert shown.address.startswith("127.0.0.1:")
                await client.send("well hello there")
                assert await client.recv() == "hi 1"
                assert await server.send(None, "from a person") == 1
                assert await client.recv() == "from a person"
                await server.close([1], 4001, "chosen")
                with pytest.raises(ConnectionClosed) as closed:
                    await client.recv()
                assert closed.value.rcvd is not None
                assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "chosen")
            await until(lambda: server.clients[1].state is ConnState.CLOSED)
            assert shown.messages_in == 1 and shown.messages_out == 2
            log = server.log
            handshake = next(e for e in log if isinstance(e, HandshakeEvent))
            assert handshake.request_line == "GET /room?x=1 HTTP/1.1"
            assert handshake.status_line == "HTTP/1.1 101 Switching Protocols"
            assert ("Sec-WebSocket-Protocol", "chat") in handshake.response_headers
            assert messages(log, Direction.IN) == ["well hello there"]
            assert messages(log, Direction.OUT) == ["hi 1", "from a person"]
            close = next(e for e in log if isinstance(e, CloseEvent))
            assert (close.conn, close.code, close.initiator, close.clean) == (
                1,
                4001,
                "server",
                True,
            )

    run(scenario)


def test_node_ws_client_is_shown_answered_by_a_rule_and_a_person_and_closed() -> None:
    async def scenario() -> None:
        rule = Rule(RuleKind.JSON, '{"type": "join"}', '{"joined": {{message}}}')
        async with listening(ServerSettings(rules=(rule,))) as server:
            async with node_ws_client(server.address) as client:
                assert (await client.wait_for("open"))["event"] == "open"
                await until(lambda: server.open_numbers() == [1])
                await client.send('{"type": "join", "room": 7}')
                answer = await client.wait_for("message")
                assert json.loads(answer["data"]) == {"joined": {"type": "join", "room": 7}}
                await client.send('{"type": "leave"}')  # matches no rule
                await until(lambda: server.clients[1].messages_in == 2)
                await server.send([1], "by hand")
                assert (await client.wait_for("message"))["data"] == "by hand"
                await server.close([1], 4321, "bye node")
                closed = await client.wait_for("close")
                assert (closed["code"], closed["reason"]) == (4321, "bye node")
            await until(lambda: server.clients[1].state is ConnState.CLOSED)
            assert messages(server.log, Direction.OUT) == [
                '{"joined": {"type": "join", "room": 7}}',
                "by hand",
            ]

    run(scenario)


def test_the_next_client_and_a_path_are_rejected_with_a_chosen_answer() -> None:
    async def scenario() -> None:
        settings = ServerSettings(path_rejections={"/private": Rejection(401, (), "no")})
        async with listening(settings) as server:
            server.reject_next(Rejection(503, (("Retry-After", "7"),), "busy"))
            with pytest.raises(InvalidStatus) as first:
                async with connect(server.address):
                    pass
            response = first.value.response
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "7"
            assert response.body == b"busy"
            async with connect(server.address):  # the next one only
                pass
            with pytest.raises(InvalidStatus) as private:
                async with connect(server.address + "private"):
                    pass
            assert private.value.response.status_code == 401
            handshakes = [e for e in server.log if isinstance(e, HandshakeEvent)]
            assert [(h.conn, h.status_code, h.accepted) for h in handshakes] == [
                (1, 503, False),
                (2, 101, True),
                (3, 401, False),
            ]
            assert handshakes[0].body == b"busy"
            assert server.clients[1].state is ConnState.FAILED

    run(scenario)


def test_a_set_path_answers_other_paths_with_404() -> None:
    async def scenario() -> None:
        async with listening(ServerSettings(path="/ws")) as server:
            assert server.address.endswith("/ws")
            with pytest.raises(InvalidStatus) as wrong:
                async with connect(server.address.removesuffix("/ws") + "/other"):
                    pass
            assert wrong.value.response.status_code == 404
            async with connect(server.address + "?token=1"):
                pass

    run(scenario)


def test_broadcast_ping_and_drop() -> None:
    async def scenario() -> None:
        async with (
            listening() as server,
            connect(server.address) as one,
            connect(server.address) as two,
        ):
            await until(lambda: len(server.open_numbers()) == 2)
            assert await server.send(None, "to all") == 2
            assert [await one.recv(), await two.recv()] == ["to all", "to all"]
            await server.ping([2], b"p")
            await until(
                lambda: any(isinstance(e, ControlEvent) and e.rtt is not None for e in server.log)
            )
            server.drop([1])
            with pytest.raises(ConnectionClosed) as dropped:
                await one.recv()
            assert dropped.value.rcvd is None  # no close frame
            await until(lambda: server.clients[1].state is ConnState.CLOSED)
            close = next(e for e in server.log if isinstance(e, CloseEvent))
            assert (close.conn, close.code, close.initiator) == (1, 1006, "")
            assert server.open_numbers() == [2]

    run(scenario)


def test_rules_wait_their_delay_and_timed_messages_reach_every_client() -> None:
    async def scenario() -> None:
        rules = (
            Rule(RuleKind.REGEX, r"id=(\d+)", "got {{match}} on {{path}}", delay=0.2),
            Rule(RuleKind.EVERY, "", "tick {{client}}", delay=0.05),
        )
        async with (
            listening(ServerSettings(rules=rules)) as server,
            connect(server.address + "p") as client,
        ):
            first = await client.recv()
            assert first == "tick 1"
            await client.send("x id=42 y")
            seen = [await client.recv() for _ in range(3)]
            # The timed message keeps ticking while the rule waits its 0.2 s.
            assert seen[0] == "tick 1"
            answers = [text for text in seen if not text.startswith("tick")]
            while not answers:
                text = await client.recv()
                if not text.startswith("tick"):
                    answers.append(text)
            assert answers == ["got id=42 on /p"]

    run(scenario)


def test_rules_can_change_while_listening() -> None:
    async def scenario() -> None:
        async with listening() as server:
            server.set_rules(RuleBook([Rule(RuleKind.TEXT, "", "echo {{message}}")], {}))
            async with connect(server.address) as client:
                await client.send("abc")
                assert await client.recv() == "echo abc"

    run(scenario)


def test_tls_with_a_self_signed_certificate_and_its_fingerprint() -> None:
    async def scenario() -> None:
        async with listening(ServerSettings(tls=TlsSettings())) as server:
            assert server.address.startswith("wss://127.0.0.1:")
            assert len(server.fingerprint.split(":")) == 32
            context = ssl.create_default_context(cadata=server.certificate_pem.decode())
            async with connect(server.address, ssl=context) as client:
                await until(lambda: server.open_numbers() == [1])
                await server.send([1], "secure")
                assert await client.recv() == "secure"

    run(scenario)


def test_tls_with_a_chosen_certificate_and_key(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())

    async def scenario() -> None:
        settings = ServerSettings(tls=TlsSettings(str(cert), str(key)))
        async with listening(settings) as server:
            context = ssl.create_default_context()
            ca.configure_trust(context)
            async with connect(server.address, ssl=context) as client:
                await client.send("over TLS")
                await until(lambda: server.clients[1].messages_in == 1)
            assert server.fingerprint == fingerprint_of(
                ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
            )

    run(scenario)


def test_an_unusable_certificate_says_why() -> None:
    async def scenario() -> None:
        server = Server(ServerSettings(tls=TlsSettings("/nowhere/cert.pem")), EventLog(None))
        with pytest.raises(CertificateError, match=r"/nowhere/cert\.pem"):
            await server.start()
        assert not server.listening

    run(scenario)


def test_rule_answers_and_timed_messages_fill_dynamic_values() -> None:
    """`{{$randomUUID}}` and `{{$counter}}` are filled as a client page's sends fill them:
    one counter per server, advancing with each answer that uses it."""
    uuid_shape = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

    async def scenario() -> None:
        rules = (
            Rule(RuleKind.TEXT, "who", "{{$randomUUID}} #{{$counter}} for {{message}}"),
            Rule(RuleKind.EVERY, "", "tick {{$counter}} at {{$timestamp}}", delay=0.05),
        )
        async with (
            listening(ServerSettings(rules=rules)) as server,
            connect(server.address) as client,
        ):
            received: list[str] = []
            await client.send("who 1")
            await client.send("who 2")
            while len([text for text in received if not text.startswith("tick")]) < 2:
                received.append(await client.recv())
            answers = [text for text in received if not text.startswith("tick")]
            first, second = (
                re.fullmatch(rf"({uuid_shape}) #(\d+) for (who \d)", a) for a in answers
            )
            assert first is not None and second is not None, answers
            assert first.group(1) != second.group(1)
            assert first.group(3) == "who 1" and second.group(3) == "who 2"
            assert int(second.group(2)) > int(first.group(2)) >= 1
            tick = next((text for text in received if text.startswith("tick")), None)
            while tick is None:
                text = await client.recv()
                tick = text if text.startswith("tick") else None
            assert re.fullmatch(r"tick \d+ at \d{10}", tick), tick

    run(scenario)
