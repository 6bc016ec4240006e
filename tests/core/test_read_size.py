"""A flood's burst is read in bounded pieces (issue 20).

asyncio reads up to 256 KiB per wake-up and websockets parses all of it in that one callback:
with small compressed messages that was ~15,000 messages and a ~95 ms stall of the loop (the
window's timers and painting wait). GuardedConnection lowers the read to READ_BYTES; once the
connection's frames are plain (no extension negotiated), the framer's work per byte is small
and FramedConnection reads PLAIN_READ_BYTES, so that large messages pay the loop's turn per
read less often. What is observed here is what the real connection reads from its socket, and
that nothing is lost.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from helpers.asyncwait import run
from helpers.scripted import Close, ScriptedServer, Sent, Write, deflated, frame, upgrade
from helpers.sessions import finished

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.websocket.framed import PLAIN_READ_BYTES, FramedConnection
from wsinspector.core.websocket.guarded import READ_BYTES
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

CLOSE_1000 = bytes.fromhex("88 02 03 e8")
MESSAGES = 8000  # 100 bytes each: over 800,000 bytes in one write, more than three 256 KiB reads
DEFLATE = (
    b"Sec-WebSocket-Extensions: permessage-deflate; "
    b"server_no_context_takeover; client_no_context_takeover\r\n"
)


def compressed(payload: bytes) -> bytes:
    """One message compressed on its own (no context takeover), as its frame."""
    return frame(2, deflated(payload), rsv=4)


@pytest.mark.parametrize(
    ("negotiated", "bound"),
    [(False, PLAIN_READ_BYTES), (True, READ_BYTES)],
    ids=["plain", "deflate"],
)
def test_a_burst_is_read_in_bounded_pieces(
    monkeypatch: pytest.MonkeyPatch, negotiated: bool, bound: int
) -> None:
    reads: list[int] = []
    original = FramedConnection.data_received

    def noting(self: FramedConnection, data: bytes) -> None:
        reads.append(len(data))
        original(self, data)

    monkeypatch.setattr(FramedConnection, "data_received", noting)
    # Random bytes: deflate can't shrink them, so the compressed burst is as long as the plain.
    payloads = [random.Random(i).randbytes(100) for i in range(MESSAGES)]
    encode = compressed if negotiated else (lambda payload: frame(2, payload))
    burst = b"".join(encode(payload) for payload in payloads)
    head = upgrade(DEFLATE if negotiated else b"")
    script = [Write(head), Write(burst + CLOSE_1000), Sent(), Close()]

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
    assert got == payloads
    assert max(reads) <= bound
    # More than one read's worth arrived at once: the bound was reached, not just respected.
    assert max(reads) > bound // 2
