"""A flood's burst reaches websockets' parser in bounded reads (issue 20).

asyncio reads up to 256 KiB per wake-up and websockets parses all of it in that one callback:
with small compressed messages that was ~15,000 messages and a ~95 ms stall of the loop (the
window's timers and painting wait). GuardedConnection lowers the read to READ_BYTES; what is
observed here is what the real connection reads from its socket, and that nothing is lost.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.asyncwait import run
from helpers.scripted import Close, ScriptedServer, Sent, Write, frame, upgrade
from helpers.sessions import finished

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.websocket.framed import FramedConnection
from wsinspector.core.websocket.guarded import READ_BYTES
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

CLOSE_1000 = bytes.fromhex("88 02 03 e8")
MESSAGES = 8000  # 100 bytes each: 816,000 bytes in one write, more than three 256 KiB reads


def test_a_burst_is_read_and_parsed_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    original = FramedConnection.data_received

    def noting(self: FramedConnection, data: bytes) -> None:
        reads.append(len(data))
        original(self, data)

    monkeypatch.setattr(FramedConnection, "data_received", noting)
    burst = b"".join(frame(1, b"%099d" % i) for i in range(MESSAGES))
    script = [Write(upgrade()), Write(burst + CLOSE_1000), Sent(), Close()]

    async def play(server: ScriptedServer) -> Session:
        options: Any = ConnectionOptions(server.url("/"), ping_interval=None, close_timeout=1.0)
        session = Session(options, EventLog())
        session.start()
        await finished(session, timeout=10.0)
        return session

    with ScriptedServer(script) as server:
        session = run(lambda: play(server))
    got = [
        e.data for e in session.log if isinstance(e, MessageEvent) and e.direction is Direction.IN
    ]
    assert got == [b"%099d" % i for i in range(MESSAGES)]
    assert max(reads) <= READ_BYTES
