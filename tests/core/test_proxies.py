"""Connecting through real proxies on 127.0.0.1: tinyproxy (HTTP CONNECT, with and without
basic auth) and Dante (SOCKS5); the system setting, NO_PROXY, and each failure in words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers.asyncwait import run, until, wait_state
from helpers.faults import FaultServer
from helpers.fixtures import TlsServer
from helpers.proxies import HOST, dante, free_port, tinyproxy
from helpers.recordcli import run as record_cli
from helpers.servers import RecordingServer
from helpers.sessions import close_session, finished, of_type, open_session, options_for

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, ErrorEvent, HandshakeEvent, NoteEvent
from wsinspector.core.text.secrets import REDACTED
from wsinspector.core.websocket.guarded import GuardedConnection
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import (
    ProxyMode,
    check_proxy_url,
    proxy_for,
    redact_proxy,
)
from wsinspector.core.websocket.session import Session
from wsinspector.core.websocket.validation import check_options

_PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "WS_PROXY",
    "WSS_PROXY",
    "SOCKS_PROXY",
)


@pytest.fixture(autouse=True)
def _no_system_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield


def _echo_through(server: RecordingServer, options: ConnectionOptions) -> tuple[Session, list[str]]:
    async def body() -> tuple[Session, list[str]]:
        session = await open_session(options)
        await session.send_text("through")
        await wait_state(session, ConnState.OPEN)
        await close_session(session)
        return session, [note.text for note in of_type(session.log, NoteEvent)]

    return run(body)


def _failure(options: ConnectionOptions) -> tuple[Session, str]:
    async def body() -> Session:
        session = Session(options, EventLog())
        session.start()
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    return session, session.last_error


def test_http_proxy_carries_the_connection_and_the_hop_is_logged(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory()
    with tinyproxy() as proxy:
        options = options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=proxy.url)
        _, notes = _echo_through(server, options)
        assert "CONNECT" in proxy.log() or "Established" in proxy.log()
    assert server.handshake_attempts == 1
    assert any(
        f"through the proxy {proxy.url}: CONNECT {HOST}:{server.port} HTTP/1.1" in n for n in notes
    ), notes


def test_the_successful_proxy_hop_is_a_handshake_row(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    """The CONNECT as sent (its Proxy-Authorization hidden) and tinyproxy's own answer, status
    line and headers, before the WebSocket handshake; the connection's handshake stays the 101."""
    server = recording_server_factory()
    with tinyproxy("alice", "s3cret") as proxy:
        url = proxy.url.replace("://", "://alice:s3cret@")
        options = options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=url)
        session, _ = _echo_through(server, options)
    hop, handshake = of_type(session.log, HandshakeEvent)
    assert hop.proxy_hop and hop.accepted and not handshake.proxy_hop
    assert hop.request_line == f"CONNECT {HOST}:{server.port} HTTP/1.1"
    assert dict(hop.request_headers)["Proxy-Authorization"] == REDACTED
    assert hop.status_code == 200 and hop.status_line.startswith("HTTP/1."), hop.status_line
    assert any(
        name.lower() == "proxy-agent" and "tinyproxy" in value.lower()
        for name, value in hop.response_headers
    ), hop.response_headers
    assert "s3cret" not in repr(hop)
    assert handshake.status_code == 101 and handshake.request_line.startswith("GET ")


def test_http_proxy_with_basic_auth(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory()
    with tinyproxy("alice", "s3cret") as proxy:
        url = proxy.url.replace("://", "://alice:s3cret@")
        options = options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=url)
        _echo_through(server, options)
        # Without credentials: 407 in words, the proxy's answer in the handshake row.
        session, error = _failure(
            options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=proxy.url)
        )
        assert error.startswith(f"the proxy {proxy.url} asks for credentials"), error
        assert "407" in error
        (hop,) = of_type(session.log, HandshakeEvent)
        assert hop.request_line == f"CONNECT {HOST}:{server.port} HTTP/1.1"
        assert hop.status_code == 407
        # Wrong credentials: said as such.
        wrong = proxy.url.replace("://", "://alice:nope@")
        session, error = _failure(
            options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=wrong)
        )
        assert "refused the user name or password" in error, error
        (hop,) = of_type(session.log, HandshakeEvent)
        assert dict(hop.request_headers)["Proxy-Authorization"] == REDACTED
    assert server.handshake_attempts == 1


def test_refused_tunnel_names_the_proxy_status() -> None:
    closed = free_port()
    with tinyproxy() as proxy:
        _, error = _failure(
            options_for(f"ws://{HOST}:{closed}/", proxy_mode=ProxyMode.CUSTOM, proxy_url=proxy.url)
        )
    assert error.startswith(
        f"the proxy {proxy.url} refused the tunnel to {HOST}:{closed}: HTTP/1.1 5"
    )


@pytest.mark.parametrize("server_kind", ["untrusted certificate", "garbage for a ClientHello"])
def test_tls_failing_through_the_tunnel_is_said_and_nothing_else_breaks(
    server_kind: str,
    tls_server: TlsServer,
    fault_server_factory: Callable[..., FaultServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """wss:// through an HTTP proxy: asyncio's start_tls tells the connection it was to wrap
    that the connection is lost although it never made it (a failed TLS handshake): that
    call raised AttributeError 'transport' in the loop's callback."""
    if server_kind == "untrusted certificate":
        url, words = tls_server.server.url("/"), "TLS certificate not trusted"
    else:
        url, words = fault_server_factory("garbage").url("/").replace("ws:", "wss:", 1), "TLS"
    lost: list[Exception | None] = []
    connection_lost = GuardedConnection.connection_lost

    def counted(self: GuardedConnection, exc: Exception | None) -> None:
        lost.append(exc)
        connection_lost(self, exc)

    monkeypatch.setattr(GuardedConnection, "connection_lost", counted)

    async def body() -> tuple[Session, list[dict[str, Any]]]:
        problems: list[dict[str, Any]] = []
        asyncio.get_running_loop().set_exception_handler(
            lambda _loop, context: problems.append(context)
        )
        session = Session(
            options_for(url, proxy_mode=ProxyMode.CUSTOM, proxy_url=proxy.url), EventLog()
        )
        session.start()
        await finished(session)
        await until(lambda: lost, message="connection_lost was not called")
        return session, problems

    with tinyproxy() as proxy:
        session, problems = run(body)
    assert session.state is ConnState.FAILED
    assert words in session.last_error, session.last_error
    assert problems == [], problems


def test_unreachable_proxy_is_not_an_unreachable_server(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory()
    for scheme in ("http", "socks5"):
        url = f"{scheme}://{HOST}:{free_port()}"
        session, error = _failure(
            options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=url)
        )
        assert error.startswith(f"the proxy {url} can't be reached"), error
        assert "the server was not tried" in error
        assert of_type(session.log, ErrorEvent)
    assert server.handshake_attempts == 0


def test_socks5_proxy_carries_the_connection(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory()
    with dante() as proxy:
        for url in (proxy.url, proxy.url.replace("socks5://", "socks5h://")):
            options = options_for(server.url("/"), proxy_mode=ProxyMode.CUSTOM, proxy_url=url)
            _echo_through(server, options)
        assert f"{HOST}.{server.port}" in proxy.log(), proxy.log()[-500:]
        # The SOCKS proxy can't reach the server: said as the proxy's answer.
        closed = free_port()
        _, error = _failure(
            options_for(f"ws://{HOST}:{closed}/", proxy_mode=ProxyMode.CUSTOM, proxy_url=proxy.url)
        )
        assert error.startswith(f"the SOCKS proxy {proxy.url} did not connect to {HOST}:{closed}")
    assert server.handshake_attempts == 2


def test_system_proxy_is_the_default_and_no_proxy_is_honoured(
    recording_server_factory: Callable[..., RecordingServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = recording_server_factory()
    assert ConnectionOptions("ws://x/").proxy_mode is ProxyMode.SYSTEM
    with tinyproxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert proxy_for(server.url("/"), ProxyMode.SYSTEM, "") == proxy.url
        assert proxy_for(server.url("/"), ProxyMode.NONE, "") is None
        _, notes = _echo_through(server, options_for(server.url("/")))
        assert any(n.startswith(f"through the proxy {proxy.url}") for n in notes), notes
        monkeypatch.setenv("NO_PROXY", HOST)
        _, notes = _echo_through(server, options_for(server.url("/")))
        assert not any("proxy" in n for n in notes), notes
        monkeypatch.delenv("NO_PROXY")
        _, notes = _echo_through(server, options_for(server.url("/"), proxy_mode=ProxyMode.NONE))
        assert not any("proxy" in n for n in notes), notes
    assert server.handshake_attempts == 3


def test_bad_proxy_urls_are_said_in_words_before_connecting() -> None:
    assert check_proxy_url("http://127.0.0.1:3128") is None
    assert check_proxy_url("socks5h://u:p@proxy:1080") is None
    assert "Not a proxy URL" in (check_proxy_url("ftp://proxy:21") or "")
    assert "Enter the proxy" in (check_proxy_url("  ") or "")
    assert "password" in (check_proxy_url("http://user@proxy:3128") or "")
    options = ConnectionOptions("ws://x/", proxy_mode=ProxyMode.CUSTOM, proxy_url="ftp://p:1")
    assert [e.field for e in check_options(options)] == ["proxy"]
    assert redact_proxy("http://u:secret@h:1") == f"http://u:{REDACTED}@h:1"


def test_record_goes_through_the_proxy(recording_server: RecordingServer) -> None:
    with tinyproxy() as proxy:
        result = record_cli(
            recording_server.url("/echo"), "--proxy", proxy.url, "--duration", "0.3"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "CONNECT" in proxy.log() or "Established" in proxy.log(), proxy.log()[-400:]
    unreachable = f"http://{HOST}:{free_port()}"
    result = record_cli(recording_server.url("/echo"), "--proxy", unreachable)
    assert result.returncode == 1
    assert f"the proxy {unreachable} can't be reached" in result.stdout
    result = record_cli(recording_server.url("/echo"), "--proxy", "ftp://nope:1")
    assert result.returncode == 2 and "proxy: Not a proxy URL" in result.stderr
