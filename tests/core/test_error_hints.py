"""Failures that say what to try next: the wrong scheme for the server, an untrusted certificate,
a URI typed without its scheme. Real loopback servers; the words are what the user reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trustme
from helpers.asyncwait import run
from helpers.faults import FaultServer
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer
from helpers.sessions import finished, of_type
from helpers.tls import server_ssl_context, write_ca_file
from websockets.asyncio.client import connect

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, ErrorEvent
from wsinspector.core.websocket.errors import describe_error
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session
from wsinspector.core.websocket.validation import check_options, check_uri, suggest_uri

# What a plain HTTP server (here: one that isn't TLS at all) sends back to a ClientHello.
HTTP_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
# A TLS server's answer to bytes that aren't a ClientHello: one alert record, then it hangs up.
TLS_ALERT = bytes.fromhex("15030300020246")  # fatal, protocol_version
# nginx's answer when plain HTTP reaches a port that "listen … ssl".
NGINX_BODY = b"<html><body>400 The plain HTTP request was sent to HTTPS port</body></html>\r\n"
NGINX_HTTPS_PORT = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n"
    + f"Content-Length: {len(NGINX_BODY)}\r\nConnection: close\r\n\r\n".encode()
    + NGINX_BODY
)


def session_error(uri: str, **kwargs: Any) -> Session:
    """Run a Session to its end (no reconnect) and return it."""

    async def body() -> Session:
        session = Session(
            ConnectionOptions(
                uri, ping_interval=None, open_timeout=5.0, close_timeout=1.0, **kwargs
            ),
            EventLog(),
        )
        session.start()
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    return session


def connect_error(uri: str) -> BaseException:
    """The exception websockets' connect() raises for `uri`."""

    async def body() -> BaseException:
        try:
            async with connect(uri, open_timeout=5.0, close_timeout=1.0):
                pass
        except Exception as exc:
            return exc
        raise AssertionError(f"{uri} connected")

    return run(body)


def as_wss(url: str) -> str:
    assert url.startswith("ws://")
    return "wss://" + url.removeprefix("ws://")


def as_ws(url: str) -> str:
    assert url.startswith("wss://")
    return "ws://" + url.removeprefix("wss://")


# -- wss:// to a server that does not speak TLS ----------------------------------------------


def test_wss_to_a_plain_websocket_server_suggests_ws(recording_server: RecordingServer) -> None:
    # websockets' server hangs up on the ClientHello: asyncio's TLS layer sees EOF mid-handshake.
    session = session_error(as_wss(recording_server.url("/echo")))
    assert "does not speak TLS" in session.last_error
    assert "try ws:// instead of wss://" in session.last_error
    (error,) = of_type(session.log, ErrorEvent)
    assert error.message == session.last_error
    assert "ConnectionResetError" in error.detail  # the developer still sees what was raised


def test_wss_to_a_plain_http_answer_suggests_ws(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    # An HTTP answer to the ClientHello: OpenSSL reports a bad record (the version number).
    server = fault_server_factory("garbage", garbage=HTTP_400)
    session = session_error(as_wss(server.url()))
    assert session.last_error.startswith("TLS error")
    assert "does not speak TLS" in session.last_error
    assert "try ws:// instead of wss://" in session.last_error
    assert server.received.startswith(b"\x16\x03")  # what it got was a TLS ClientHello


# -- ws:// to a TLS server ---------------------------------------------------------------------


def test_ws_to_a_tls_server_suggests_wss(tls_server: TlsServer) -> None:
    uri = as_ws(tls_server.server.url("/echo"))
    exc = connect_error(uri)
    text = describe_error(exc, uri=uri)
    assert text.startswith("the server closed the connection before answering the handshake")
    assert "if it expects TLS, try wss:// instead of ws://" in text
    # The Session passes no URI yet: the sentence stays the one without the hint.
    session = session_error(uri)
    assert "closed the connection before answering" in session.last_error


def test_ws_to_a_tls_alert_says_it_looks_like_tls(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    server = fault_server_factory("garbage", garbage=TLS_ALERT)
    uri = server.url()
    text = describe_error(connect_error(uri), uri=uri)
    assert "7 bytes that are not an HTTP response" in text
    assert "looks like a TLS alert: try wss:// instead of ws://" in text


def test_ws_to_an_nginx_https_port_suggests_wss(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    server = fault_server_factory("garbage", garbage=NGINX_HTTPS_PORT)
    uri = server.url()
    text = describe_error(connect_error(uri), uri=uri)
    assert text.startswith("server rejected the WebSocket handshake: HTTP/1.1 400 Bad Request")
    assert "HTTPS port" in text
    assert text.endswith("try wss:// instead of ws://")


def test_no_wss_hint_without_the_uri_or_for_wss(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    server = fault_server_factory("refuse_after_accept")
    exc = connect_error(server.url())
    assert describe_error(exc) == "the server closed the connection before answering the handshake"
    assert "wss://" not in describe_error(exc, uri=as_wss(server.url()))


# -- untrusted certificates ----------------------------------------------------------------------


def test_untrusted_certificate_says_what_to_do(tls_server: TlsServer) -> None:
    session = session_error(tls_server.server.url("/echo"), tls_verify=True)
    assert session.last_error.startswith("TLS certificate not trusted: ")
    assert "unable to get local issuer certificate" in session.last_error
    assert session.last_error.endswith("choose a CA file, or turn verification off")


def test_wrong_host_name_does_not_suggest_a_ca_file(
    tls_ca: trustme.CA,
    tmp_path: Path,
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    """The CA is trusted but the certificate is for another name: a CA file can't help."""
    server = recording_server_factory(ssl_context=server_ssl_context(tls_ca, "other.example"))
    ca_file = write_ca_file(tls_ca, tmp_path / "ca.pem")
    session = session_error(server.url("/echo"), ca_file=str(ca_file))
    assert "certificate not trusted" in session.last_error
    assert "127.0.0.1" in session.last_error
    assert "turn verification off" in session.last_error
    assert "CA file" not in session.last_error


# -- URIs without a scheme ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("localhost:8765", "ws://localhost:8765"),
        ("127.0.0.1:9000/path", "ws://127.0.0.1:9000/path"),
        ("example.com/socket", "ws://example.com/socket"),
        ("  example.com/socket?a=1  ", "ws://example.com/socket?a=1"),
        ("example.com:443/feed", "wss://example.com:443/feed"),
        ("[::1]:9000", "ws://[::1]:9000"),
        ("http://example.com/chat", "ws://example.com/chat"),
        ("https://example.com/chat", "wss://example.com/chat"),
        ("HTTPS://Example.com:8443/", "wss://Example.com:8443/"),
    ],
)
def test_suggest_uri(text: str, suggestion: str) -> None:
    assert suggest_uri(text) == suggestion
    assert check_uri(suggestion) is None  # what is suggested is valid


@pytest.mark.parametrize(
    "text",
    [
        "ws://localhost:8765",
        "wss://example.com/",
        "WS://LOCALHOST/",
        "",
        "   ",
        "local host:8765",
        "ftp://example.com/",
        "http://",
        "localhost:0",
        "localhost:99999",
        "localhost:",
        "ws:/localhost",
        "http:8080",  # a scheme without "//", not a host called "http"
        "a,b.example",
    ],
)
def test_no_suggestion(text: str) -> None:
    assert suggest_uri(text) is None


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("localhost:8765", "ws://localhost:8765"),
        ("127.0.0.1:9000/path", "ws://127.0.0.1:9000/path"),
        ("example.com/socket", "ws://example.com/socket"),
    ],
)
def test_uri_check_offers_the_suggestion(text: str, suggestion: str) -> None:
    problem = check_uri(text)
    assert problem == f"The URI must start with ws:// or wss://: did you mean {suggestion}?"
    (error,) = check_options(ConnectionOptions(text))
    assert (error.field, error.message) == ("uri", problem)
