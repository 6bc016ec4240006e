"""One page's connection state (core.connection) and the log's stable ids, against real servers."""

from __future__ import annotations

from collections.abc import Callable

from helpers.asyncwait import run, until, wait_state
from helpers.faults import FaultServer
from helpers.servers import RecordingServer
from helpers.sessions import finished, of_type

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    HandshakeEvent,
    NoteEvent,
)
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.reconnect import ReconnectPolicy
from wsinspector.core.websocket.session import Session
from wsinspector.core.websocket.state import IDLE_TEXT, ConnectionState


def options_for(uri: str, **kwargs: object) -> ConnectionOptions:
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("open_timeout", 5.0)
    kwargs.setdefault("close_timeout", 1.0)
    return ConnectionOptions(uri, **kwargs)  # type: ignore[arg-type]


def fast_reconnect(**kwargs: object) -> ReconnectPolicy:
    values: dict[str, object] = {
        "enabled": True,
        "initial_delay": 0.05,
        "min_delay": 0.05,
        "max_delay": 0.05,
        "jitter": False,
    }
    values.update(kwargs)
    return ReconnectPolicy(**values)  # type: ignore[arg-type]


def start(connection: ConnectionState, options: ConnectionOptions) -> Session:
    connection.begin(options)
    session = Session(options, connection.log)
    session.start()
    return session


def test_ids_are_sequence_numbers_that_survive_clear() -> None:
    log = EventLog()
    for i in range(3):
        log.append_message(1, True, True, b"%d" % i, 0.0, 0.0)
    assert [log.id_at(i) for i in range(3)] == [1, 2, 3]
    assert log.id_at(-1) == 3 and log.next_id == 4
    log.clear()
    log.append_message(1, True, True, b"after", 0.0, 0.0)
    assert log.first_id == 4 and log.id_at(0) == 4
    assert log.index_of(4) == 0
    assert log.index_of(3) is None  # cleared: never taken by another event
    assert log.index_of(5) is None


def test_each_attempt_has_its_own_connection_number(
    recording_server: RecordingServer,
) -> None:
    """Handshake 1 ok, close 1 (1006), handshake 2 rejected, handshake 3 ok."""

    async def body() -> EventLog:
        connection = ConnectionState(EventLog())
        options = options_for(recording_server.url("/echo"), reconnect=fast_reconnect())
        session = start(connection, options)
        await wait_state(session, ConnState.OPEN)
        recording_server.reject_next(1, status=503)
        recording_server.drop_connections()
        await until(lambda: len(of_type(connection.log, HandshakeEvent)) == 3)
        await wait_state(session, ConnState.OPEN)
        await session.close()
        return connection.log

    log = run(body)
    handshakes = [(e.conn, e.accepted) for e in of_type(log, HandshakeEvent)]
    assert handshakes == [(1, True), (2, False), (3, True)]
    assert [(e.conn, e.code) for e in of_type(log, CloseEvent)] == [(1, 1006), (3, 1000)]


def test_a_new_run_does_not_show_the_last_runs_close(
    recording_server: RecordingServer, fault_server_factory: Callable[..., FaultServer]
) -> None:
    silent = fault_server_factory("hang")

    async def body() -> tuple[str, str, list[str]]:
        connection = ConnectionState(EventLog())
        first = start(
            connection, options_for(recording_server.url("/close?code=4001&reason=first"))
        )
        await finished(first)
        closed_text = connection.status_text()
        second = start(connection, options_for(silent.url("/"), open_timeout=30))
        await wait_state(second, ConnState.CONNECTING)
        await until(lambda: silent.accepted == 1)
        connection.stop_requested()
        await second.close()
        notes = [e.text for e in of_type(connection.log, NoteEvent)]
        return closed_text, connection.status_text(), notes

    closed_text, stopped_text, notes = run(body)
    assert closed_text == "Closed by the server: 4001 private use “first”"
    assert stopped_text == "Stopped by you while connecting."
    assert "stopped by the user while connecting" in notes


def test_stopping_a_reconnect_countdown_says_the_user_stopped_it(
    recording_server: RecordingServer,
) -> None:
    async def body() -> tuple[str, str]:
        connection = ConnectionState(EventLog())
        policy = fast_reconnect(initial_delay=30, min_delay=30, max_delay=30)
        session = start(connection, options_for(recording_server.url("/drop"), reconnect=policy))
        await wait_state(session, ConnState.RECONNECTING)
        counting = connection.status_text()
        connection.stop_requested()
        await session.close()
        return counting, connection.status_text()

    counting, stopped = run(body)
    assert counting.startswith("Reconnecting — attempt 1 in ")
    assert stopped == "Stopped by you while waiting to reconnect."
    assert "1006" not in stopped


def test_idle_connection_says_how_to_start() -> None:
    assert ConnectionState(EventLog()).status_text() == IDLE_TEXT


class DropRecorder:
    def __init__(self) -> None:
        self.dropped: list[int] = []

    def event_appended(self, log: EventLog, event: object) -> None:
        pass

    def messages_appended(self, log: EventLog) -> None:
        pass

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        self.dropped.append(count)


def test_a_full_log_drops_its_oldest_events_and_says_how_many() -> None:
    log = EventLog(capacity=10)
    recorder = DropRecorder()
    log.add_listener(recorder)
    for i in range(25):
        log.append_message(1, True, True, b"%d" % i, 0.0, 0.0)
    assert 10 <= len(log) <= 11
    assert log.dropped == 25 - len(log) and sum(recorder.dropped) == log.dropped
    newest = [event.data for event in log]  # type: ignore[attr-defined]
    assert newest == [b"%d" % i for i in range(25 - len(log), 25)]
    assert log.id_at(-1) == 25  # ids still count every event ever appended
    assert log.index_of(log.first_id) == 0 and log.index_of(1) is None
