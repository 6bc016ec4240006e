"""Socket.IO pages for the tests: a session on a real server with its protocol driven, and
the log's messages as the protocol reads them."""

from __future__ import annotations

from helpers.asyncwait import wait_state
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent
from wsinspector.core.protocols.base import Reading, WireProtocol
from wsinspector.core.protocols.driver import ProtocolDriver, start_session
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session


def received(
    log: EventLog, protocol: WireProtocol, direction: Direction = Direction.IN
) -> list[Reading]:
    return [
        protocol.describe(e.data.decode() if e.text else e.data, direction is Direction.IN)
        for e in log
        if isinstance(e, MessageEvent) and e.direction is direction
    ]


def of_kind(log: EventLog, protocol: WireProtocol, kind: str, name: str = "") -> list[Reading]:
    return [r for r in received(log, protocol) if r.kind == kind and name in r.name]


async def open_socketio(uri: str, **params: str) -> tuple[Session, ProtocolDriver]:
    options = ConnectionOptions(
        uri,
        ping_interval=None,
        open_timeout=5.0,
        close_timeout=1.0,
        protocol="socketio",
        protocol_params=tuple(params.items()),
    )
    session, driver = start_session(options, EventLog())
    assert driver is not None
    await wait_state(session, ConnState.OPEN, ConnState.FAILED)
    assert session.state is ConnState.OPEN, session.last_error
    return session, driver
