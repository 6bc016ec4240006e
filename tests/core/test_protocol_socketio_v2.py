"""Socket.IO v2 on Engine.IO v3 against a real Node `socket.io@2` server
(tests/node/socketio_v2_server.js, 300 ms ping interval): the version chosen from the URI or
the setting, the client's own pings, events both ways, an ack, a namespace, binary events."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from helpers.asyncwait import run, until
from helpers.node import node_server
from helpers.sessions import close_session
from helpers.sio import of_kind, open_socketio, received

from wsinspector.core.log.events import ConnState, Direction
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.params import ProtocolSettingsError
from wsinspector.core.protocols.socketio import SocketIOProtocol, socketio_uri
from wsinspector.core.protocols.socketio.engine import ClientPings
from wsinspector.core.websocket.options import ConnectionOptions


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("socketio_v2_server.js") as server_port:
        yield server_port


def test_the_version_is_the_uris_unless_the_setting_says() -> None:
    assert socketio_uri("http://h:1/?EIO=3") == "ws://h:1/socket.io/?EIO=3&transport=websocket"
    assert socketio_uri("http://h:1", {"eio": "3"}) == (
        "ws://h:1/socket.io/?EIO=3&transport=websocket"
    )
    assert socketio_uri("ws://h/socket.io/?EIO=3", {"eio": "4"}).endswith(
        "EIO=4&transport=websocket"
    )
    assert socketio_uri("http://h:1", {"eio": "auto"}).endswith("EIO=4&transport=websocket")

    def version(uri: str, **params: str) -> int:
        options = ConnectionOptions(uri, protocol="socketio", protocol_params=tuple(params.items()))
        protocol = registry.create(options)
        assert isinstance(protocol, SocketIOProtocol)
        return protocol.version

    assert version("http://h/?EIO=3") == 3
    assert version("http://h/") == 4
    assert version("http://h/", eio="3") == 3
    with pytest.raises(ProtocolSettingsError):
        version("http://h/?EIO=2")
    assert "eio" in registry.info(registry.SOCKETIO).params


def test_events_ack_and_the_clients_pings(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(f"http://127.0.0.1:{port}/?token=t1", eio="3")
        protocol = driver.protocol
        log = session.log
        await until(lambda: of_kind(log, protocol, "event", "welcome"))
        welcome = of_kind(log, protocol, "event", "welcome")[0]
        assert welcome.value == {"hello": "world", "token": "t1"}
        # v2 connects the client to / itself: a second connect would make a second socket.
        assert len(of_kind(log, protocol, "event", "welcome")) == 1
        await driver.send({"event": "echo", "body": '[1, {"two": 2}]', "ack": True})
        await until(lambda: of_kind(log, protocol, "ack", "echo"))
        assert of_kind(log, protocol, "ack", "echo")[0].value == {"echoed": [1, {"two": 2}]}
        await driver.send({"event": "echo", "body": '"back"'})
        await until(lambda: of_kind(log, protocol, "event", "echoed"))
        assert of_kind(log, protocol, "event", "echoed")[0].value == "back"
        # The server pings nobody on v3 and drops a client silent for 600 ms: ten of its
        # pongs and still open is three seconds of the page's own keepalive.
        await until(lambda: len(of_kind(log, protocol, "pong")) >= 10, timeout=10)
        assert session.state is ConnState.OPEN
        sent = received(log, protocol, Direction.OUT)
        assert sum(r.kind == "ping" for r in sent) >= 10
        await close_session(session)

    run(scenario, timeout=20)


def test_namespace(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=3", namespace="/admin"
        )
        log = session.log
        await until(lambda: of_kind(log, driver.protocol, "event", "/admin welcome"))
        welcome = of_kind(log, driver.protocol, "event", "/admin welcome")[0]
        assert welcome.value == {"namespace": "/admin"}
        # EIO=3 typed in the URI is enough for the page to keep the connection alive.
        await until(lambda: len(of_kind(log, driver.protocol, "pong")) >= 3)
        assert session.state is ConnState.OPEN
        await close_session(session)

    run(scenario, timeout=10)


def test_binary_events_both_ways(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(f"http://127.0.0.1:{port}/?EIO=3")
        protocol = driver.protocol
        log = session.log
        await until(lambda: of_kind(log, protocol, "event", "welcome"))
        await driver.send({"event": "blob", "body": "3"})
        await until(lambda: len(of_kind(log, protocol, "attachment", "blob")) == 2)
        blob = of_kind(log, protocol, "event", "blob")[0]
        assert blob.value == [{"size": 3, "bytes": "<3 bytes: 00 01 02>"}, "<3 bytes: 65 6e 64>"]
        ends = of_kind(log, protocol, "attachment", "blob")
        assert [a.detail for a in ends] == [
            "binary attachment 1 of 2 of 'blob'",
            "binary attachment 2 of 2 of 'blob'",
        ]
        data = base64.b64encode(b"\xff\x00v2").decode()
        await driver.send({"event": "echo", "body": f'{{"$binary": "{data}"}}'})
        await until(lambda: of_kind(log, protocol, "attachment", "echoed"))
        assert of_kind(log, protocol, "event", "echoed")[0].value == "<4 bytes: ff 00 76 32>"
        await close_session(session)

    run(scenario, timeout=10)


def test_a_server_that_stops_ponging_is_said_once() -> None:
    pings = ClientPings()
    assert pings.tick(0.0) == ([], "")  # nothing before the open packet
    pings.opened({"pingInterval": 300, "pingTimeout": 200}, now=10.0)
    assert pings.tick(10.2) == ([], "")
    sent, problem = pings.tick(10.3)
    assert [o.data for o in sent] == ["2"] and not problem
    assert pings.tick(10.45)[1] == ""
    late = pings.tick(10.55)[1]
    assert "did not answer a ping within 0.2 s" in late
    assert pings.tick(10.58)[1] == ""  # said once
    pings.ponged()
    assert [o.data for o in pings.tick(10.61)[0]] == ["2"]
