"""Auto-reconnect that users can see, tune and stop.

Against real loopback servers: a server that goes away and comes back, servers that refuse
for a while, close codes worth a retry and ones that aren't, stopping during the backoff.
Plus unit tests of the policy itself (delays, which failures and closes are retryable).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from collections.abc import Callable
from itertools import islice
from typing import Any

import pytest
from helpers.asyncwait import run, stays, until, wait_state
from helpers.servers import RecordingServer
from helpers.sessions import finished, of_type
from websockets.client import backoff
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConnectionClosed,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
)
from websockets.frames import Close
from websockets.http11 import Response

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    Direction,
    ErrorEvent,
    HandshakeEvent,
    MessageEvent,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.websocket import session as session_module
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.reconnect import (
    DEFAULT_FACTOR,
    DEFAULT_INITIAL_DELAY,
    DEFAULT_MAX_DELAY,
    DEFAULT_MIN_DELAY,
    ReconnectPolicy,
    close_is_retryable,
    failure_is_retryable,
)
from wsinspector.core.websocket.session import Session

FAST = ReconnectPolicy(
    enabled=True, initial_delay=0.05, min_delay=0.05, max_delay=0.2, jitter=False
)
FAST_ALSO_ON_CLEAN_CLOSE = dataclasses.replace(FAST, on_clean_close=True)


def states(session: Session) -> list[StateEvent]:
    return of_type(session.log, StateEvent)


def reconnecting(session: Session) -> list[StateEvent]:
    return [e for e in states(session) if e.state is ConnState.RECONNECTING]


def accepted(session: Session) -> list[HandshakeEvent]:
    return [h for h in of_type(session.log, HandshakeEvent) if h.accepted]


def start(uri: str, policy: ReconnectPolicy = FAST, **kwargs: Any) -> Session:
    options = ConnectionOptions(
        uri,
        reconnect=policy,
        ping_interval=None,
        open_timeout=5.0,
        close_timeout=1.0,
        **kwargs,
    )
    session = Session(options, EventLog())
    session.start()
    return session


async def stop(session: Session) -> None:
    async with asyncio.timeout(5):
        await session.close()
    assert session.state is ConnState.CLOSED
    task = session.task
    assert task is not None and task.done()


# -- against servers ---------------------------------------------------------------------------


def test_server_restart_is_survived(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory()

    async def body() -> Session:
        session = start(server.url("/echo"), on_connect_messages=("subscribe",))
        await wait_state(session, ConnState.OPEN)
        await until(lambda: server.connections and server.connections[0].received)
        await session.send_text("before")
        await until(lambda: session.log.counters.messages_in == 2)

        # stop() blocks its thread until the server is down: keep the client's loop running.
        await asyncio.to_thread(server.stop)
        await until(lambda: len(reconnecting(session)) >= 3)  # at least two refused attempts
        assert session.state is ConnState.RECONNECTING
        await asyncio.to_thread(server.start)

        await wait_state(session, ConnState.OPEN)
        await until(lambda: len(server.connections) == 2 and server.connections[1].received)
        await session.send_text("after")
        await until(lambda: session.log.counters.messages_in == 4)
        await stop(session)
        return session

    session = run(body)
    log = session.log

    attempts = [e.attempt for e in reconnecting(session)]
    assert attempts == list(range(1, len(attempts) + 1))  # 1, 2, 3, … one per attempt
    assert all(e.error for e in reconnecting(session))  # each says why
    assert "refused" in reconnecting(session)[-1].error
    delays = [e.delay for e in reconnecting(session)]
    # The connection lived less than STABLE_CONNECTION_SECONDS: the first attempt after the
    # drop waits like a failed one (no tight loop against a server that keeps dropping us).
    assert delays[0] == 0.05
    assert delays[1:3] == [0.05, 0.05]  # then the policy's: initial, min, …

    (note,) = [e for e in of_type(log, NoteEvent) if e.separator]
    n = attempts[-1]
    assert note.text == f"reconnected after {n} attempt{'s' if n != 1 else ''}"
    # Each attempt carries its own connection number, the failed ones too: 1 dropped,
    # 2 … n were refused, n + 1 opened.
    refused = [e.conn for e in of_type(log, ErrorEvent) if "refused" in e.message]
    assert refused == list(range(2, n + 1))
    assert note.conn == n + 1

    first, second = server.connections
    assert first.received == ["subscribe", "before"]
    assert second.received == ["subscribe", "after"]  # on-connect messages on every connection

    handshakes = of_type(log, HandshakeEvent)
    # The refused attempts sent no request: no handshake is shown for them.
    assert [(h.conn, h.accepted) for h in handshakes] == [(1, True), (n + 1, True)]
    # Each way, per connection, in order (echoes may interleave with what is sent next).
    messages = of_type(log, MessageEvent)

    def sent_and_received(conn: int) -> tuple[list[bytes], list[bytes]]:
        mine = [m for m in messages if m.conn == conn]
        return (
            [m.data for m in mine if m.direction is Direction.OUT],
            [m.data for m in mine if m.direction is Direction.IN],
        )

    assert sent_and_received(1) == ([b"subscribe", b"before"], [b"subscribe", b"before"])
    assert sent_and_received(n + 1) == ([b"subscribe", b"after"], [b"subscribe", b"after"])
    closes = of_type(log, CloseEvent)
    assert [(c.conn, c.code, c.initiator) for c in closes] == [
        (1, 1001, "server"),  # going away: the server shut down
        (n + 1, 1000, "client"),
    ]


def test_503_twice_then_accepted(recording_server: RecordingServer) -> None:
    recording_server.reject_next(2, 503)

    async def body() -> Session:
        session = start(recording_server.url("/echo"))
        await wait_state(session, ConnState.OPEN, ConnState.FAILED)
        assert session.state is ConnState.OPEN, session.last_error
        await stop(session)
        return session

    session = run(body)
    assert recording_server.handshake_attempts == 3
    assert [r.status for r in recording_server.requests] == [503, 503, 101]
    handshakes = of_type(session.log, HandshakeEvent)
    assert [(h.accepted, h.status_code) for h in handshakes] == [
        (False, 503),
        (False, 503),
        (True, 101),
    ]
    assert handshakes[0].status_line == "HTTP/1.1 503 Service Unavailable"
    assert handshakes[0].body == b"rejected by test server (503)\n"
    assert [(e.attempt, e.delay) for e in reconnecting(session)] == [(1, 0.05), (2, 0.05)]
    assert all("503" in e.error for e in reconnecting(session))
    (note,) = [e for e in of_type(session.log, NoteEvent) if e.separator]
    assert note.text == "reconnected after 2 attempts"


def test_403_is_not_retried(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = start(recording_server.url("/reject?status=403&body=members%20only"))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "403" in session.last_error
    assert recording_server.handshake_attempts == 1
    assert reconnecting(session) == []
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert (handshake.accepted, handshake.status_code) == (False, 403)
    assert handshake.body == b"members only\n"


def test_close_during_backoff_stops_at_once(recording_server: RecordingServer) -> None:
    recording_server.reject_next(100, 503)
    slow = ReconnectPolicy(enabled=True, initial_delay=30, jitter=False)

    async def body() -> Session:
        session = start(recording_server.url("/echo"), policy=slow)
        await wait_state(session, ConnState.RECONNECTING)
        (waiting,) = reconnecting(session)
        assert (waiting.attempt, waiting.delay) == (1, 30)
        assert recording_server.handshake_attempts == 1
        async with asyncio.timeout(2):  # not the 30 s backoff, nor close()'s own 5 s bound
            await session.close()
        assert session.state is ConnState.CLOSED
        task = session.task
        assert task is not None and task.done()
        await stays(lambda: recording_server.handshake_attempts == 1, 0.3)
        return session

    session = run(body)
    assert states(session)[-1].state is ConnState.CLOSED
    assert recording_server.connections == []


def test_clean_server_close_does_not_reconnect_by_default(
    recording_server: RecordingServer,
) -> None:
    async def body() -> Session:
        session = start(recording_server.url("/close?code=1000"))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    assert recording_server.handshake_attempts == 1
    assert reconnecting(session) == []
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.initiator, close.clean) == (1000, "server", True)


def test_clean_server_close_reconnects_when_asked(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = start(recording_server.url("/close?code=1000"), policy=FAST_ALSO_ON_CLEAN_CLOSE)
        await until(lambda: len(accepted(session)) >= 2)
        await stop(session)
        return session

    session = run(body)
    assert len(recording_server.connections) >= 2
    assert reconnecting(session)[0].attempt == 1
    closes = of_type(session.log, CloseEvent)
    assert closes[0].code == 1000
    assert closes[0].conn == 1


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/close?code=1012&reason=restarting", 1012),  # service restart
        ("/close?code=1013", 1013),  # try again later
        ("/drop", 1006),  # the TCP connection just went away
    ],
)
def test_retryable_closes_reconnect(
    recording_server: RecordingServer, path: str, code: int
) -> None:
    async def body() -> Session:
        session = start(recording_server.url(path))
        await until(lambda: len(accepted(session)) >= 2)
        await stop(session)
        return session

    session = run(body)
    first = of_type(session.log, CloseEvent)[0]
    assert (first.conn, first.code) == (1, code)
    assert first.initiator == ("" if code == 1006 else "server")
    assert reconnecting(session)[0].attempt == 1
    assert str(code) in reconnecting(session)[0].error
    assert [h.conn for h in accepted(session)][:2] == [1, 2]
    assert len(recording_server.connections) >= 2


@pytest.mark.parametrize("code", [1008, 1002, 4000])
def test_other_closes_do_not_reconnect(recording_server: RecordingServer, code: int) -> None:
    async def body() -> Session:
        session = start(recording_server.url(f"/close?code={code}&reason=no"))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    assert recording_server.handshake_attempts == 1
    assert reconnecting(session) == []
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.reason, close.initiator) == (code, "no", "server")


def test_max_attempts_then_gives_up(free_port: int) -> None:
    policy = ReconnectPolicy(
        enabled=True,
        initial_delay=0.02,
        min_delay=0.02,
        max_delay=0.05,
        jitter=False,
        max_attempts=2,
    )

    async def body() -> Session:
        session = start(f"ws://127.0.0.1:{free_port}/", policy=policy)
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert session.last_error.startswith("gave up after 2 attempts")
    assert "refused" in session.last_error
    errors = of_type(session.log, ErrorEvent)
    assert len(errors) == 3  # the first try and two retries
    assert all("refused" in e.message for e in errors)
    assert [e.attempt for e in reconnecting(session)] == [1, 2]
    assert states(session)[-1].state is ConnState.FAILED
    assert states(session)[-1].error == session.last_error


def test_gives_up_after_one_retry_when_max_attempts_is_1(free_port: int) -> None:
    policy = ReconnectPolicy(enabled=True, initial_delay=0.02, jitter=False, max_attempts=1)

    async def body() -> Session:
        session = start(f"ws://127.0.0.1:{free_port}/", policy=policy)
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert session.last_error.startswith("gave up after 1 attempt: connection refused")
    assert len(of_type(session.log, ErrorEvent)) == 2
    assert [e.attempt for e in reconnecting(session)] == [1]


def test_close_asked_for_by_the_user_never_reconnects(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = start(recording_server.url("/echo"), policy=FAST_ALSO_ON_CLEAN_CLOSE)
        await wait_state(session, ConnState.OPEN)
        await stop(session)
        await stays(lambda: recording_server.handshake_attempts == 1, 0.3)
        return session

    session = run(body)
    assert reconnecting(session) == []
    assert [e.state for e in states(session)] == [
        ConnState.CONNECTING,
        ConnState.OPEN,
        ConnState.CLOSING,
        ConnState.CLOSED,
    ]
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.initiator) == (1000, "client")
    record = recording_server.last
    assert record.closed.wait(5)
    assert record.close_code == 1000


def test_close_while_reconnecting_after_a_drop(
    recording_server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing in RECONNECTING (no connection to close) ends the session without a retry."""
    # The connection counts as stable, so the first retry is immediate, as in websockets.
    monkeypatch.setattr(session_module, "STABLE_CONNECTION_SECONDS", 0.0)
    slow = ReconnectPolicy(enabled=True, initial_delay=30, jitter=False)

    async def body() -> Session:
        session = start(recording_server.url("/echo"), policy=slow)
        await wait_state(session, ConnState.OPEN)
        recording_server.reject_next(100, 503)
        await asyncio.to_thread(recording_server.drop_connections)
        # Immediate attempt (rejected), then a 30 s wait.
        await until(lambda: any(e.delay == 30 for e in reconnecting(session)))
        async with asyncio.timeout(2):
            await session.close()
        await stays(lambda: recording_server.handshake_attempts == 2, 0.3)
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    assert [(e.attempt, e.delay) for e in reconnecting(session)] == [(1, 0.0), (2, 30)]


# -- the policy --------------------------------------------------------------------------------


def test_delays_without_jitter() -> None:
    policy = ReconnectPolicy(
        initial_delay=1.0, min_delay=0.5, factor=2.0, max_delay=3.0, jitter=False
    )
    assert list(islice(policy.delays(), 7)) == [1.0, 0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_delays_are_capped_by_max_delay() -> None:
    policy = ReconnectPolicy(initial_delay=10.0, min_delay=5.0, max_delay=2.0, jitter=False)
    assert list(islice(policy.delays(), 3)) == [2.0, 2.0, 2.0]


def test_delays_start_fresh_each_time() -> None:
    policy = ReconnectPolicy(
        initial_delay=1.0, min_delay=0.5, factor=2.0, max_delay=3.0, jitter=False
    )
    first = policy.delays()
    next(first)
    next(first)
    assert next(policy.delays()) == 1.0


def test_delays_with_jitter_follow_the_library() -> None:
    policy = ReconnectPolicy(initial_delay=2.0, min_delay=0.5, factor=2.0, max_delay=3.0)
    for _ in range(20):
        first, *rest = islice(policy.delays(), 6)
        assert 0.0 <= first <= 2.0
        assert rest == [0.5, 1.0, 2.0, 3.0, 3.0]
    library = list(islice(backoff(initial_delay=2.0, min_delay=0.5, max_delay=3.0, factor=2.0), 6))
    assert library[1:] == rest


def test_defaults_are_websockets_17_4s() -> None:
    assert (DEFAULT_INITIAL_DELAY, DEFAULT_MIN_DELAY, DEFAULT_FACTOR, DEFAULT_MAX_DELAY) == (
        5.0,
        3.1,
        1.618,
        90.0,
    )
    policy = ReconnectPolicy()
    assert (policy.initial_delay, policy.min_delay, policy.factor, policy.max_delay) == (
        5.0,
        3.1,
        1.618,
        90.0,
    )
    assert policy.enabled is False
    assert policy.max_attempts == 0
    assert policy.jitter is True
    assert policy.on_clean_close is False
    # Same sequence as the library's backoff() from the first non-random delay on.
    ours = list(islice(ReconnectPolicy().delays(), 12))[1:]
    theirs = list(islice(backoff(5.0, 3.1, 90.0, 1.618), 12))[1:]
    assert ours == pytest.approx(theirs)


def closed(
    rcvd: int | None, sent: int | None, rcvd_then_sent: bool | None = None
) -> ConnectionClosed:
    return ConnectionClosed(
        Close(rcvd, "") if rcvd is not None else None,
        Close(sent, "") if sent is not None else None,
        rcvd_then_sent,
    )


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (closed(1001, 1001, True), True),  # going away
        (closed(1011, 1011, True), True),  # server error
        (closed(1012, 1012, True), True),  # service restart
        (closed(1013, 1013, True), True),  # try again later
        (closed(1014, 1014, True), True),  # bad gateway
        (closed(None, None), True),  # TCP connection lost: 1006
        (closed(None, 1011), True),  # keepalive ping timeout
        (closed(None, 1002), False),  # we found a protocol error: it would recur
        (closed(None, 1009), False),  # message too big for us
        (closed(1008, 1008, True), False),  # policy violation
        (closed(1003, 1003, True), False),
        (closed(4000, 4000, True), False),
        (closed(1000, 1000, True), False),  # clean close: only with on_clean_close
        (closed(1012, 1012, False), False),  # this client started the closing handshake
    ],
)
def test_close_is_retryable(exc: ConnectionClosed, expected: bool) -> None:
    assert close_is_retryable(exc, ReconnectPolicy(enabled=True)) is expected


@pytest.mark.parametrize("code", [1000, 1005])  # 1005: a close frame without a code
def test_clean_close_is_retryable_only_with_on_clean_close(code: int) -> None:
    exc = closed(code, code, True)
    assert close_is_retryable(exc, ReconnectPolicy(enabled=True)) is False
    assert close_is_retryable(exc, ReconnectPolicy(enabled=True, on_clean_close=True)) is True


def invalid_status(status: int) -> InvalidStatus:
    return InvalidStatus(Response(status, "", Headers()))


def eof_during_handshake() -> InvalidMessage:
    exc = InvalidMessage("did not receive a valid HTTP response")
    exc.__cause__ = EOFError("connection closed while reading HTTP status line")
    return exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError("timed out during opening handshake"), True),
        (eof_during_handshake(), True),
        (invalid_status(500), True),
        (invalid_status(502), True),
        (invalid_status(503), True),
        (invalid_status(504), True),
        (invalid_status(403), False),
        (invalid_status(401), False),
        (invalid_status(404), False),
        (invalid_status(426), False),
        (InvalidMessage("did not receive a valid HTTP response"), False),
        (InvalidURI("http://x", "scheme isn't ws or wss"), False),
        # TLS errors are OSErrors to the library, but a retry can't make a certificate trusted.
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), False),
        (ssl.SSLError(1, "wrong version number"), False),
    ],
)
def test_failure_is_retryable(exc: Exception, expected: bool) -> None:
    assert failure_is_retryable(exc) is expected


def test_a_stable_connection_is_reopened_at_once_like_websockets_does(
    recording_server_factory: Callable[..., RecordingServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "STABLE_CONNECTION_SECONDS", 0.0)
    server = recording_server_factory()

    async def body() -> Session:
        session = start(server.url("/echo"))
        await wait_state(session, ConnState.OPEN)
        server.drop_connections()
        await until(lambda: len(server.connections) == 2)
        await wait_state(session, ConnState.OPEN)
        await stop(session)
        return session

    session = run(body)
    assert [e.delay for e in reconnecting(session)] == [0.0]


def test_a_server_that_keeps_dropping_us_is_retried_with_growing_delays(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory(behaviour="drop")

    async def body() -> Session:
        session = start(
            server.url("/"),
            ReconnectPolicy(
                enabled=True,
                initial_delay=0.01,
                min_delay=0.02,
                factor=2,
                max_delay=1,
                jitter=False,
            ),
        )
        await until(lambda: len(server.connections) >= 4)
        await stop(session)
        return session

    session = run(body)
    delays = [e.delay for e in reconnecting(session)][:3]
    assert delays == [0.01, 0.02, 0.04]


def test_close_while_waiting_after_a_short_lived_connection(
    recording_server: RecordingServer,
) -> None:
    slow = ReconnectPolicy(enabled=True, initial_delay=30, jitter=False)

    async def body() -> Session:
        session = start(recording_server.url("/echo"), policy=slow)
        await wait_state(session, ConnState.OPEN)
        await asyncio.to_thread(recording_server.drop_connections)
        await until(lambda: any(e.delay == 30 for e in reconnecting(session)))
        async with asyncio.timeout(2):
            await session.close()
        await stays(lambda: recording_server.handshake_attempts == 1, 0.3)
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    assert [(e.attempt, e.delay) for e in reconnecting(session)] == [(1, 30)]
