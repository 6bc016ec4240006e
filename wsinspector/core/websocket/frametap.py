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
websocket/limits.py: a MessageTooBig raised here fails the connection with 1009), control frames
are handed on, everything else at WARNING or above is
forwarded to the "wsinspector.websockets" logger. websockets wraps the logger it is given in a
LoggerAdapter per connection; `TappedConnection` (connect(create_connection=...)) gives the
protocol the tap itself, which takes four Python calls off every frame of a flood.

Frames (core/log/wireframes.py): a plain message (one frame, not compressed) is still only its
opcode in `incoming_opcodes`, so a flood pays nothing more. A compressed one, or any one while
`record_all` is on (a page's frame view), is its one frame packed into an int the way the log's
FrameTable keeps it; a fragmented one is the tuple of its WireFrames, control frames that came
between its fragments included. Once the
connection is open ("= connection is OPEN", logged after the handshake response set the
negotiated extensions and before any frame is parsed), a `WireMeter` is put around those
extensions, because the frames logged are the decoded ones: the meter sees them compressed.
Sent messages are recorded only when compressed or while `record_all` is on: their frames go
to `on_sent_frames` once the last one is out, with the payload object send() was given (so
the session knows which logged message they belong to).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol

from wsinspector.core.log.events import ControlEvent, Direction
from wsinspector.core.log.wireframes import (
    MessageFrames,
    WireFrame,
    WireMeter,
    pack_one,
    wire_frame,
)
from wsinspector.core.websocket.limits import MessageSizeGuard

ControlCallback = Callable[[Direction, Frame], None]
# (the payload object the message was sent with, its frames)
SentFramesCallback = Callable[[object, MessageFrames], None]

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT
_CLOSE = Opcode.CLOSE


class FrameTap(logging.Logger):
    def __init__(
        self, on_control: ControlCallback, on_sent_frames: SentFramesCallback | None = None
    ) -> None:
        super().__init__("wsinspector.wire", logging.DEBUG)
        self.propagate = False
        self._on_control = on_control
        self._on_sent_frames = on_sent_frames
        self._forward = logging.getLogger("wsinspector.websockets")
        # Received messages not yet taken by the reader, oldest first: the opcode of a plain
        # one; for one that tells more (compressed, or record_all) its one frame packed by
        # wireframes.pack_one (an int, never an Opcode), or the frames of a fragmented one.
        # The session puts a control frame's event behind them, to be logged in its turn.
        self.incoming_opcodes: deque[Opcode | int | MessageFrames | ControlEvent] = deque()
        self.request_line = ""
        self.request_headers: list[tuple[str, str]] = []
        self.size_guard = MessageSizeGuard(None)
        # The guard's limit, read once per received message on the hot path.
        self._limit = self.size_guard.limit
        # The protocol of the connection under way (set by TappedConnection).
        self.protocol: Protocol | None = None
        self._meter: WireMeter | None = None
        self._record_all = False
        self._plain = True  # neither a meter nor record_all: plain messages keep no frames
        self._in_frames: list[WireFrame] | None = None  # the message being received
        self._out_frames: list[WireFrame] = []  # the message being sent
        self._out_payload: object = None  # the payload its first frame was given

    def limit_messages(self, limit: int | None) -> None:
        """Fail the connection with 1009 once a received message passes `limit` bytes."""
        self.size_guard = MessageSizeGuard(limit)
        self._limit = self.size_guard.limit

    @property
    def record_all(self) -> bool:
        """Every message's frames are recorded, not only the fragmented or compressed ones."""
        return self._record_all

    @record_all.setter
    def record_all(self, value: bool) -> None:
        self._record_all = value
        self._plain = not value and self._meter is None

    @property
    def records_sent(self) -> bool:
        """Sent messages get their frames (compressed, or record_all)."""
        return not self._plain

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
                fin = frame.fin
                if self._plain and fin:
                    self.incoming_opcodes.append(opcode)
                elif fin and not frame.rsv2 and not frame.rsv3:
                    # One frame (every message of a compressed flood): packed as the log's
                    # FrameTable keeps it, no WireFrame, list or tuple per message.
                    self._in_frames = None
                    meter = self._meter
                    if meter is None:
                        packed = pack_one(len(frame.data), frame.rsv1, opcode is _TEXT, True)
                    else:
                        packed = pack_one(meter.in_length, meter.in_rsv1, opcode is _TEXT, True)
                    self.incoming_opcodes.append(packed)
                else:
                    self._in_frames = [self._received(frame)]
                    if fin:
                        self._message_received()
                # One comparison for the usual single-frame message within the limit.
                if not fin or len(frame.data) > self._limit:
                    self.size_guard.first(len(frame.data), fin)
            elif opcode is _CONT:
                frames = self._in_frames
                if frames is not None:
                    frames.append(self._received(frame))
                    if frame.fin:
                        self._message_received()
                self.size_guard.more(len(frame.data), frame.fin)
            elif opcode is not _CLOSE:
                if self._in_frames is not None:
                    self._in_frames.append(self._received(frame))
                self._on_control(Direction.IN, frame)
            return
        if msg == "> %s":
            frame = args[0]
            opcode = frame.opcode
            if opcode is Opcode.PING or opcode is Opcode.PONG:
                if self._in_frames is not None:
                    self._in_frames.append(wire_frame(frame, incoming=False))
                self._on_control(Direction.OUT, frame)
            elif not self._plain and opcode is not _CLOSE:
                if opcode is not _CONT:
                    # Logged before extensions encode it: still the payload send() was given.
                    self._out_payload = frame.data
                if self._meter is None:
                    # No extension changes it: the frame logged is the frame sent.
                    self._sent(frame)
            return
        if msg == "= connection is %s":
            if args[0] == "OPEN":
                self._meter_extensions()
            return
        if msg == "> GET %s HTTP/1.1":
            # A new connection attempt starts: nothing of the previous one applies any more.
            self.incoming_opcodes.clear()
            self.request_line = f"GET {args[0]} HTTP/1.1"
            self.request_headers = []
            self._meter = None
            self._plain = not self._record_all
            self._in_frames = None
            self._out_frames = []
        elif msg == "> %s: %s":
            self.request_headers.append((str(args[0]), str(args[1])))

    # -- frames ----------------------------------------------------------------------------

    def _received(self, frame: Frame) -> WireFrame:
        meter = self._meter
        if meter is None:
            return wire_frame(frame, incoming=True)
        return wire_frame(frame, incoming=True, length=meter.in_length, rsv1=meter.in_rsv1)

    def _message_received(self) -> None:
        frames = self._in_frames
        assert frames is not None
        self._in_frames = None
        self.incoming_opcodes.append(tuple(frames))

    def _sent(self, frame: Frame) -> None:
        self._out_frames.append(wire_frame(frame, incoming=False))
        if frame.fin:
            frames, self._out_frames = tuple(self._out_frames), []
            payload, self._out_payload = self._out_payload, None
            if self._on_sent_frames is not None:
                self._on_sent_frames(payload, frames)

    def _meter_extensions(self) -> None:
        """Put a WireMeter around the extensions the handshake negotiated, if any."""
        protocol = self.protocol
        if protocol is None or not protocol.extensions:
            return
        self._meter = WireMeter(protocol.extensions, self._sent)
        protocol.extensions = [self._meter]
        self._plain = False


class TappedConnection(ClientConnection):
    """A ClientConnection whose protocol logs frames straight into its FrameTap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adapter = self.protocol.logger
        if isinstance(adapter, logging.LoggerAdapter) and isinstance(adapter.logger, FrameTap):
            # The connection keeps the adapter (keepalive notes, errors carry the websocket);
            # only the per-frame calls of the protocol skip it.
            self.protocol.logger = adapter.logger
            adapter.logger.protocol = self.protocol
