"""Issue 11's seven defects, each played byte for byte by a raw server against the core Session.

What is asserted is what a user reads: the events in the log and the words of core/log/wording.py
and core/websocket/errors.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import pytest
from helpers.asyncwait import run, stays, until
from helpers.scripted import (
    Close,
    Deaf,
    Hold,
    Pause,
    Reset,
    ScriptedServer,
    Sent,
    Step,
    Write,
    deflated,
    frame,
    upgrade,
)
from helpers.sessions import finished, of_type

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
)
from wsinspector.core.log.wording import event_summary, handshake_outcome
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10
CLOSE_1000 = bytes.fromhex("88 02 03 e8")
DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"


def options_for(uri: str, **kwargs: Any) -> ConnectionOptions:
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("open_timeout", 5.0)
    kwargs.setdefault("close_timeout", 1.0)
    return ConnectionOptions(uri, **kwargs)


async def play(server: ScriptedServer, path: str = "/", **kwargs: Any) -> Session:
    """Connect to `server`, wait until the session has ended, return it."""
    session = Session(options_for(server.url(path), **kwargs), EventLog())
    session.start()
    await finished(session, timeout=8.0)
    return session


def played(script: list[Step] | Any, **kwargs: Any) -> Session:
    with ScriptedServer(script) as server:
        return run(lambda: play(server, **kwargs))


def received(log: EventLog) -> list[MessageEvent]:
    return [m for m in of_type(log, MessageEvent) if m.direction is Direction.IN]


def summaries(log: EventLog) -> list[str]:
    return [event_summary(event) for event in log]


# -- 1. a ping or pong inside a fragmented message --


def test_pong_inside_a_fragmented_message_does_not_count_toward_its_size() -> None:
    wire = (
        bytes.fromhex("01 7e 03 e8")
        + b"a" * 1000
        + bytes.fromhex("8a 1e")
        + b"p" * 30
        + bytes.fromhex("80 18")
        + b"b" * 24
        + CLOSE_1000
    )
    session = played([Write(upgrade()), Write(wire), Hold()], max_message_size=1024)
    (message,) = received(session.log)
    assert message.data == b"a" * 1000 + b"b" * 24
    pongs = [e for e in of_type(session.log, ControlEvent) if e.kind is ControlKind.PONG]
    assert [p.data for p in pongs] == [b"p" * 30]
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.initiator) == (1000, "server")


def test_a_125_byte_ping_inside_a_message_at_the_limit() -> None:
    limit = 2**20
    wire = (
        frame(BINARY, b"x" * (limit - 10), fin=False)
        + frame(PING, b"q" * 125)
        + frame(CONT, b"y" * 10)
        + CLOSE_1000
    )
    session = played([Write(upgrade()), Write(wire), Hold()], max_message_size=limit)
    (message,) = received(session.log)
    assert message.size == limit
    assert of_type(session.log, CloseEvent)[0].code == 1000


# -- 2. the compressed size is not the message's size --


def test_compressed_message_within_the_limit_is_shown() -> None:
    data = os.urandom(1024)
    packed = deflated(data)
    assert len(packed) > 1024  # random data grows when deflated: 1,029-1,030 bytes
    wire = frame(BINARY, packed, rsv=4) + CLOSE_1000
    session = played([Write(upgrade(DEFLATE)), Write(wire), Hold()], max_message_size=1024)
    (message,) = received(session.log)
    assert message.data == data
    assert of_type(session.log, CloseEvent)[0].code == 1000


def test_a_1_mib_random_message_deflated_at_1_mib() -> None:
    data = os.urandom(2**20)
    wire = frame(BINARY, deflated(data), rsv=4) + CLOSE_1000
    session = played([Write(upgrade(DEFLATE)), Write(wire), Hold()], max_message_size=2**20)
    (message,) = received(session.log)
    assert message.data == data


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "deflated"])
def test_a_message_over_the_limit_gets_1009_with_both_sizes(compressed: bool) -> None:
    data = b"z" * 1025
    if compressed:
        wire = frame(TEXT, deflated(data), rsv=4)
    else:
        wire = frame(TEXT, data[:600], fin=False) + frame(CONT, data[600:])
    extra = DEFLATE if compressed else b""
    session = played([Write(upgrade(extra)), Write(wire), Hold()], max_message_size=1024)
    assert received(session.log) == []
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.initiator) == (1009, "client")
    words = "message of 1,025 bytes is over the limit of 1,024 bytes"
    assert close.reason == words
    (error,) = of_type(session.log, ErrorEvent)
    assert words in error.message
    assert "1009" in error.message


def test_a_frame_far_over_the_limit_is_refused_before_its_payload_is_read() -> None:
    # A header that announces 1 GiB: nothing of it is buffered; the words say why.
    wire = frame(BINARY, b"", length=2**30)
    session = played([Write(upgrade()), Write(wire), Hold()], max_message_size=1024)
    (close,) = of_type(session.log, CloseEvent)
    assert close.code == 1009
    (error,) = of_type(session.log, ErrorEvent)
    assert "a frame of 1,073,741,824 bytes" in error.message
    assert "ValueError" not in error.message and "PayloadTooBig" not in error.message


# -- 3. a reset after pings --


def test_a_reset_after_pings_loses_no_message() -> None:
    # The three writes had 181 pings: the loss needed the reset to arrive while the
    # client was still busy with them, which it did in about half the runs. Here there are
    # 2,000 pings (tens of ms of work for the client) and the rest follows 5 ms later, so the
    # reset is there before the client writes its first pong, run after run.
    pings = b"".join(frame(PING, str(n).encode()) for n in range(2000))
    script: list[Step] = [
        Write(lambda key: upgrade()(key) + pings),
        Pause(0.005),
        Write(bytes.fromhex("02 00 80 00")),
        Write(bytes.fromhex("81 7e 07 06") + b"A" * 1798),
        Sent(),
        Reset(),
    ]
    for _ in range(3):
        session = played(script)
        messages = received(session.log)
        assert [(m.text, m.data) for m in messages] == [(False, b""), (True, b"A" * 1798)]
        events = list(session.log)
        (close,) = of_type(session.log, CloseEvent)
        assert close.code == 1006
        assert events.index(close) > events.index(messages[-1])


# -- 4. keepalive outliving the connection --


def test_nothing_of_a_finished_session_runs_on(caplog: pytest.LogCaptureFixture) -> None:
    pings = b"".join(frame(PING, str(n).encode()) for n in range(200))
    script: list[Step] = [Write(lambda key: upgrade()(key) + pings), Close()]

    async def body() -> Session:
        with ScriptedServer(script) as server:
            session = await play(server, ping_interval=0.05, ping_timeout=1.0)
            me = asyncio.current_task()

            def others() -> set[asyncio.Task[Any]]:
                return {task for task in asyncio.all_tasks() if task is not me}

            # Tasks of the connection that are ending (close, reader) get a moment to end...
            await until(lambda: not others(), timeout=2.0, message=lambda: str(others()))
            # ...and nothing starts again for several ping intervals.
            await stays(lambda: not others(), duration=0.3)
            return session

    with caplog.at_level(logging.DEBUG):
        session = run(body)
    assert of_type(session.log, CloseEvent)[0].code == 1006
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


# -- 5. a response the client refused --


REFUSED = {
    "header-without-colon": (
        upgrade(b"X-Broken-Header-Without-Colon\r\n"),
        "the header line “X-Broken-Header-Without-Colon” has no colon",
    ),
    "http-1.0": (
        upgrade(status=b"HTTP/1.0 101 Switching Protocols"),
        "the status line “HTTP/1.0 101 Switching Protocols” does not start with “HTTP/1.1”",
    ),
    "long-line": (
        upgrade(b"X-Long: " + b"a" * 8200 + b"\r\n"),
        "the line starting “X-Long: aaaa",
    ),
    "too-many-headers": (
        upgrade(b"".join(b"X-H%d: v\r\n" % n for n in range(130))),
        "more than 128 header lines",
    ),
    "lf-only": (
        lambda key: upgrade()(key).replace(b"\r\n", b"\n"),
        "the line “HTTP/1.1 101 Switching Protocols” ends with LF alone",
    ),
    "folded": (
        upgrade(b"X-Folded: one\r\n two\r\n"),
        "the header line “ two” is folded onto the line before it",
    ),
    "lowercase": (
        upgrade(status=b"http/1.1 101 Switching Protocols"),
        "the status line “http/1.1 101 Switching Protocols” does not start with “HTTP/1.1”",
    ),
    "no-reason": (
        upgrade(status=b"HTTP/1.1 101"),
        "the status line “HTTP/1.1 101” is not “HTTP/1.1 code reason”",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_response_is_said_at_once(case: str) -> None:
    answer, words = REFUSED[case]

    async def body() -> Session:
        # The server keeps its socket open: only the client's own refusal can end the attempt.
        with ScriptedServer([Write(answer), Deaf()]) as server:
            session = Session(options_for(server.url(), open_timeout=30.0), EventLog())
            session.start()
            # Far below the open timeout: the reason is said at once, not "timed out".
            await finished(session, timeout=3.0)
            return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert session.last_error.startswith("the server's handshake response was refused: ")
    assert words in session.last_error
    (error,) = of_type(session.log, ErrorEvent)
    assert error.message == session.last_error


# -- 6. pings in the same read as the 101 --


def test_pings_arriving_with_the_101_come_after_the_handshake_row() -> None:
    wire = frame(PING, b"hi") + frame(TEXT, b"hello") + CLOSE_1000
    session = played([Write(lambda key: upgrade()(key) + wire), Hold()])
    events: list[Event] = list(session.log)
    (handshake,) = of_type(session.log, HandshakeEvent)
    controls = of_type(session.log, ControlEvent)
    assert [(c.direction, c.kind) for c in controls] == [
        (Direction.IN, ControlKind.PING),
        (Direction.OUT, ControlKind.PONG),
    ]
    for control in controls:
        assert events.index(control) > events.index(handshake)
        assert control.conn == handshake.conn == 1
    (message,) = received(session.log)
    assert events.index(message) > events.index(controls[-1])


# -- 7. redirects --


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("ws://[::1/x", "invalid IPv6 URL"),
        ("ws://127.0.0.1:99999/", "port out of range 0-65535"),
        ("http://127.0.0.1/", "isn't a valid URI"),
    ],
)
def test_a_bad_redirect_names_its_location(location: str, why: str) -> None:
    answer = b"HTTP/1.1 301 Moved\r\nLocation: " + location.encode() + b"\r\n\r\n"
    session = played([Write(answer), Close()])
    assert session.state is ConnState.FAILED
    words = f"the server redirected (HTTP/1.1 301 Moved) to “{location}”, which can't be followed"
    assert session.last_error.startswith(words)
    assert why in session.last_error
    assert "Error:" not in session.last_error
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.status_code == 301
    assert ("Location", location) in handshake.response_headers


def redirect_chain(hops: int) -> Any:
    """Connection n answers 302 to /n+1 until `hops` redirects were made, then accepts."""

    def script(index: int, request: bytes) -> list[Step]:
        if index < hops:
            answer = b"HTTP/1.1 302 Found\r\nLocation: /hop%d\r\nContent-Length: 0\r\n\r\n"
            return [Write(answer % (index + 1)), Close()]
        return [Write(upgrade()), Write(CLOSE_1000), Hold()]

    return script


def test_every_redirect_hop_is_shown() -> None:
    session = played(redirect_chain(2))
    handshakes = of_type(session.log, HandshakeEvent)
    assert [h.status_code for h in handshakes] == [302, 302, 101]
    assert [h.request_line for h in handshakes] == [
        "GET / HTTP/1.1",
        "GET /hop1 HTTP/1.1",
        "GET /hop2 HTTP/1.1",
    ]
    assert handshake_outcome(handshakes[0]) == "redirected (HTTP 302) to /hop1"
    notes = [n.text for n in of_type(session.log, NoteEvent)]
    assert notes[0].startswith("redirect 1: HTTP 302 to “/hop1” (ws://127.0.0.1:")
    assert notes[1].startswith("redirect 2: HTTP 302 to “/hop2”")
    assert of_type(session.log, CloseEvent)[0].code == 1000


def test_redirects_stop_at_the_limit() -> None:
    session = played(redirect_chain(5), max_redirects=2)
    assert session.state is ConnState.FAILED
    assert session.last_error == (
        "stopped after 2 redirects (the limit): "
        "the server redirected (HTTP/1.1 302 Found) to “/hop3” once more"
    )
    assert [h.status_code for h in of_type(session.log, HandshakeEvent)] == [302, 302, 302]
