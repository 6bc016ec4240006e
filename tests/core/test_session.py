"""Session against real loopback servers: what the server sees and what the log shows.

Every test runs the client in ``asyncio.run`` on the test's thread; the servers are the helpers'
background-thread servers or websockets' own ``serve`` on the same loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from helpers.asyncwait import run, until, wait_state
from helpers.faults import FaultServer
from helpers.rawframes import RawFrameServer, raw
from helpers.servers import RecordingServer
from helpers.sessions import close_session, finished, of_type, open_session, options_for
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode
from websockets.http11 import USER_AGENT

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode
from wsinspector.core.websocket.session import NotConnectedError, Session


def start(options: ConnectionOptions) -> Session:
    session = Session(options, EventLog())
    session.start()
    return session


# -- the handshake as the server sees it -----------------------------------------------------


def test_server_sees_origin_headers_user_agent_and_subprotocols(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    server = recording_server_factory(subprotocols=["chat.v2", "chat.v1"])
    custom = (("X-Trace", "abc 123"), ("X-Multi", "one"), ("X-Other", "x"), ("X-Multi", "two"))
    options = options_for(
        server.url("/echo?room=1"),
        origin="https://inspector.example",
        subprotocols=("chat.v1", "chat.v2"),
        headers=custom,
        user_agent_mode=UserAgentMode.CUSTOM,
        user_agent="wsinspector-test/1.0",
    )

    async def body() -> Session:
        session = await open_session(options)
        await close_session(session)
        return session

    session = run(body)
    record = server.last
    assert record.path == "/echo?room=1"
    assert record.header("Origin") == "https://inspector.example"
    # Every custom header, repeated names included, in the order given.
    assert [(k, v) for k, v in record.headers if k.lower().startswith("x-")] == list(custom)
    assert [v for k, v in record.headers if k.lower() == "user-agent"] == ["wsinspector-test/1.0"]
    assert record.header("Sec-WebSocket-Protocol") == "chat.v1, chat.v2"
    assert record.subprotocol == "chat.v1"  # the client's first supported choice

    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.accepted
    assert handshake.subprotocol == "chat.v1"
    assert handshake.status_code == 101
    assert handshake.status_line == "HTTP/1.1 101 Switching Protocols"
    assert handshake.request_line == "GET /echo?room=1 HTTP/1.1"
    # Exactly as sent: names, case, order and repeats.
    assert handshake.request_headers == tuple(record.headers)
    assert ("Sec-WebSocket-Protocol", "chat.v1") in handshake.response_headers
    assert handshake.extensions.startswith("permessage-deflate")


@pytest.mark.parametrize(
    ("mode", "custom", "expected"),
    [
        (UserAgentMode.DEFAULT, "", [USER_AGENT]),
        (UserAgentMode.CUSTOM, "my agent", ["my agent"]),
        (UserAgentMode.NONE, "ignored", []),
    ],
)
def test_user_agent_modes(
    recording_server: RecordingServer, mode: UserAgentMode, custom: str, expected: list[str]
) -> None:
    options = options_for(recording_server.url("/echo"), user_agent_mode=mode, user_agent=custom)

    async def body() -> Session:
        session = await open_session(options)
        await close_session(session)
        return session

    session = run(body)
    headers = recording_server.last.headers
    assert [v for k, v in headers if k.lower() == "user-agent"] == expected
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.request_headers == tuple(headers)


def test_no_subprotocol_offered_means_none_negotiated(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = await open_session(options_for(recording_server.url("/echo")))
        await close_session(session)
        return session

    session = run(body)
    assert recording_server.last.header("Sec-WebSocket-Protocol") is None
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.subprotocol is None


# -- messages ----------------------------------------------------------------------------------


def test_echo_round_trip_text_and_binary(recording_server: RecordingServer) -> None:
    text = "héllo wörld"
    binary = b"\x00\x01\xfe\xff" * 3

    async def body() -> Session:
        session = await open_session(options_for(recording_server.url("/echo")))
        log = session.log
        await session.send_text(text)
        await until(lambda: log.counters.messages_in == 1)
        await session.send_binary(binary)
        await until(lambda: log.counters.messages_in == 2)
        await close_session(session)
        return session

    session = run(body)
    messages = of_type(session.log, MessageEvent)
    assert [(m.direction, m.text, m.data) for m in messages] == [
        (Direction.OUT, True, text.encode()),
        (Direction.IN, True, text.encode()),
        (Direction.OUT, False, binary),
        (Direction.IN, False, binary),
    ]
    assert messages[1].decoded() == text
    assert messages[3].decoded() is None
    assert {m.conn for m in messages} == {1}
    counters = session.log.counters
    assert (counters.messages_out, counters.messages_in) == (2, 2)
    size = len(text.encode()) + len(binary)
    assert (counters.bytes_out, counters.bytes_in) == (size, size)
    assert recording_server.last.received == [text, binary]


def test_on_connect_messages_are_sent_first_and_logged(recording_server: RecordingServer) -> None:
    options = options_for(recording_server.url("/echo"), on_connect_messages=("hello", "sub:1"))

    async def body() -> Session:
        session = await open_session(options)
        await until(lambda: session.log.counters.messages_in == 2)
        await close_session(session)
        return session

    session = run(body)
    assert recording_server.last.received == ["hello", "sub:1"]
    outgoing = [m.data for m in of_type(session.log, MessageEvent) if m.direction is Direction.OUT]
    assert outgoing == [b"hello", b"sub:1"]


def test_invalid_utf8_text_from_server_is_shown_and_connection_stays_open() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(b"\xff\xfe", text=True)
        async for message in ws:
            assert isinstance(message, str)
            await ws.send(f"got {message}")

    async def body() -> Session:
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            session = await open_session(options_for(f"ws://127.0.0.1:{port}/"))
            await until(lambda: session.log.counters.messages_in == 1)
            # Still open: a second exchange works and nothing closed with 1007.
            await session.send_text("still there?")
            await until(lambda: session.log.counters.messages_in == 2)
            assert session.state is ConnState.OPEN
            await close_session(session)
        return session

    session = run(body)
    incoming = [m for m in of_type(session.log, MessageEvent) if m.direction is Direction.IN]
    assert incoming[0].text is True
    assert incoming[0].data == b"\xff\xfe"
    assert incoming[0].decoded() is None
    assert incoming[1].decoded() == "got still there?"
    (close,) = of_type(session.log, CloseEvent)
    assert close.code == 1000


def test_message_over_max_size_closes_with_1009(recording_server: RecordingServer) -> None:
    options = options_for(recording_server.url("/echo"), max_message_size=1000)

    async def body() -> Session:
        session = await open_session(options)
        # The client may send it; the server's echo is too big for the client to receive.
        await session.send_binary(b"x" * 2000)
        await finished(session)
        return session

    session = run(body)
    (close,) = of_type(session.log, CloseEvent)
    assert close.code == 1009
    assert close.sent_code == 1009
    assert close.initiator == "client"
    assert session.state is ConnState.CLOSED
    assert session.log.counters.messages_in == 0


def test_sending_while_not_connected_raises(recording_server: RecordingServer) -> None:
    async def body() -> None:
        session = Session(options_for(recording_server.url("/echo")), EventLog())
        with pytest.raises(NotConnectedError):
            await session.send_text("too early")
        with pytest.raises(NotConnectedError):
            await session.ping()
        session.start()
        await wait_state(session, ConnState.OPEN)
        await close_session(session)
        with pytest.raises(NotConnectedError):
            await session.send_binary(b"too late")
        assert of_type(session.log, MessageEvent) == []

    run(body)
    assert recording_server.last.received == []


# -- closing -----------------------------------------------------------------------------------


def test_client_close_with_code_and_reason(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = await open_session(options_for(recording_server.url("/echo")))
        async with asyncio.timeout(5):
            await session.close(4000, "bye")
        return session

    session = run(body)
    record = recording_server.last
    assert record.closed.wait(5)
    assert (record.close_code, record.close_reason) == (4000, "bye")
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.reason) == (4000, "bye")
    assert close.initiator == "client"
    assert close.clean is True
    assert session.state is ConnState.CLOSED
    states = [e.state for e in of_type(session.log, StateEvent)]
    assert states == [ConnState.CONNECTING, ConnState.OPEN, ConnState.CLOSING, ConnState.CLOSED]
    assert session.task is not None and session.task.done()


def test_server_close_without_reconnect(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = start(options_for(recording_server.url("/close?code=4001&reason=server%20bye")))
        await finished(session)
        return session

    session = run(body)
    (close,) = of_type(session.log, CloseEvent)
    assert (close.code, close.reason) == (4001, "server bye")
    assert (close.received_code, close.received_reason) == (4001, "server bye")
    assert close.initiator == "server"
    assert close.clean is True
    assert session.state is ConnState.CLOSED
    assert recording_server.handshake_attempts == 1


# -- failures ----------------------------------------------------------------------------------


def test_rejected_handshake_shows_status_headers_and_body(
    recording_server: RecordingServer,
) -> None:
    uri = recording_server.url("/reject?status=403&body=go%20away")

    async def body() -> Session:
        session = start(options_for(uri))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "403" in session.last_error
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.accepted is False
    assert handshake.status_code == 403
    assert handshake.status_line == "HTTP/1.1 403 Forbidden"
    assert ("Content-Type", "text/plain; charset=utf-8") in handshake.response_headers
    assert ("Content-Length", str(len(b"go away\n"))) in handshake.response_headers
    assert handshake.body == b"go away\n"
    # The request as sent, from the frame tap (a rejected handshake has no connection object).
    assert handshake.request_line == "GET /reject?status=403&body=go%20away HTTP/1.1"
    (request,) = recording_server.requests
    assert request.status == 403
    assert handshake.request_headers == tuple(request.headers)
    failed = of_type(session.log, StateEvent)[-1]
    assert failed.state is ConnState.FAILED
    assert failed.error == session.last_error
    assert of_type(session.log, ErrorEvent)[-1].message == session.last_error


def test_connection_refused(free_port: int) -> None:
    async def body() -> Session:
        session = start(options_for(f"ws://127.0.0.1:{free_port}/"))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "refused" in session.last_error
    assert of_type(session.log, HandshakeEvent) == []  # no request was ever sent
    assert "refused" in of_type(session.log, StateEvent)[-1].error


def test_hanging_server_times_out(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("hang")

    async def body() -> Session:
        session = start(options_for(server.url(), open_timeout=0.3))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "timed out" in session.last_error
    assert server.received.startswith(b"GET / HTTP/1.1\r\n")
    (handshake,) = of_type(session.log, HandshakeEvent)
    assert handshake.accepted is False
    assert handshake.status_line == ""  # no response ever came
    assert handshake.request_line == "GET / HTTP/1.1"


def test_close_while_connecting_stops_at_once(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    server = fault_server_factory("hang")

    async def body() -> Session:
        session = start(options_for(server.url(), open_timeout=30.0))
        await until(lambda: server.received)  # the request is out, no answer will come
        assert session.state is ConnState.CONNECTING
        async with asyncio.timeout(2):  # not the 30 s open timeout
            await session.close()
        return session

    session = run(body)
    assert session.state is ConnState.CLOSED
    task = session.task
    assert task is not None and task.done() and not task.cancelled()
    assert [e.state for e in of_type(session.log, StateEvent)] == [
        ConnState.CONNECTING,
        ConnState.CLOSED,
    ]
    assert of_type(session.log, ErrorEvent) == []  # the user stopped it: not an error


def test_garbage_answer_is_a_readable_failure(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    server = fault_server_factory("garbage")

    async def body() -> Session:
        session = start(options_for(server.url()))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "not a valid HTTP response" in session.last_error
    assert "SSH-2.0" in session.last_error  # what came back instead, for the developer


def test_server_closing_before_answering(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("refuse_after_accept")

    async def body() -> Session:
        session = start(options_for(server.url()))
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "closed the connection before answering" in session.last_error


# -- pings -------------------------------------------------------------------------------------


def test_manual_ping_and_pong_with_rtt(recording_server: RecordingServer) -> None:
    async def body() -> Session:
        session = await open_session(options_for(recording_server.url("/echo")))
        await session.ping(b"abcd")
        await until(lambda: len(of_type(session.log, ControlEvent)) == 2)
        await close_session(session)
        return session

    session = run(body)
    ping, pong = of_type(session.log, ControlEvent)
    assert (ping.direction, ping.kind, ping.data) == (Direction.OUT, ControlKind.PING, b"abcd")
    assert ping.keepalive is False
    assert ping.rtt is None
    assert (pong.direction, pong.kind, pong.data) == (Direction.IN, ControlKind.PONG, b"abcd")
    assert pong.keepalive is False
    assert pong.rtt is not None and pong.rtt >= 0


def test_close_returns_in_time_when_the_server_never_answers(
    recording_server: RecordingServer,
) -> None:
    """The window quits within 2 s even if the server ignores the close frame."""
    frozen, thawed = threading.Event(), threading.Event()

    async def freeze_server_loop() -> None:
        frozen.set()
        # Blocks the server's event loop (nothing is read or answered) until the close is
        # over, and 3 s at most should the test fail before.
        thawed.wait(3)

    async def body() -> Session:
        session = await open_session(options_for(recording_server.url("/echo"), close_timeout=10))
        freezing = asyncio.create_task(asyncio.to_thread(recording_server.call, freeze_server_loop))
        await until(frozen.is_set)
        try:
            async with asyncio.timeout(2):
                await session.close(1001, "client shutting down", timeout=1.0)
            assert session.state is ConnState.CLOSED
        finally:
            thawed.set()
        await freezing
        return session

    session = run(body, timeout=15)
    (close,) = of_type(session.log, CloseEvent)
    assert (close.sent_code, close.received_code, close.clean) == (1001, None, False)


def test_close_right_after_start_ends_the_session_closed(
    recording_server: RecordingServer,
) -> None:
    """close() before the session's task first ran: it ends CLOSED, never cancelled."""

    async def body() -> Session:
        session = start(options_for(recording_server.url("/echo")))
        async with asyncio.timeout(5):
            await session.close()
        return session

    session = run(body)
    assert session.task is not None and session.task.done()
    assert not session.task.cancelled()
    assert session.state is ConnState.CLOSED
    assert [e.state for e in of_type(session.log, StateEvent)] == [ConnState.CLOSED]
    assert recording_server.handshake_attempts == 0


def test_the_reader_lets_the_loop_run_while_thousands_of_messages_are_queued() -> None:
    """recv() never yields while messages are queued: 20,000 arrive in one read, and a timer
    due meanwhile must fire while the reader is still logging them, not after all of them."""
    count = 20_000
    script = raw(*(Frame(Opcode.TEXT, b"m%d" % n) for n in range(count)))

    async def body() -> None:
        with RawFrameServer(script) as server:
            session = await open_session(options_for(server.url()))
            messages = session.log.counters

            fired: list[int] = []
            await until(lambda: messages.messages_in > 0)
            asyncio.get_running_loop().call_soon(lambda: fired.append(messages.messages_in))
            await until(lambda: messages.messages_in == count, timeout=30)
            assert fired and fired[0] < count, fired
            await close_session(session)

    run(body)


def test_a_flood_faster_than_the_reader_pauses_the_socket_and_loses_nothing() -> None:
    """One socket read parses tens of thousands of small messages, the reader logs a few
    hundred per loop turn: without flow control websockets' queue grows for the whole flood,
    and Close waits for the reader to log all of it (issue 20: ~1 s). The transport must pause
    while the queue is long, and every message still arrives, in order."""
    count = 60_000
    script = raw(*(Frame(Opcode.TEXT, b"m%d" % n) for n in range(count)))

    async def body() -> None:
        with RawFrameServer(script) as server:
            session = await open_session(options_for(server.url()))
            messages = session.log.counters
            paused = False

            async def watch() -> None:
                nonlocal paused
                while not paused:
                    websocket = session.websocket
                    if websocket is not None and not websocket.transport.is_reading():
                        paused = True
                    await asyncio.sleep(0)

            watcher = asyncio.ensure_future(watch())
            await until(lambda: messages.messages_in == count, timeout=30)
            watcher.cancel()
            assert paused, "the socket was read while the queue grew"
            received = [e.data for e in of_type(session.log, MessageEvent)]
            assert received == [b"m%d" % n for n in range(count)]
            await close_session(session)

    run(body, timeout=60)
