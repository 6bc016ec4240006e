"""The test helpers themselves, exercised with a plain websockets client."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from helpers.faults import FaultServer
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from websockets.asyncio.client import connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    InvalidMessage,
    InvalidStatus,
)
from websockets.typing import Subprotocol

TIMEOUT = 5.0


def run(coro_fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    async def main() -> None:
        async with asyncio.timeout(TIMEOUT):
            await coro_fn()

    asyncio.run(main())


def test_echo_records_headers_messages_and_close(recording_server: RecordingServer) -> None:
    async def body() -> None:
        async with connect(
            recording_server.url("/echo?x=1"),
            additional_headers=[("X-Test", "one"), ("X-Test", "two")],
            user_agent_header="selftest/1",
        ) as ws:
            await ws.send("hi")
            assert await ws.recv() == "hi"
            await ws.send(b"\x00\x01")
            assert await ws.recv() == b"\x00\x01"
            await ws.close(4001, "done")

    run(body)
    recording_server.wait_for(lambda: recording_server.last.closed.is_set())
    record = recording_server.last
    assert record.path == "/echo?x=1"
    assert record.route == "/echo"
    assert ("X-Test", "one") in record.headers
    assert ("X-Test", "two") in record.headers
    assert record.header("user-agent") == "selftest/1"
    assert record.received == ["hi", b"\x00\x01"]
    assert record.subprotocol is None
    assert (record.close_code, record.close_reason) == (4001, "done")
    assert recording_server.handshake_attempts == 1
    assert recording_server.requests[0].status == 101


def test_subprotocols_lenient_and_required(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    lenient = recording_server_factory(subprotocols=["a", "b"])
    strict = recording_server_factory(subprotocols=["a"], require_subprotocol=True)

    async def body() -> None:
        async with connect(lenient.url(), subprotocols=[Subprotocol("b"), Subprotocol("a")]) as ws:
            assert ws.subprotocol == "b"  # the client's first supported choice
        async with connect(lenient.url()) as ws:
            assert ws.subprotocol is None
        with pytest.raises(InvalidStatus) as info:
            async with connect(strict.url()):
                pass
        assert info.value.response.status_code == 400

    run(body)
    assert [c.subprotocol for c in lenient.connections] == ["b", None]
    assert [r.status for r in strict.requests] == [400]
    assert strict.connections == []


def test_reject_next_then_accept(recording_server: RecordingServer) -> None:
    recording_server.reject_next(2, 503)

    async def body() -> None:
        for _ in range(2):
            with pytest.raises(InvalidStatus) as info:
                async with connect(recording_server.url("/echo")):
                    pass
            assert info.value.response.status_code == 503
        async with connect(recording_server.url("/echo")) as ws:
            await ws.send("ok")
            assert await ws.recv() == "ok"

    run(body)
    assert recording_server.handshake_attempts == 3
    assert [r.status for r in recording_server.requests] == [503, 503, 101]
    assert len(recording_server.connections) == 1


def test_reject_path(recording_server: RecordingServer) -> None:
    async def body() -> None:
        with pytest.raises(InvalidStatus) as info:
            async with connect(recording_server.url("/reject?status=401&body=nope")):
                pass
        assert info.value.response.status_code == 401
        assert info.value.response.body == b"nope\n"

    run(body)
    assert recording_server.handshake_attempts == 1
    assert recording_server.connections == []


def test_close_path(recording_server: RecordingServer) -> None:
    async def body() -> None:
        async with connect(recording_server.url("/close?code=4000&reason=bye")) as ws:
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4000, "bye")

    run(body)


def test_drop_path_gives_1006(recording_server: RecordingServer) -> None:
    async def body() -> None:
        async with connect(recording_server.url("/drop")) as ws:
            with pytest.raises(ConnectionClosedError) as info:
                await ws.recv()
            assert info.value.rcvd is None
            assert ws.close_code == 1006

    run(body)
    recording_server.wait_for(lambda: recording_server.last.closed.is_set())
    assert recording_server.last.close_code == 1006


def test_silent_path_records_but_never_sends(recording_server: RecordingServer) -> None:
    async def body() -> None:
        async with connect(recording_server.url("/silent")) as ws:
            await ws.send("anyone?")
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await ws.recv()
            await recording_server.wait_for_async(lambda: recording_server.last.received)

    run(body)
    assert recording_server.last.received == ["anyone?"]


def test_broadcast_and_close_connections(recording_server: RecordingServer) -> None:
    async def body() -> None:
        async with connect(recording_server.url("/silent")) as ws:
            await recording_server.wait_for_async(lambda: recording_server.connections)
            sent = await asyncio.to_thread(recording_server.broadcast, "pushed")
            assert sent == 1
            assert await ws.recv() == "pushed"
            await asyncio.to_thread(recording_server.close_connections, 4100, "go")
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.rcvd is not None
            assert info.value.rcvd.code == 4100

    run(body)


def test_stop_start_reuses_port() -> None:
    server = RecordingServer()
    with pytest.raises(RuntimeError):
        _ = server.port
    with server:
        port = server.port

        async def body() -> None:
            async with connect(server.url("/echo")) as ws:
                await ws.send("1")
                assert await ws.recv() == "1"

        run(body)
        server.stop()
        assert not server.running
        server.stop()  # idempotent
        server.start()
        assert server.port == port
        run(body)
        assert server.handshake_attempts == 2
    assert not server.running
    assert not any(t.name == "RecordingServer" for t in threading.enumerate())


def test_stop_with_client_still_open() -> None:
    server = RecordingServer()
    server.start()

    async def body() -> None:
        async with connect(server.url("/silent")) as ws:
            await server.wait_for_async(lambda: server.connections)
            await asyncio.to_thread(server.stop)
            await ws.wait_closed()
            assert ws.close_code == 1001

    run(body)


def test_tls_with_ca_file(tls_server: TlsServer) -> None:
    assert tls_server.server.url().startswith("wss://127.0.0.1:")
    assert tls_server.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")

    async def body() -> None:
        context = ssl.create_default_context(cafile=str(tls_server.ca_file))
        for host in ("127.0.0.1", "localhost"):
            async with connect(tls_server.server.url("/echo", host=host), ssl=context) as ws:
                await ws.send("secure")
                assert await ws.recv() == "secure"
        # Without the CA the certificate is not trusted.
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect(tls_server.server.url("/echo"), ssl=ssl.create_default_context()):
                pass

    run(body)
    assert len(tls_server.server.connections) == 2


def test_fault_refuse_after_accept(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("refuse_after_accept")

    async def body() -> None:
        with pytest.raises(InvalidMessage):
            async with connect(server.url()):
                pass

    run(body)
    assert server.accepted == 1


def test_fault_garbage(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("garbage")

    async def body() -> None:
        with pytest.raises(InvalidMessage):
            async with connect(server.url("/x")):
                pass

    run(body)
    assert server.received.startswith(b"GET /x HTTP/1.1\r\n")


def test_fault_hang_hits_open_timeout(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("hang")

    async def body() -> None:
        with pytest.raises(TimeoutError):
            async with connect(server.url(), open_timeout=0.3):
                pass

    run(body)
    server.wait_for(lambda: server.received)


def test_free_port_is_closed(free_port: int) -> None:
    async def body() -> None:
        with pytest.raises(OSError):
            async with connect(f"ws://127.0.0.1:{free_port}/", open_timeout=1):
                pass

    run(body)
