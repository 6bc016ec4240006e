"""The session's connection: plain messages go from the socket straight into the event log.

websockets parses each frame through a generator chain (read_exact, Frame.parse, the protocol,
its events list), queues it in an Assembler and hands it out through a Future per recv():
about 5 µs of Python per 100-byte message, two thirds of the main thread's time in a flood
(issue 20's profile, README Performance). A bare client pays the same, so the window, doing
more per message, could not come near it.

`FramedConnection` reads the frame headers itself, once the handshake response has been
parsed, and sends every frame it does not take to websockets whole, so websockets' parser is
at a frame boundary whenever the framer looks at the next one. Once the session has logged
the connection as open (`read_into`), a *plain* message (one frame: FIN, text or binary, no
RSV bit, unmasked, within the user's size limit) goes from `data_received` into the log with
`EventLog.append_message`, one call and a slice per message. Everything else, and everything
before `read_into`, is websockets' as before: the handshake, control frames (websockets
answers pings, matches pongs, logs both through the frame tap), fragmented, compressed and
refused frames, Close, and all bytes after it.

Order is kept: a plain message is taken only while no message is with websockets (the frame
tap's queue of received messages is empty and no fragmented message is under way); once one
is, the rest of the read goes to websockets too, and the session's reader logs them in turn.
Control frames are handed over one by one as they come, so a ping between two plain messages
is logged between them. All messages of one read arrived at once: they share its timestamps.

A frame too long to keep whole, or longer than the size limit, is handed to websockets as it
arrives (`_owed` counts the bytes it is still due), so its limits and memory bounds apply as
before. At the end of the stream the framer hands websockets what it holds, so an incomplete
frame ends the connection in websockets' words, as before.
"""

from __future__ import annotations

import time
from typing import Any

from websockets.protocol import State

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.wireframes import pack_one
from wsinspector.core.websocket.frametap import FrameTap
from wsinspector.core.websocket.guarded import GuardedConnection

# A plain frame still incomplete at the end of a read is kept until the rest arrives, up to
# this many bytes; a longer one goes to websockets as it arrives (it would be copied once
# per read otherwise).
KEEP_PARTIAL = 256 * 1024

# Bytes read per wake-up once frames are plain (no extension negotiated); guarded.READ_BYTES
# until then, and for compressed connections, whose messages websockets inflates.
PLAIN_READ_BYTES = 256 * 1024

_OPEN = State.OPEN
_CLOSING = State.CLOSING
_RESPONSE_END = b"\r\n\r\n"


class FramedConnection(GuardedConnection):
    """See the module docstring. `reading_error` is what a log listener raised while a message
    was logged from `data_received` (the connection is then dropped and the reader raises it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading_error: BaseException | None = None
        # The bytes after the handshake response go through the framer (`_frame`).
        self._framing = False
        # The end of the response seen so far, to find its blank line across reads.
        self._head_tail = b""
        self._response_read = False
        self._pending = bytearray()  # the start of a frame that is not complete yet
        self._needed = 0  # the bytes it needs before the framer looks at it again
        self._owed = 0  # bytes of a frame handed to websockets that it has not had yet
        self._log: EventLog | None = None
        # TappedConnection gave the protocol the session's frame tap itself; without one (a
        # connection not made by a Session) nothing is framed.
        logger = self.protocol.logger
        self._tap: FrameTap | None = logger if isinstance(logger, FrameTap) else None
        self._conn = 0

    def read_into(self, log: EventLog, conn: int) -> None:
        """From now on, log plain messages of connection `conn` into `log` as they arrive;
        call it once the session has logged the connection as open."""
        self._log = log
        self._conn = conn

    # -- asyncio.Protocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._framing:
            self._frame(data)
        elif not self._response_read and self.protocol.state is State.CONNECTING:
            self._handshake_received(data)
        else:
            super().data_received(data)

    def eof_received(self) -> None:
        self._hand_over_pending()
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._pending:
            # The stream ends here: websockets gets what it would have had (an incomplete frame
            # is its "unexpected end of stream"); whatever the kernel still holds follows it.
            pending = bytes(self._pending)
            self._pending.clear()
            self._framing = False
            self._feed(pending)
        self._framing = False
        super().connection_lost(exc)

    # -- the handshake ---------------------------------------------------------------------

    def _handshake_received(self, data: bytes) -> None:
        """Hand websockets the response up to its blank line; frame what follows it if the
        connection opened (a 101 has no body)."""
        seen = self._head_tail + data
        end = seen.find(_RESPONSE_END)
        if end < 0:
            self._head_tail = seen[-3:]
            super().data_received(data)
            return
        cut = end + len(_RESPONSE_END) - len(self._head_tail)
        self._response_read = True
        super().data_received(data[:cut])
        rest = data[cut:]
        opened = self.protocol.state is _OPEN and self.protocol.parser_exc is None
        if opened and self._tap is not None:
            self._framing = True
            if not self.protocol.extensions and isinstance(
                getattr(self.transport, "max_size", None), int
            ):
                # Plain frames cost the framer a slice each, not websockets' parsing: a read
                # of asyncio's default size is a few milliseconds of work, and a flood of
                # large messages pays the loop's turn per read four times less.
                self.transport.max_size = PLAIN_READ_BYTES  # type: ignore[attr-defined]
            if rest:
                self._frame(rest)
        elif rest:
            super().data_received(rest)

    # -- frames ----------------------------------------------------------------------------

    def _frame(self, data: bytes) -> None:
        # Offsets into `data`, not slices of it: a read is copied only where a frame began in
        # an earlier one (that frame alone) or ends in a later one (its start alone).
        pos = 0
        size = len(data)
        while pos < size:
            if self._owed:
                take = min(self._owed, size - pos)
                self._owed -= take
                self._hand_over(data[pos : pos + take])
                pos += take
            elif not self._framing:
                if self.reading_error is None:
                    super().data_received(data[pos:])
                return
            elif self._pending:
                pending = self._pending
                take = self._needed - len(pending)
                if take > size - pos:
                    pending += data[pos:]
                    return
                pending += data[pos : pos + take]
                pos += take
                whole = bytes(pending)
                pending.clear()
                self._frames(whole, 0)
            else:
                self._frames(data, pos)
                return

    def _frames(self, buf: bytes, pos: int) -> None:
        """Read the frames of `buf` from `pos` on: plain ones into the log, the others to
        websockets, an incomplete last one kept (or handed over as it arrives)."""
        try:
            pos = self._take_plain(buf, pos)
        except BaseException as exc:
            # A log listener failed: the page's reader raises it (Session._read) once the
            # connection is gone; nothing more is read.
            self.reading_error = exc
            self._framing = False
            self.transport.abort()
            return
        self._read_rest(buf, pos)

    def _take_plain(self, buf: bytes, pos: int) -> int:
        """Log the plain messages of `buf` from `pos` on, handing control frames to websockets
        as they come; return where the first frame that is neither starts (or the end)."""
        log = self._log
        if log is None or not self._may_take():
            return pos
        tap = self._tap
        assert tap is not None  # framing
        limit = tap.size_guard.limit
        packed = tap.records_sent
        append = log.append_message
        frames = log.frames
        conn = self._conn
        wall = time.time()
        mono = time.monotonic()
        size = len(buf)
        while size - pos >= 2:
            first = buf[pos]
            length = buf[pos + 1]
            start = pos + 2
            if length >= 126:
                if length == 126:
                    start = pos + 4
                elif length == 127:
                    start = pos + 10
                else:
                    return pos  # masked, or extended: websockets says what is wrong
                if start > size:
                    return pos
                length = int.from_bytes(buf[pos + 2 : start])
            end = start + length
            if first == 0x81 or first == 0x82:  # FIN, no RSV, text or binary
                if end > size or length > limit:
                    return pos
                append(conn, True, first == 0x81, buf[start:end], wall, mono)
                if packed:
                    frames.set_packed(log.next_id - 1, pack_one(length, False, first == 0x81, True))
                pos = end
            elif first == 0x89 or first == 0x8A:  # FIN ping or pong: websockets answers
                if end > size:
                    return pos
                self._hand_over(buf[pos:end])
                pos = end
                if not self._framing or not self._may_take():
                    return pos
            else:
                return pos
        return pos

    def _read_rest(self, buf: bytes, pos: int) -> None:
        """Hand websockets the complete frames from `pos` on; keep an incomplete last one, or
        hand it over as it arrives when it is long."""
        size = len(buf)
        start_of_rest = pos
        needed = 2
        while size - pos >= 2:
            length = buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                start = pos + 4
            elif length == 127:
                start = pos + 10
            if buf[pos + 1] & 0x80:
                start += 4  # masked (refused by websockets, which needs to read the header)
            if start > size:
                needed = start - pos
                break
            if length >= 126:
                length = int.from_bytes(buf[pos + 2 : pos + (4 if length == 126 else 10)])
            end = start + length
            if end > size:
                if length > KEEP_PARTIAL or length > self._limit():
                    self._owed = end - size
                    pos = size
                needed = end - pos
                break
            pos = end
        if pos > start_of_rest:
            self._hand_over(buf[start_of_rest:pos])
        if pos < size:
            if self._framing:
                self._pending += buf[pos:]
                self._needed = needed
            else:
                super().data_received(buf[pos:])

    def _hand_over(self, data: bytes) -> None:
        """websockets reads `data`: whole frames, or the rest of one it was handed before."""
        super().data_received(data)
        protocol = self.protocol
        if protocol.close_rcvd is not None or protocol.parser_exc is not None:
            self._framing = False  # websockets discards or has failed: the rest is its own
        elif protocol.state is not _OPEN and protocol.state is not _CLOSING:
            self._framing = False

    def _hand_over_pending(self) -> None:
        if self._pending:
            pending = bytes(self._pending)
            self._pending.clear()
            self._framing = False
            super().data_received(pending)
        self._framing = False

    def _may_take(self) -> bool:
        """No message is with websockets: one taken now can't pass one received before it."""
        tap = self._tap
        assert tap is not None  # framing
        return not tap.incoming_opcodes and self.protocol.current_size is None

    def _limit(self) -> int:
        tap = self._tap
        assert tap is not None  # framing
        return tap.size_guard.limit
