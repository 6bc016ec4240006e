"""One connection the user started, with its automatic reconnects, on websockets' asyncio client.

Everything observed becomes an event record in the EventLog: state changes, each handshake
(also a rejected one), every message each way, pings and pongs, the close, errors.

Reconnecting is websockets' own `async for websocket in connect(...)`: the policy's delays go
in through `reconnect_delays=`, the decision which failures to retry through
`process_exception=`; both hooks also report each step to the log. The library reconnects
after any connection that ends while the loop body does not `break`, and at once after one
that had opened; `_serve` says when to break.

The connection is websockets' own with three workarounds for hostile servers
(core/websocket/guarded.py), the user's message size limit is applied to whole messages by the frame
tap (websocket/limits.py), and redirects are followed by websocket/redirects.py, each hop logged.

Stopping follows the client FAQ: an open connection is closed (the reader's recv() then
ends); while connecting or waiting to retry there is nothing to close, so the task is
cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import Generator

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    InvalidStatus,
    PayloadTooBig,
    ProtocolError,
)
from websockets.frames import Close, Frame, Opcode

from wsinspector.core.app.errors import UserError
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    ErrorKind,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.log.wireframes import PACKED_TEXT, MessageFrames
from wsinspector.core.log.wording import keepalive_timeout_words, redirect_words
from wsinspector.core.websocket.errors import (
    describe_close,
    describe_error,
    error_kind,
)
from wsinspector.core.websocket.file_source import FileRefused, FileSend, SendCancelled
from wsinspector.core.websocket.file_wording import (
    file_stream_failed_words,
    file_streamed_words,
    file_streaming_words,
)
from wsinspector.core.websocket.framed import FramedConnection
from wsinspector.core.websocket.frametap import FrameTap
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import ProxiedConnect, ProxyHop, proxy_hop_events
from wsinspector.core.websocket.reconnect import (
    STABLE_CONNECTION_SECONDS,
    close_is_retryable,
    failure_is_retryable,
)
from wsinspector.core.websocket.redirects import location_of
from wsinspector.core.websocket.session_events import (
    accepted_handshake,
    close_event,
    failed_handshake,
)

# How many queued messages the reader takes in one go before letting the loop run.
READER_YIELD_EVERY = 512
# Round-trip times kept for the status bar and for explaining a keepalive timeout.
RTTS_KEPT = 8
# websockets' reason when a keepalive pong did not come within ping_timeout (it closes 1011).
KEEPALIVE_TIMEOUT_REASON = "keepalive ping timeout"


class NotConnectedError(UserError, RuntimeError):
    """Sending needs an open connection; `reason` says why there is none, and the message
    says what it meant for what the user asked ("Not sent: …")."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Not sent: {reason}")
        self.reason = reason


class Session:
    def __init__(self, options: ConnectionOptions, log: EventLog) -> None:
        self.options = options
        self.log = log
        self.state = ConnState.IDLE
        self.attempt = 0
        self.last_error = ""
        self.websocket: ClientConnection | None = None
        self._conn = 0
        self._stopping = False
        self._gave_up = False
        self._last_failure: Exception | None = None
        self._unstable_delays: Generator[float] | None = None
        self._task: asyncio.Task[None] | None = None
        self._tap = FrameTap(self._on_control_frame, self._on_sent_frames)
        self._tap.limit_messages(options.max_message_size)
        # Pings and pongs that arrived in the same read as the 101, before the handshake was
        # logged: they are logged right after it (None once it is).
        self._early_controls: list[ControlEvent] | None = []
        # Pings sent and not yet answered: payload → (monotonic time sent, keepalive?).
        self._pings: dict[bytes, tuple[float, bool]] = {}
        self._manual_pings: set[bytes] = set()
        # Sent messages whose frames the tap is yet to report: id(payload) → (event id,
        # payload). By the payload object, not by order: a message logged while a file
        # streams goes out after it, and the stream's frames belong to no message row.
        self._sent_ids: dict[int, tuple[int, bytes]] = {}
        # The latest round trips of pings (manual or keepalive), oldest first, in seconds.
        self.rtts: deque[float] = deque(maxlen=RTTS_KEPT)

    @property
    def record_frames(self) -> bool:
        """Every message's frames are kept (a page's frame view is on), not only the
        fragmented or compressed ones."""
        return self._tap.record_all

    @record_frames.setter
    def record_frames(self, value: bool) -> None:
        self._tap.record_all = value
        self._sent_ids.clear()

    @property
    def last_rtt(self) -> float | None:
        """The round trip of the last ping answered on this session, in seconds."""
        return self.rtts[-1] if self.rtts else None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run the session in a task of the running loop."""
        self._task = asyncio.get_running_loop().create_task(self.run(), name="wsinspector-session")
        return self._task

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def run(self) -> None:
        options = self.options
        if self._stopping:
            # close() came before this task first ran: nothing was started.
            self._set_state(ConnState.CLOSED)
            return
        self._begin_attempt()
        self._set_state(ConnState.CONNECTING)
        try:
            async for websocket in ProxiedConnect(
                options.connect_uri,
                on_proxy_hop=self._on_proxy_hop,
                on_redirect=self._on_redirect,
                max_redirects=options.max_redirects,
                logger=self._tap,
                create_connection=FramedConnection,
                process_exception=self._process_exception,
                reconnect_delays=self._delays,
                **options.connect_kwargs(),
            ):
                opened = time.monotonic()
                if not await self._serve(websocket):
                    break
                await self._before_reconnect(time.monotonic() - opened)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
        except Exception as exc:
            if self._stopping:
                pass
            elif self._gave_up:
                plural = "s" if self.attempt != 1 else ""
                self._fail(f"gave up after {self.attempt} attempt{plural}: {self.last_error}")
            else:
                if exc is not self._last_failure:
                    # Not a failed attempt that _process_exception already logged.
                    self.last_error = describe_error(exc, uri=self.options.uri)
                    self._error(self.last_error, exc)
                self._fail(self.last_error)
            if self.state is ConnState.FAILED:
                return
        finally:
            self.websocket = None
        self._set_state(ConnState.CLOSED)

    async def _before_reconnect(self, lived: float) -> None:
        """Between a connection that ended and the library's immediate reconnect.

        websockets reconnects at once after any connection that opened. A server that accepts
        and then drops every connection would be hammered in a tight loop, so a connection that
        did not last STABLE_CONNECTION_SECONDS counts as a failed attempt: the next one waits
        the policy's delay, growing while the drops go on.
        """
        self.attempt = 1
        self._begin_attempt()
        if lived >= STABLE_CONNECTION_SECONDS:
            self._unstable_delays = None
            self._set_state(ConnState.RECONNECTING, attempt=1, delay=0.0)
            return
        if self._unstable_delays is None:
            self._unstable_delays = self.options.reconnect.delays()
        delay = next(self._unstable_delays)
        self._set_state(ConnState.RECONNECTING, attempt=1, delay=delay)
        await asyncio.sleep(delay)

    async def close(self, code: int = 1000, reason: str = "", timeout: float = 5.0) -> None:
        """Close cleanly and stop reconnecting; returns when the session has ended.

        Returns within about `timeout` seconds even when the server never answers the close
        frame: the TCP connection is then aborted. Raises ValueError, before anything
        changes, for a code or reason that can't be sent.
        """
        try:
            Close(code, reason).check()
        except ProtocolError as exc:
            raise ValueError(f"close code {code} can't be sent: {exc}") from exc
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._stopping = True
        task = self._task
        websocket = self.websocket
        if websocket is not None and self.state is ConnState.OPEN:
            self._set_state(ConnState.CLOSING)
            try:
                # close() waits for the closing handshake, bounded by close_timeout, which
                # may be longer than the caller can wait (the window quits within 2 s).
                async with asyncio.timeout(timeout):
                    await websocket.close(code, reason)
            except TimeoutError:
                websocket.transport.abort()
        elif task is not None and not task.done() and self.state is not ConnState.IDLE:
            if self.state in (ConnState.CONNECTING, ConnState.RECONNECTING):
                doing = (
                    "waiting to reconnect" if self.state is ConnState.RECONNECTING else "connecting"
                )
                self._note(f"stopped by the user while {doing}")
            task.cancel()
        if task is not None and task is not asyncio.current_task():
            remaining = max(deadline - loop.time(), 0.1)
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), remaining)

    # -- sending ---------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        await self._send(text.encode(), text=True)

    async def send_binary(self, data: bytes) -> None:
        await self._send(data, text=False)

    async def send_file(self, file: FileSend) -> None:
        """Send a checked file (core/file_source.check_file) as one binary message.

        A small file is read whole and sent and logged like a typed message. A larger one
        is streamed from the disk as a fragmented message, so it never sits in memory. The
        log keeps payloads as bytes, and copying the file into it would undo the streaming:
        such a message is logged as two notes instead of a message row, one as it starts
        (name, size, "the log keeps none of its bytes") and one once it is out (the bytes
        and frames sent and the SHA-256 of exactly those bytes, to compare with what the
        server got). A stream that can't be finished (the file unreadable half way, or
        cancelled) is an error row saying how far it got; websockets then fails the
        connection with 1011, as RFC 6455 leaves no other way out of a message half sent.
        Raises FileRefused, SendCancelled or NotConnectedError.
        """
        if not file.streamed:
            await self._send(await file.read_all(), text=False)
            return
        websocket = self._open_websocket()
        self._note(file_streaming_words(file.name, file.size))
        try:
            async with contextlib.aclosing(file.chunks()) as chunks:
                await websocket.send(chunks, text=False)
        except (FileRefused, SendCancelled) as exc:
            why = exc.reason if isinstance(exc, FileRefused) else "stopped by the user"
            self._error(
                file_stream_failed_words(file.name, file.sent, file.size, why, ours=file.sent > 0),
                exc,
            )
            raise
        except ConnectionClosed as closed:
            words = describe_close(closed)
            self._error(
                file_stream_failed_words(file.name, file.sent, file.size, words, ours=False)
            )
            raise NotConnectedError(words) from closed
        self._note(file_streamed_words(file.name, file.sent, file.frames, file.sha256))

    async def ping(self, payload: bytes | None = None) -> None:
        """Send a ping; its pong appears in the log with the round-trip time."""
        websocket = self._open_websocket()
        if payload is None:
            payload = os.urandom(4)
        self._manual_pings.add(payload)
        try:
            await websocket.ping(payload)
        except ConnectionClosed as closed:
            raise NotConnectedError(describe_close(closed)) from closed
        except ConcurrencyError as exc:
            raise NotConnectedError(
                "a ping with this payload is still waiting for its pong"
            ) from exc

    async def pong(self, payload: bytes = b"") -> None:
        """Send an unsolicited pong (RFC 6455 §5.5.3: a heartbeat needing no answer)."""
        websocket = self._open_websocket()
        try:
            await websocket.pong(payload)
        except ConnectionClosed as closed:
            raise NotConnectedError(describe_close(closed)) from closed

    def _open_websocket(self) -> ClientConnection:
        websocket = self.websocket
        if websocket is None or self.state is not ConnState.OPEN:
            raise NotConnectedError(f"not connected (the connection is {self.state.value})")
        return websocket

    async def _send(self, data: bytes, text: bool) -> None:
        websocket = self._open_websocket()
        try:
            await self._send_on(websocket, data, text)
        except ConnectionClosed as closed:
            self._error(f"the last message may not have been sent: {describe_close(closed)}")
            raise NotConnectedError(describe_close(closed)) from closed

    async def _send_on(self, websocket: ClientConnection, data: bytes, text: bool) -> None:
        # Logged before the await so that the log shows it before any reply to it.
        if self._tap.records_sent:
            self._sent_ids[id(data)] = (self.log.next_id, data)
        self.log.append_message(self._conn, False, text, data, time.time(), time.monotonic())
        await websocket.send(data, text=text)

    # -- one connection --------------------------------------------------------------------

    def _begin_attempt(self) -> None:
        """Number the connection attempt about to start: its events, failed or not, carry it."""
        self._conn = self.log.next_connection_number()
        self._early_controls = []

    async def _serve(self, websocket: ClientConnection) -> bool:
        """Log one open connection until it ends; True when it should be re-opened."""
        self.websocket = websocket
        retries = self.attempt
        self.attempt = 0
        self._pings.clear()
        self._manual_pings.clear()
        self._sent_ids.clear()
        self.rtts.clear()
        self._log_handshake(websocket)
        if retries:
            plural = "s" if retries != 1 else ""
            self._note(f"reconnected after {retries} attempt{plural}", separator=True)
        self.last_error = ""
        self._set_state(ConnState.OPEN)
        try:
            for text in self.options.on_connect_messages:
                await self._send_on(websocket, text.encode(), text=True)
            await self._read(websocket, self._conn)
        except ConnectionClosed as exc:
            closed = exc
        finally:
            self.websocket = None
        self._explain_too_big(websocket)
        self._log_close(closed)
        self._explain_keepalive_timeout(closed)
        if self._stopping:
            return False
        self.last_error = describe_close(closed)
        policy = self.options.reconnect
        return policy.enabled and close_is_retryable(closed, policy)

    async def _read(self, websocket: ClientConnection, conn: int) -> None:
        # The hot path of a flood: everything is bound to a local name once.
        recv = websocket.recv
        queued = self._tap.incoming_opcodes
        next_opcode = queued.popleft
        log = self.log
        append = log.append_message
        wall = time.time
        mono = time.monotonic
        text = Opcode.TEXT
        binary = Opcode.BINARY
        count = 0
        framed = websocket if isinstance(websocket, FramedConnection) else None
        if framed is not None:
            # Plain messages go into the log as they arrive; recv() has the others (framed.py).
            framed.read_into(log, conn)
        while True:
            # decode=False: a text message with invalid UTF-8 is shown, not a 1007 failure.
            try:
                data = await recv(False)
            except ConnectionClosed:
                failed = getattr(websocket, "reading_error", None)
                if failed is not None:
                    raise failed from None
                raise
            kind = next_opcode()
            if kind is text:
                append(conn, True, True, data, wall(), mono())
            elif kind is binary:
                append(conn, True, False, data, wall(), mono())
            elif type(kind) is int:  # a compressed message's frame, packed (not an Opcode)
                append(conn, True, bool(kind & PACKED_TEXT), data, wall(), mono())
                log.frames.set_packed(log.next_id - 1, kind)
            else:  # the frames of a fragmented message
                self._append_framed(conn, data, kind)  # type: ignore[arg-type]
            if queued and type(queued[0]) is ControlEvent:
                self._log_held_controls()
            if not queued and framed is not None:
                # Everything websockets held is logged: the framer reads what it held back.
                framed.resume_framing()
            count += 1
            if not count % READER_YIELD_EVERY:
                # recv() does not yield while messages are queued: thousands may be, and
                # timers (the UI's among them) would wait for all of them.
                await asyncio.sleep(0)

    def _log_held_controls(self) -> None:
        """Log the control frames that came after the message just logged (_on_control_frame)."""
        queued = self._tap.incoming_opcodes
        while queued and type(queued[0]) is ControlEvent:
            self.log.append(queued.popleft())  # type: ignore[arg-type]

    def _append_framed(self, conn: int, data: bytes, frames: MessageFrames) -> None:
        is_text = next(f.opcode for f in frames if not f.is_control) == Opcode.TEXT
        log = self.log
        log.append_message(conn, True, is_text, data, time.time(), time.monotonic())
        log.set_frames(log.next_id - 1, frames)

    def _on_sent_frames(self, payload: object, frames: MessageFrames) -> None:
        entry = self._sent_ids.pop(id(payload), None)
        if entry is not None and entry[1] is payload:
            self.log.set_frames(entry[0], frames)

    # -- reconnect hooks (called by websockets' connect iterator) -----------------------------

    def _process_exception(self, exc: Exception) -> Exception | None:
        self._last_failure = exc
        self.last_error = describe_error(exc, uri=self.options.uri)
        self._log_failed_handshake(exc)
        self._error(self.last_error, exc)
        policy = self.options.reconnect
        if self._stopping or not policy.enabled or not failure_is_retryable(exc):
            return exc
        if policy.max_attempts and self.attempt >= policy.max_attempts:
            self._gave_up = True
            return exc
        self._begin_attempt()
        return None

    def _on_redirect(self, exc: InvalidStatus, outcome: str | Exception, hop: int) -> None:
        """A 3xx answer: log it as a handshake, then where it leads (or why not)."""
        self._log_failed_handshake(exc)
        if isinstance(outcome, str):
            self._note(redirect_words(hop, exc.response.status_code, location_of(exc), outcome))

    def _on_proxy_hop(self, hop: ProxyHop) -> None:
        """The CONNECT an HTTP proxy answered: a handshake row, a note when it let us through."""
        for event in proxy_hop_events(self._conn, hop):
            self.log.append(event)

    def _delays(self) -> Generator[float]:
        for delay in self.options.reconnect.delays():
            self.attempt += 1
            self._set_state(ConnState.RECONNECTING, attempt=self.attempt, delay=delay)
            yield delay

    # -- frames seen by the tap ----------------------------------------------------------------

    def _on_control_frame(self, direction: Direction, frame: Frame) -> None:
        data = bytes(frame.data)
        now = time.monotonic()
        rtt: float | None = None
        if frame.opcode is Opcode.PING:
            kind = ControlKind.PING
            keepalive = False
            if direction is Direction.OUT:
                keepalive = data not in self._manual_pings
                self._manual_pings.discard(data)
                self._pings[data] = (now, keepalive)
        else:
            kind = ControlKind.PONG
            keepalive = False
            if direction is Direction.IN and data in self._pings:
                # A pong answers its ping and every earlier one (RFC 6455 §5.5.3).
                while self._pings:
                    payload, (sent, keepalive) = next(iter(self._pings.items()))
                    del self._pings[payload]
                    if payload == data:
                        rtt = now - sent
                        self.rtts.append(rtt)
                        break
        event = ControlEvent(self._conn, time.time(), now, direction, kind, data, rtt, keepalive)
        held = self._tap.incoming_opcodes
        if held:
            # Messages received before it are still with websockets: the reader logs it right
            # after them, so the log keeps the order of the wire (see _read).
            held.append(event)
        elif self._early_controls is not None:
            self._early_controls.append(event)
        else:
            self.log.append(event)

    def _log_early_controls(self) -> None:
        early, self._early_controls = self._early_controls, None
        for event in early or ():
            self.log.append(event)

    # -- logging helpers -----------------------------------------------------------------------

    def _set_state(self, state: ConnState, *, attempt: int = 0, delay: float | None = None) -> None:
        self.state = state
        error = self.last_error if state in (ConnState.RECONNECTING, ConnState.FAILED) else ""
        self.log.append(
            StateEvent(
                self._conn,
                time.time(),
                time.monotonic(),
                state,
                attempt,
                delay,
                error,
                self.options.uri,
            )
        )

    def _fail(self, error: str) -> None:
        self.last_error = error
        self._set_state(ConnState.FAILED)

    def _note(self, text: str, separator: bool = False) -> None:
        self.log.append(NoteEvent(self._conn, time.time(), time.monotonic(), text, separator))

    def _error(self, message: str, exc: BaseException | None = None) -> None:
        detail = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}" if exc else ""
        kind = error_kind(exc) if exc else ErrorKind.OTHER
        self.log.append(
            ErrorEvent(self._conn, time.time(), time.monotonic(), message, detail, kind)
        )

    def _log_handshake(self, websocket: ClientConnection) -> None:
        self.log.append(accepted_handshake(self._conn, websocket))
        # This request got its answer: a later attempt that fails before sending its own
        # (refused, DNS, TLS) must not show this one as a failed handshake.
        self._tap.request_line = ""
        self._log_early_controls()

    def _log_failed_handshake(self, exc: Exception) -> None:
        event = failed_handshake(self._conn, self._tap, exc)
        if event is not None:
            self.log.append(event)
            self._tap.request_line = ""

    def _explain_too_big(self, websocket: ClientConnection) -> None:
        """A 1009 of ours: the whole story in words (the close reason holds 123 bytes)."""
        exc = websocket.protocol.parser_exc
        if isinstance(exc, PayloadTooBig):
            self._error(describe_error(exc), exc)

    def _explain_keepalive_timeout(self, closed: ConnectionClosed) -> None:
        """websockets closes with 1011 when a keepalive pong is late: say so in words."""
        sent = closed.sent
        if sent is None or sent.code != 1011 or sent.reason != KEEPALIVE_TIMEOUT_REASON:
            return
        options = self.options
        self._error(
            keepalive_timeout_words(options.ping_interval, options.ping_timeout, tuple(self.rtts))
        )

    def _log_close(self, closed: ConnectionClosed) -> None:
        self.log.append(close_event(self._conn, closed))
