"""Socket.IO binary attachments against the real Node `socket.io` v4 server
(tests/node/socketio_server.js): a received binary event reads as one event with its bytes,
its attachments say whose they are; {"$binary": "<base64>"} in the composer's arguments
sends bytes, as an event and in an acknowledged one."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from helpers.asyncwait import run, until
from helpers.node import node_server
from helpers.sessions import close_session
from helpers.sio import of_kind, open_socketio, received

from wsinspector.core.log.events import Direction
from wsinspector.core.protocols.base import ComposeError
from wsinspector.core.protocols.socketio import SocketIOProtocol


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("socketio_server.js") as server_port:
        yield server_port


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_received_binary_event_reads_as_one_event(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(f"http://127.0.0.1:{port}")
        protocol = driver.protocol
        log = session.log
        await until(lambda: of_kind(log, protocol, "event", "welcome"))
        await driver.send({"event": "blob", "body": "40"})
        await until(lambda: len(of_kind(log, protocol, "attachment", "blob")) == 2)
        blob = of_kind(log, protocol, "event", "blob")[0]
        shown = " ".join(f"{i:02x}" for i in range(32))
        assert blob.value == [
            {"size": 40, "bytes": f"<40 bytes: {shown} …>"},
            "<3 bytes: 65 6e 64>",
        ]
        assert "2 binary attachment(s) follow" in blob.detail
        first, second = of_kind(log, protocol, "attachment", "blob")
        assert first.detail == "binary attachment 1 of 2 of 'blob'"
        assert second.value == "<3 bytes: 65 6e 64>"
        # What read() never saw (a log read back from a file) still says what it stands for.
        header = next(r for r in received(log, protocol) if r.name == "blob")
        assert header.kind == "event"
        fresh = SocketIOProtocol()
        raw = next(e for e in log.entries() if type(e) is tuple and e[1] and e[3][:2] == b"45")
        assert fresh.describe(raw[3].decode(), True).value == [
            {"size": 40, "bytes": "<binary attachment 0>"},
            "<binary attachment 1>",
        ]
        await close_session(session)

    run(scenario, timeout=10)


def test_emitting_bytes_as_base64(port: int) -> None:
    async def scenario() -> None:
        session, driver = await open_socketio(f"http://127.0.0.1:{port}")
        protocol = driver.protocol
        log = session.log
        await until(lambda: of_kind(log, protocol, "event", "welcome"))
        body = f'["x", {{"$binary": "{b64(b"\x00\x01")}"}}, {{"k": {{"$binary": "{b64(b"hi")}"}}}}]'
        await driver.send({"event": "echo", "body": body})
        await until(lambda: len(of_kind(log, protocol, "attachment", "echoed")) == 2)
        echoed = of_kind(log, protocol, "event", "echoed")[0]
        assert echoed.value == ["x", "<2 bytes: 00 01>", {"k": "<2 bytes: 68 69>"}]
        sent = received(log, protocol, Direction.OUT)
        assert [r.kind for r in sent[-3:]] == ["event", "attachment", "attachment"]
        assert sent[-3].value == ["x", "<2 bytes: 00 01>", {"k": "<2 bytes: 68 69>"}]
        assert sent[-1].detail == "binary attachment 2 of 2 of 'echo'"
        await driver.send({"event": "echo", "body": f'{{"$binary": "{b64(b"ack")}"}}', "ack": True})
        await until(lambda: of_kind(log, protocol, "ack", "echo"))
        assert of_kind(log, protocol, "ack", "echo")[0].value == {"echoed": ["<3 bytes: 61 63 6b>"]}
        await close_session(session)

    run(scenario, timeout=10)


def test_binary_arguments_are_base64() -> None:
    protocol = SocketIOProtocol()
    out = protocol.compose({"event": "up", "body": '{"$binary": "AAE="}'})
    assert [o.data for o in out] == ['451-["up",{"_placeholder":true,"num":0}]', b"\x00\x01"]
    v3 = SocketIOProtocol(version=3).compose({"event": "up", "body": '[{"$binary": "AAE="}]'})
    assert v3[1].data == b"\x04\x00\x01"
    with pytest.raises(ComposeError) as raised:
        protocol.compose({"event": "up", "body": '{"$binary": "not base64!"}'})
    assert raised.value.field == "body" and "base64" in str(raised.value)
