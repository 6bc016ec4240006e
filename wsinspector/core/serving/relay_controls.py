"""Pings and pongs on a relay's legs, logged as a client page logs them.

Control frames don't cross the relay: each leg's websockets answers its peer's pings and
sends its own keepalive pings. They are seen the way core/websocket/frametap.py sees a client
page's: through websockets' per-frame DEBUG calls, on a Logger that reads only the ping and pong
frames (data frames cost one comparison, a flood stays a flood) and keeps no other state.
Each leg's protocol gets its own tap as its logger (relay.py: `protocol.logger = tap`, which
also skips the adapter websockets puts around a connection's logger); serve() is given
SERVER_LOGGER so that its protocols log frames at all.

Directions follow the relay's message rows: toward the upstream is "sent" (OUT), toward the
app "received" (IN), on either leg. Pings the relay sends are its keepalive; a pong answering
one carries the round trip.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.frames import Frame, Opcode

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ControlEvent, ControlKind, Direction

_PING = Opcode.PING
_PONG = Opcode.PONG


class _Quiet(logging.Logger):
    """Enabled for DEBUG, so that websockets logs frames to it; passes WARNING and above on
    to the usual logger and drops the rest."""

    def __init__(self, name: str) -> None:
        super().__init__(name, logging.DEBUG)
        self.propagate = False
        self._forward = logging.getLogger("wsinspector.websockets")

    def isEnabledFor(self, level: int) -> bool:
        # websockets asks once per connection whether to log frames.
        return True

    def handle(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self._forward.handle(record)

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if level == logging.DEBUG:
            self.debug(msg, *args)
        elif level >= logging.WARNING:
            super().log(level, msg, *args, **kwargs)

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        pass

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        pass


class ControlTap(_Quiet):
    """One leg's control frames into the log, on connection `conn` once it is known.

    `toward_peer` is the direction of what the relay sends on this leg (TO_UPSTREAM on the
    upstream's leg, TO_APP on the app's); `on_rtt` hears each round trip of the relay's pings.
    """

    def __init__(
        self, log: EventLog, toward_peer: Direction, on_rtt: Callable[[float], None]
    ) -> None:
        super().__init__("wsinspector.relay.wire")
        self.log_to = log
        self._on_rtt = on_rtt
        self.conn = 0  # 0 until the client has its numbers: nothing is logged before
        self._sent = toward_peer
        self._received = Direction.IN if toward_peer is Direction.OUT else Direction.OUT
        self._pings: dict[bytes, float] = {}

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if msg == "< %s":
            frame = args[0]
            if frame.opcode is _PING or frame.opcode is _PONG:
                self._control(self._received, frame)
        elif msg == "> %s":
            frame = args[0]
            if frame.opcode is _PING or frame.opcode is _PONG:
                self._control(self._sent, frame)

    def _control(self, direction: Direction, frame: Frame) -> None:
        if not self.conn:
            return
        data = bytes(frame.data)
        now = time.monotonic()
        rtt: float | None = None
        ours = direction is self._sent
        if frame.opcode is _PING:
            kind = ControlKind.PING
            if ours:
                self._pings[data] = now
        else:
            kind = ControlKind.PONG
            sent = self._pings.pop(data, None) if not ours else None
            if sent is not None:
                rtt = now - sent
                self._on_rtt(rtt)
                self._pings.clear()  # a pong answers its ping and every earlier one
        keepalive = ours and kind is ControlKind.PING
        self.log_to.append(
            ControlEvent(self.conn, time.time(), now, direction, kind, data, rtt, keepalive)
        )


# serve()'s logger: enabled for DEBUG so that each protocol logs frames (then to its own tap).
SERVER_LOGGER = _Quiet("wsinspector.relay.server")
