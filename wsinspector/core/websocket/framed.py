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
`EventLog.append_message`, one call and a slice per message. So does a *deflated* one (FIN,
RSV1, text or binary) when permessage-deflate is the only extension and the frame is too short
to inflate past the limit (`DEFLATE_MAX_RATIO`): it is inflated with the extension's own
decoder (its context, in wire order), as websockets would. Everything else, and everything
before `read_into`, is websockets' as before: the handshake, control frames (websockets
answers pings, matches pongs, logs both through the frame tap), fragmented and refused frames,
longer compressed ones, Close, and all bytes after it.

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
import zlib
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State

from wsinspector.core.log.eventlog import EventLog, MessageEntry
from wsinspector.core.log.wireframes import WireMeter, pack_one
from wsinspector.core.websocket.frametap import FrameTap
from wsinspector.core.websocket.guarded import GuardedConnection

# A plain frame still incomplete at the end of a read is kept until the rest arrives, up to
# this many bytes; a longer one goes to websockets as it arrives (it would be copied once
# per read otherwise).
KEEP_PARTIAL = 256 * 1024

# Bytes read per wake-up once frames are plain (no extension negotiated); guarded.READ_BYTES
# until then, and for compressed connections (a read of tiny compressed messages holds four
# times as many, and those websockets still parses are parsed in one callback).
PLAIN_READ_BYTES = 256 * 1024

# Deflate's largest expansion (zlib's technical notes: 1032:1). A compressed frame at most
# limit / DEFLATE_MAX_RATIO bytes long can't inflate past the message limit, so the framer
# inflates it whole; a longer one goes to websockets, which stops inflating at its bound and
# fails the connection with 1009 in the size guard's words.
DEFLATE_MAX_RATIO = 1032
# What RFC 7692 has the sender strip from the end of each compressed message.
_EMPTY_BLOCK = b"\x00\x00\xff\xff"

# Plain messages logged in one turn of the loop at most: a read of tiny messages holds tens of
# thousands, and timers (the window's painting among them) would wait for all of them.
TAKE_PER_TURN = 2048

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
        # Frames held back while websockets holds messages received before them.
        self._held = bytearray()
        self._log: EventLog | None = None
        # TappedConnection gave the protocol the session's frame tap itself; without one (a
        # connection not made by a Session) nothing is framed.
        logger = self.protocol.logger
        self._tap: FrameTap | None = logger if isinstance(logger, FrameTap) else None
        self._conn = 0
        # permessage-deflate when it is the only extension: the framer inflates with it.
        self._deflate: PerMessageDeflate | None = None
        self._inflate_max = -1  # the longest compressed frame it inflates (-1: none)

    def read_into(self, log: EventLog, conn: int) -> None:
        """From now on, log plain messages of connection `conn` into `log` as they arrive;
        call it once the session has logged the connection as open."""
        self._log = log
        self._conn = conn

    # -- asyncio.Protocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._held:
            self._held += data  # reading is paused; this read was under way
        elif self._framing:
            self._frame(data)
        elif not self._response_read and self.protocol.state is State.CONNECTING:
            self._handshake_received(data)
        else:
            super().data_received(data)

    def eof_received(self) -> None:
        self._hand_over_pending()
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        # The stream ends here: websockets gets what it would have had (an incomplete frame is
        # its "unexpected end of stream"); whatever the kernel still holds follows it.
        kept = self._take_back()
        if kept:
            self._feed(kept)
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
            self._deflate = _only_deflate(self.protocol.extensions)
            if self._deflate is not None:
                self._inflate_max = self._tap.size_guard.limit // DEFLATE_MAX_RATIO - 1
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
        try:
            self._read_frames(buf, pos)
        except BaseException as exc:
            # A log listener failed: the page's reader raises it (Session._read) once the
            # connection is gone; nothing more is read.
            self.reading_error = exc
            self._framing = False
            self.transport.abort()

    def _read_frames(self, buf: bytes, pos: int) -> None:
        """Read the frames of `buf` from `pos` on: plain ones into the log while websockets
        holds no message, held (`_hold`) while it does; every other frame to websockets, one
        run at a time; an incomplete last one kept (`_keep`). While no listener of the log
        wants each message, the read's messages go in with one call (EventLog.extend_received)."""
        tap = self._tap
        assert tap is not None  # framing
        protocol = self.protocol
        queued = tap.incoming_opcodes
        limit = tap.size_guard.limit
        inflate_max = self._inflate_max
        log = self._log
        taking = log is not None and not queued and protocol.current_size is None
        batch: list[MessageEntry] = []
        taken = 0  # payload bytes in `batch`
        packings: list[int] = []  # their frames (wireframes.pack_one), when frames are kept
        if log is not None:
            packed = tap.records_sent
            bulk = not log.tells_messages
            add = batch.append
            append = log.append_message
            frames = log.frames
            conn = self._conn
            wall = time.time()
            mono = time.monotonic()
        size = len(buf)
        budget = TAKE_PER_TURN
        try:
            while size - pos >= 2:
                first = buf[pos]
                length = second = buf[pos + 1]
                start = pos + 2
                if second >= 126:
                    length = second & 0x7F
                    if length == 126:
                        start += 2
                    elif length == 127:
                        start += 8
                    if second & 0x80:
                        start += 4  # masked: websockets refuses it, once it has the header
                    if start > size:
                        self._keep(buf, pos, start - pos, 0)
                        return
                    if length >= 126:
                        length = int.from_bytes(buf[pos + 2 : pos + (4 if length == 126 else 10)])
                end = start + length
                plain = (first == 0x81 or first == 0x82) and second < 0x80 and length <= limit
                deflated = (
                    not plain
                    and (first == 0xC1 or first == 0xC2)
                    and second < 0x80
                    and length <= inflate_max
                )
                if (plain or deflated) and taking:
                    if end > size:
                        self._keep(buf, pos, end - pos, length)
                        return
                    text = first & 0x0F == 1
                    if deflated:
                        data = self._inflate(buf[start:end])
                        if data is None:  # not deflate: websockets fails it in its words
                            taking = False
                            continue
                    else:
                        data = buf[start:end]
                    if bulk:
                        add((conn, True, text, data, wall, mono))
                        taken += len(data)
                        if packed:
                            packings.append(pack_one(length, deflated, text, True))
                    else:
                        append(conn, True, text, data, wall, mono)
                        if packed:
                            assert log is not None  # taking
                            packing = pack_one(length, deflated, text, True)
                            frames.set_packed(log.next_id - 1, packing)
                    pos = end
                    # An inflated message costs about twice a plain one.
                    budget -= 2 if deflated else 1
                    if budget <= 0:
                        # Enough for one turn of the loop: timers and painting go first.
                        self._hold(buf[pos:])
                        self.loop.call_soon(self.resume_framing)
                        return
                    continue
                if (plain or deflated) and queued and protocol.current_size is None:
                    # websockets holds messages that came before this one: the reader logs
                    # them first, then hands the rest back (resume_framing).
                    self._hold(buf[pos:])
                    return
                if end > size:
                    self._keep(buf, pos, end - pos, length)
                    return
                if batch:
                    # Before websockets logs anything (a ping): the messages before it first.
                    assert log is not None  # taking
                    _extend(log, batch, taken, packings)
                    taken = 0
                # With the frames after it that are websockets' too (a compressed flood's):
                # one hand-over each run, not each frame.
                end = _run_end(buf, end, limit, inflate_max)
                self._hand_over(buf[pos:end])
                pos = end
                if not self._framing:
                    if pos < size:
                        super().data_received(buf[pos:])
                    return
                taking = log is not None and not queued and protocol.current_size is None
            if pos < size:
                self._keep(buf, pos, 2, 0)  # not even a header yet
        finally:
            if batch:
                assert log is not None  # taking
                _extend(log, batch, taken, packings)

    def _keep(self, buf: bytes, pos: int, needed: int, length: int) -> None:
        """Keep the incomplete frame at `pos` until `needed` bytes of it are there; hand a long
        one (its header read: `length`) to websockets as it arrives instead."""
        if length > KEEP_PARTIAL or length > self._limit():
            self._owed = needed - (len(buf) - pos)
            self._hand_over(buf[pos:])
            return
        self._pending += buf[pos:]
        self._needed = needed

    def _inflate(self, payload: bytes) -> bytes | None:
        """A compressed message's payload inflated as permessage-deflate.decode() does (its
        decoder kept across messages, or a new one each); None if it is not valid deflate."""
        deflate = self._deflate
        assert deflate is not None  # inflating
        try:
            if deflate.remote_no_context_takeover:
                decoder = zlib.decompressobj(wbits=-deflate.remote_max_window_bits)
            else:
                decoder = deflate.decoder
            return decoder.decompress(payload + _EMPTY_BLOCK)
        except zlib.error:
            # A broken stream stays broken: websockets, handed the frame, fails on it too.
            return None

    def _hold(self, rest: bytes) -> None:
        if rest:
            self._held += rest
            self.transport.pause_reading()

    def resume_framing(self) -> None:
        """The reader has logged every message websockets held: read what was held back."""
        if not self._held:
            return
        held = bytes(self._held)
        self._held.clear()
        transport = self.transport
        if not transport.is_closing() and not self.recv_messages.paused:
            transport.resume_reading()
        self._frame(held)

    def _hand_over(self, data: bytes) -> None:
        """websockets reads `data`: whole frames, or the rest of one it was handed before."""
        super().data_received(data)
        protocol = self.protocol
        if protocol.close_rcvd is not None or protocol.parser_exc is not None:
            self._framing = False  # websockets discards or has failed: the rest is its own
        elif protocol.state is not _OPEN and protocol.state is not _CLOSING:
            self._framing = False

    def _take_back(self) -> bytes:
        """What the framer holds (an incomplete frame, or bytes held back), for websockets:
        the stream ends, and the framer with it."""
        kept = bytes(self._pending or self._held)
        self._pending.clear()
        self._held.clear()
        self._framing = False
        return kept

    def _hand_over_pending(self) -> None:
        kept = self._take_back()
        if kept:
            super().data_received(kept)

    def _limit(self) -> int:
        tap = self._tap
        assert tap is not None  # framing
        return tap.size_guard.limit


def _extend(log: EventLog, batch: list[MessageEntry], size: int, packings: list[int]) -> None:
    """A read's messages into the log at once, with their frames if they are kept (one
    packing each, in order); empties `batch` and `packings`."""
    first = log.next_id  # the id of the first of them (a listener may log more after them)
    log.extend_received(batch, size)
    if packings:
        # A log that keeps fewer events than a read's worth has dropped the first of them.
        kept_from = log.first_id
        set_packed = log.frames.set_packed
        for event_id, packing in enumerate(packings, first):
            if event_id >= kept_from:
                set_packed(event_id, packing)
        packings.clear()
    batch.clear()


def _only_deflate(extensions: list[Any]) -> PerMessageDeflate | None:
    """permessage-deflate if it is the connection's only extension (under the frame tap's
    WireMeter, once the connection is open), else None."""
    if len(extensions) == 1 and isinstance(extensions[0], WireMeter):
        extensions = extensions[0].inner
    if len(extensions) == 1 and isinstance(extensions[0], PerMessageDeflate):
        return extensions[0]
    return None


def _run_end(buf: bytes, pos: int, limit: int, inflate_max: int) -> int:
    """Where the run of complete frames from `pos` on that the framer does not take ends: at
    the first plain or deflated data frame it takes, an incomplete frame or Close (websockets'
    state changes there)."""
    size = len(buf)
    while size - pos >= 2:
        first = buf[pos]
        second = buf[pos + 1]
        length = second & 0x7F
        start = pos + 2
        if length == 126:
            start += 2
        elif length == 127:
            start += 8
        if second & 0x80:
            start += 4
        if start > size:
            return pos
        if length >= 126:
            length = int.from_bytes(buf[pos + 2 : pos + (4 if length == 126 else 10)])
        end = start + length
        # The framer's rule for a frame it takes, as _read_frames writes it inline (per message).
        plain = second < 0x80 and (
            ((first == 0x81 or first == 0x82) and length <= limit)
            or ((first == 0xC1 or first == 0xC2) and length <= inflate_max)
        )
        if plain or end > size or first & 0x0F == 0x8:
            return pos
        pos = end
    return pos
