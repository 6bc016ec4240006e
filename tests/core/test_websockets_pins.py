"""websockets 17.4 behaviours that wsinspector works around (issue 11, docs/upstream/).

Each test asserts the library's behaviour as it is today, on its sans-I/O protocol or its own
code. When one fails, websockets changed: the workaround it names may be removed (or must
change), and the upstream report in docs/upstream/ can be closed.
"""

from __future__ import annotations

import inspect
import os

from helpers.scripted import deflated
from websockets.asyncio.client import connect
from websockets.asyncio.connection import Connection
from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    enable_client_permessage_deflate,
)
from websockets.frames import CloseCode
from websockets.http11 import Response
from websockets.uri import parse_uri
from websockets.utils import accept_key


def opened(max_size: int, *, deflate: bool = False) -> ClientProtocol:
    """A client protocol past its handshake, as websockets has it after a 101."""
    factories = enable_client_permessage_deflate(None) if deflate else None
    protocol = ClientProtocol(parse_uri("ws://127.0.0.1/"), extensions=factories, max_size=max_size)
    request = protocol.connect()
    protocol.send_request(request)
    protocol.data_to_send()
    key = request.headers["Sec-WebSocket-Key"]
    extensions = (
        b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
        if deflate
        else b""
    )
    protocol.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n" + extensions + b"\r\n"
    )
    protocol.events_received()
    if deflate:
        assert isinstance(protocol.extensions[0], PerMessageDeflate)
    return protocol


def test_websockets_counts_a_pong_toward_the_message_it_interrupts() -> None:
    """Workaround: websocket/limits.py (websockets gets no message limit, the frame tap counts)."""
    protocol = opened(1024)
    protocol.receive_data(
        bytes.fromhex("01 7e 03 e8") + b"a" * 1000 + bytes.fromhex("8a 1e") + b"p" * 30
    )
    assert protocol.close_sent is not None
    assert protocol.close_sent.code == CloseCode.MESSAGE_TOO_BIG
    assert protocol.close_sent.reason == (
        "frame with 30 bytes after reading 1000 bytes exceeds limit of 1024 bytes"
    )


def test_websockets_checks_a_compressed_frame_against_the_message_limit() -> None:
    """Workaround: websocket/limits.py (the frame bound is looser; the tap checks the message)."""
    protocol = opened(1024, deflate=True)
    packed = deflated(os.urandom(1024))
    assert len(packed) > 1024
    protocol.receive_data(bytes([0xC2, 126]) + len(packed).to_bytes(2, "big") + packed)
    assert protocol.close_sent is not None
    assert protocol.close_sent.code == CloseCode.MESSAGE_TOO_BIG


def test_websockets_gives_no_event_for_a_response_it_cannot_parse() -> None:
    """Workaround: websocket/guarded.py data_received (the handshake waits for nothing else)."""
    protocol = ClientProtocol(parse_uri("ws://127.0.0.1/"))
    protocol.send_request(protocol.connect())
    protocol.receive_data(b"HTTP/1.1 101 Switching Protocols\r\nX-Broken\r\n\r\n")
    assert protocol.handshake_exc is not None
    assert protocol.events_received() == []


def test_websockets_starts_keepalive_whatever_the_connection_state() -> None:
    """Workaround: core/websocket/guarded.py start_keepalive (not started for a lost connection)."""
    source = inspect.getsource(Connection.start_keepalive)
    assert "connection_lost_waiter" not in source
    assert "state" not in source.replace("keepalive_task", "")


def test_websockets_lets_python_errors_out_of_a_redirect() -> None:
    """Workaround: websocket/redirects.py (a Location that can't be followed, said in words)."""
    response = Response(301, "Moved", Headers([("Location", "ws://[::1/x")]))
    try:
        connect("ws://127.0.0.1/").process_redirect(InvalidStatus(response))
    except ValueError as exc:
        assert str(exc) == "Invalid IPv6 URL"
    else:
        raise AssertionError("websockets now handles a bad Location itself")


def test_websockets_builds_its_proxy_protocol_by_its_modules_name() -> None:
    """Workaround: websocket/proxies.py `_observe_answers` (websockets drops a successful
    CONNECT's answer; the hop's handshake row needs it)."""
    import websockets.asyncio.client as client

    source = inspect.getsource(client.connect_http_proxy)
    assert "HTTPProxyConnection(" in source
    # Its own class, under the subclass wsinspector may have put in its place.
    (own,) = [
        cls for cls in client.HTTPProxyConnection.__mro__ if cls.__module__ == client.__name__
    ]
    assert "def run_parser" in inspect.getsource(own)
    assert "self.response.set_result(response)" in inspect.getsource(own.run_parser)
