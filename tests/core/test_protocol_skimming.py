"""A flood's routine messages cost the driver no reading (base.Skimming), against a real Node
socket.io v4 server that floods (tests/node/socketio_flood_server.js, the flood benchmark's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.asyncwait import run, wait_state
from helpers.node import node_server

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent
from wsinspector.core.protocols.base import Outgoing, Reading
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.socketio import SocketIOProtocol, socketio_uri
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

EVENTS = 3000


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with node_server("socketio_flood_server.js") as server_port:
        yield server_port


class CountingSocketIO(SocketIOProtocol):
    """Socket.IO that counts the messages it was asked to read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str | bytes] = []

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        self.reads.append(data)
        return super().read(data)


def test_a_flood_of_events_is_not_read_one_by_one(port: int) -> None:
    async def scenario() -> None:
        protocol = CountingSocketIO()
        readings: list[tuple[int, Reading]] = []
        options = ConnectionOptions(
            socketio_uri(f"http://127.0.0.1:{port}/?n={EVENTS}&size=100"),
            ping_interval=None,
            open_timeout=5.0,
            close_timeout=1.0,
        )
        session = Session(options, EventLog())
        ProtocolDriver(session, protocol, on_reading=lambda i, r: readings.append((i, r)))
        session.start()
        # The server disconnects once it has emitted every event.
        await wait_state(session, ConnState.CLOSED, ConnState.FAILED, timeout=20)
        log = session.log
        received = {
            log.id_at(index): event
            for index, event in enumerate(log)
            if isinstance(event, MessageEvent) and event.direction is Direction.IN
        }
        ticks = [e for e in received.values() if e.data.startswith(b'42["tick"')]
        assert len(ticks) == EVENTS
        # Every message still has its reading, in order; the open packet was read (and the
        # namespace connected), the events were not.
        assert [i for i, _ in readings] == list(received)
        assert all(r is protocol.routine_reading for _, r in readings[-EVENTS:])
        assert any(str(data).startswith("0{") for data in protocol.reads)
        assert len(protocol.reads) < 50, f"read {len(protocol.reads)} of {len(received)}"

    run(scenario, timeout=30)


def test_read_answers_a_routine_message_as_the_driver_does() -> None:
    protocol = SocketIOProtocol()
    for prefix in protocol.routine:
        message = prefix.decode() + '["tick",{"seq":1}]'
        assert protocol.read(message) == (protocol.routine_reading, [])
    # What must be read as it comes is not routine: the open packet, pings, acknowledgements.
    for message in ('0{"sid":"x"}', "2", '430["ok"]', "461-[]"):
        assert not message.encode().startswith(protocol.routine)
