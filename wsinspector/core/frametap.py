"""Frame-level observation of a websockets connection, through its DEBUG log calls.

websockets has no public per-frame hook. Its sans-I/O protocol logs every frame it parses as
`logger.debug("< %s", frame)` and every frame it sends as `logger.debug("> %s", frame)`, with
the `websockets.frames.Frame` itself as the argument; the handshake request goes out as
`"> GET %s HTTP/1.1"` then `"> %s: %s"` per header. These strings are documented only as
prefixes (docs/topics/logging.rst), so the version is pinned (<18) and
tests/core/test_frame_tap.py checks them.

The tap is a Logger whose `debug()`/`log()` read those calls directly instead of building
LogRecords: received data frames record their opcode (so `recv(decode=False)` can still
tell text from binary) and are counted against the user's message size limit (see
core/limits.py: a MessageTooBig raised here fails the connection with 1009), control frames
are handed on, everything else at WARNING or above is
forwarded to the "wsinspector.websockets" logger. websockets wraps the logger it is given in a
LoggerAdapter per connection; `TappedConnection` (connect(create_connection=...)) gives the
protocol the tap itself, which takes four Python calls off every frame of a flood.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode

from wsinspector.core.events import Direction
from wsinspector.core.limits import MessageSizeGuard

ControlCallback = Callable[[Direction, Frame], None]

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT
_CLOSE = Opcode.CLOSE


class FrameTap(logging.Logger):
    def __init__(self, on_control: ControlCallback) -> None:
        super().__init__("wsinspector.wire", logging.DEBUG)
        self.propagate = False
        self._on_control = on_control
        self._forward = logging.getLogger("wsinspector.websockets")
        # Opcodes of received messages not yet taken by the reader, oldest first.
        self.incoming_opcodes: deque[Opcode] = deque()
        self.request_line = ""
        self.request_headers: list[tuple[str, str]] = []
        self.size_guard = MessageSizeGuard(None)
        # The guard's limit, read once per received message on the hot path.
        self._limit = self.size_guard.limit

    def limit_messages(self, limit: int | None) -> None:
        """Fail the connection with 1009 once a received message passes `limit` bytes."""
        self.size_guard = MessageSizeGuard(limit)
        self._limit = self.size_guard.limit

    def isEnabledFor(self, level: int) -> bool:
        # websockets evaluates this once per connection to decide whether to log frames.
        return True

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if level == logging.DEBUG:
            self.debug(msg, *args)
        elif level >= logging.WARNING:
            self._forward.log(level, msg, *args, **kwargs)

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if msg == "< %s":
            frame = args[0]
            opcode = frame.opcode
            if opcode is _TEXT or opcode is _BINARY:
                self.incoming_opcodes.append(opcode)
                # One comparison for the usual single-frame message within the limit.
                if not frame.fin or len(frame.data) > self._limit:
                    self.size_guard.first(len(frame.data), frame.fin)
            elif opcode is _CONT:
                self.size_guard.more(len(frame.data), frame.fin)
            elif opcode is not _CLOSE:
                self._on_control(Direction.IN, frame)
            return
        if msg == "> %s":
            frame = args[0]
            opcode = frame.opcode
            if opcode is Opcode.PING or opcode is Opcode.PONG:
                self._on_control(Direction.OUT, frame)
            return
        if msg == "> GET %s HTTP/1.1":
            # A new connection attempt starts: nothing of the previous one applies any more.
            self.incoming_opcodes.clear()
            self.request_line = f"GET {args[0]} HTTP/1.1"
            self.request_headers = []
        elif msg == "> %s: %s":
            self.request_headers.append((str(args[0]), str(args[1])))


class TappedConnection(ClientConnection):
    """A ClientConnection whose protocol logs frames straight into its FrameTap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adapter = self.protocol.logger
        if isinstance(adapter, logging.LoggerAdapter) and isinstance(adapter.logger, FrameTap):
            # The connection keeps the adapter (keepalive notes, errors carry the websocket);
            # only the per-frame calls of the protocol skip it.
            self.protocol.logger = adapter.logger
