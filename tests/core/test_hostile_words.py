"""Hostile servers, in words (issue 19): a reset on accept, a rejection whose body never ends,
and websockets' own words about a 101 it refuses, each played by a raw server."""

from __future__ import annotations

import errno
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.asyncwait import run
from helpers.scripted import Hold, ScriptedServer, Write, upgrade
from helpers.sessions import finished, of_type

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ErrorEvent
from wsinspector.core.websocket.errors import describe_error
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

RESET_WORDS = "the server accepted the TCP connection and reset it at once"


async def failure(uri: str, **kwargs: Any) -> str:
    """The words of the session's first failure."""
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("open_timeout", 5.0)
    session = Session(ConnectionOptions(uri, **kwargs), EventLog())
    session.start()
    await finished(session, timeout=8.0)
    return of_type(session.log, ErrorEvent)[0].message


@pytest.fixture
def resetting_listener() -> Iterator[int]:
    """Accepts each TCP connection and resets it at once, before reading anything."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


def test_asyncio_words_for_a_reset_during_connect_are_not_shown() -> None:
    # Exactly what asyncio's sock_connect raises when the RST beats the connect's completion.
    exc = ConnectionResetError(errno.ECONNRESET, "Connect call failed ('127.0.0.1', 42607)")
    assert describe_error(exc).startswith(RESET_WORDS)


def test_a_server_that_resets_on_accept_is_said_to_reset(resetting_listener: int) -> None:
    uri = f"ws://127.0.0.1:{resetting_listener}/"
    words = [run(lambda: failure(uri)) for _ in range(5)]
    # The reset beats the connect (asyncio: "Connect call failed"), or the request's read.
    assert all("(connection reset by peer)" in text for text in words), words
    assert not any("Connect call failed" in text for text in words), words


@pytest.mark.parametrize("status", [b"400 Bad Request", b"503 Service Unavailable"])
def test_a_rejection_whose_body_never_ends_names_its_status(status: bytes) -> None:
    head = b"HTTP/1.1 " + status + b"\r\nContent-Length: 1000\r\n\r\npartial body"
    with ScriptedServer([Write(head), Hold()]) as server:
        text = run(lambda: failure(server.url("/"), open_timeout=0.5))
    assert text.startswith(f"the server answered “HTTP/1.1 {status.decode()}” but its body")
    assert "timed out during opening handshake" in text


def test_an_unsupported_extension_is_said_in_our_words() -> None:
    twice = b"Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n"
    with ScriptedServer([Write(upgrade(twice)), Hold()]) as server:
        text = run(lambda: failure(server.url("/")))
    assert "Unsupported extension" not in text and "params = " not in text
    assert text == (
        "the server's handshake response was refused: it agrees to the extension "
        "“permessage-deflate” without parameters, which does not match the offer "
        "(or names it twice)"
    )


def test_an_extension_that_was_not_offered_and_a_missing_accept() -> None:
    deflate = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
    with ScriptedServer([Write(upgrade(deflate)), Hold()]) as server:
        text = run(lambda: failure(server.url("/"), compression=False))
    assert text.endswith("it agrees to an extension, but none was offered")
    bare = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    with ScriptedServer([Write(bare), Hold()]) as server:
        text = run(lambda: failure(server.url("/")))
    assert text.endswith("it has no Sec-WebSocket-Accept header")
