"""wss:// against a loopback server with a trustme certificate: verify on/off, CA file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trustme
from helpers.asyncwait import run, until, wait_state
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from helpers.sessions import of_type
from helpers.tls import server_ssl_context, write_ca_file

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ErrorEvent,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.reconnect import ReconnectPolicy
from wsinspector.core.websocket.session import Session

FAST_RECONNECT = ReconnectPolicy(
    enabled=True, initial_delay=0.05, min_delay=0.05, max_delay=0.2, jitter=False
)


def start(uri: str, **kwargs: Any) -> Session:
    session = Session(
        ConnectionOptions(uri, ping_interval=None, open_timeout=5.0, close_timeout=1.0, **kwargs),
        EventLog(),
    )
    session.start()
    return session


def test_untrusted_certificate_fails_without_retry(tls_server: TlsServer) -> None:
    server = tls_server.server

    async def body() -> Session:
        session = start(server.url("/echo"), tls_verify=True, reconnect=FAST_RECONNECT)
        await wait_state(session, ConnState.FAILED, ConnState.RECONNECTING, ConnState.OPEN)
        task = session.task
        assert task is not None
        await until(task.done)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "certificate not trusted" in session.last_error
    states = [e.state for e in of_type(session.log, StateEvent)]
    # TLS errors are not retryable, even with auto-reconnect on.
    assert states == [ConnState.CONNECTING, ConnState.FAILED]
    (error,) = of_type(session.log, ErrorEvent)
    assert "SSLCertVerificationError" in error.detail
    assert of_type(session.log, HandshakeEvent) == []  # TLS failed before any HTTP
    assert server.handshake_attempts == 0


def test_verify_off_connects_to_an_untrusted_server(tls_server: TlsServer) -> None:
    server = tls_server.server

    async def body() -> Session:
        session = start(server.url("/echo"), tls_verify=False)
        await wait_state(session, ConnState.OPEN, ConnState.FAILED)
        assert session.state is ConnState.OPEN, session.last_error
        await session.send_text("over tls")
        await until(lambda: session.log.counters.messages_in == 1)
        async with asyncio.timeout(5):
            await session.close()
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    assert server.last.received == ["over tls"]
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.accepted
    incoming = of_type(session.log, MessageEvent)[-1]
    assert incoming.decoded() == "over tls"
    (close,) = of_type(session.log, CloseEvent)
    assert close.clean and close.initiator == "client"


def test_ca_file_makes_the_server_trusted(tls_server: TlsServer) -> None:
    server = tls_server.server

    async def body() -> Session:
        session = start(
            server.url("/echo"),
            tls_verify=True,
            ca_file=str(tls_server.ca_file),
            reconnect=FAST_RECONNECT,
        )
        await wait_state(session, ConnState.OPEN, ConnState.FAILED)
        assert session.state is ConnState.OPEN, session.last_error
        async with asyncio.timeout(5):
            await session.close()
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    assert server.handshake_attempts == 1
    assert len(server.connections) == 1


def test_trusted_ca_but_wrong_host_name_fails(
    tls_ca: trustme.CA, tmp_path: Path, recording_server_factory: Callable[..., RecordingServer]
) -> None:
    """Trusting the CA is not enough: the certificate must name the host of the URI."""
    server = recording_server_factory(ssl_context=server_ssl_context(tls_ca, "other.example"))
    ca_file = write_ca_file(tls_ca, tmp_path / "ca.pem")

    async def body() -> Session:
        session = start(server.url("/echo"), ca_file=str(ca_file), reconnect=FAST_RECONNECT)
        task = session.task
        assert task is not None
        await until(task.done)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "certificate not trusted" in session.last_error
    assert "127.0.0.1" in session.last_error  # OpenSSL names the mismatching address
    assert ConnState.RECONNECTING not in [e.state for e in of_type(session.log, StateEvent)]
    assert server.handshake_attempts == 0


def test_verify_off_ignores_the_host_name_too(
    tls_ca: trustme.CA, recording_server_factory: Callable[..., RecordingServer]
) -> None:
    server = recording_server_factory(ssl_context=server_ssl_context(tls_ca, "other.example"))

    async def body() -> Session:
        session = start(server.url("/echo"), tls_verify=False)
        await wait_state(session, ConnState.OPEN, ConnState.FAILED)
        assert session.state is ConnState.OPEN, session.last_error
        async with asyncio.timeout(5):
            await session.close()
        return session

    assert run(body).state is ConnState.CLOSED
