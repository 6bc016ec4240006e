"""The client connection the session uses: the frame tap plus workarounds for hostile servers.

Each is the smallest change that makes websockets 17.4 (and asyncio) show what happened
(issue 11; the upstream reports are in docs/upstream/websockets-17.4.md). Each is tested with
the exact bytes in tests/core/test_hostile_servers.py or the fuzzer (tests/fuzz/), and the
websockets ones also in tests/core/test_websockets_pins.py, which fails once the library
behaves differently and the workaround can go:

* **Nothing the kernel delivered is lost.** When writing fails (a pong answered to a server
  that already reset the connection: ECONNRESET), asyncio's transport stops reading at once
  and reports the connection lost, while the kernel may still hold bytes the server sent
  before its reset: messages that were complete. `connection_lost` reads them first
  (plain TCP: the socket is still open at that point) and hands them to the protocol, so they
  reach the log before the 1006.
* **A response the client refused is said at once.** When websockets cannot parse the
  handshake response, it half-closes and waits for the server to close too; a server that
  keeps the socket open makes the attempt run into the open timeout ("timed out during
  opening handshake") instead of the reason. `data_received` wakes the handshake up as soon
  as the protocol has failed it.
* **No warnings from writes that can't happen.** After a failed write, asyncio logs a WARNING
  from the fifth write on; `send_data` stops writing once the transport is closing.
* **Keepalive never outlives the connection.** websockets starts its keepalive task after
  the handshake returns; if the connection was already lost in between (101, pings and EOF
  in one read), nothing cancels it any more and, one ping interval later, it logs ERROR
  "keepalive ping failed". `start_keepalive` does not start one for a lost connection.
* **One socket read is a bounded amount of parsing.** asyncio reads up to 256 KiB per wake-up
  and websockets parses all of it in that callback, before any timer or paint can run: with
  permessage-deflate that is ~15,000 small messages, and the loop stalled ~95 ms (issue 20).
  `connection_made` lowers the plain transport's read size to READ_BYTES.
* **A connection never made is never lost.** Through an HTTP proxy, wss:// goes through
  asyncio's start_tls, which calls `connection_lost` on a failed TLS handshake although
  `connection_made` never ran; it returns at once (it raised AttributeError 'transport').
* **A response that never ends names its status.** A rejection whose body never ends runs
  into the open timeout; `handshake` hands the bytes that had arrived to the timeout's
  cause, so the words say which status the server sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from wsinspector.core.websocket.errors import remember_reset, remember_response_head
from wsinspector.core.websocket.frametap import TappedConnection

# The most bytes read from a lost connection's socket: the kernel's receive buffer holds at most
# a few MiB; this only guards against a loop that would not end.
DRAIN_LIMIT = 64 * 2**20
_CHUNK = 256 * 1024
# Bytes asyncio reads per wake-up (its default is 256 KiB). 64 KiB halved the loop lag p99 of a
# deflate flood (94/74 ms → 47/29 ms) and of a plain one (15/16 → 7/5 ms) at the same rate; 32 KiB
# was slower (README, Performance).
READ_BYTES = 64 * 1024
# The most response bytes kept to quote a refused line: above websockets' own limits.
RESPONSE_HEAD_LIMIT = 64 * 1024


class GuardedConnection(TappedConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The response as received until it is parsed, to quote the line a refusal is about.
        self._response_head = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # asyncio's selector transports read `max_size` bytes per recv(); a TLS transport
        # reads through its SSL protocol's own buffer and keeps its default.
        if isinstance(getattr(transport, "max_size", None), int):
            transport.max_size = READ_BYTES  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if self.response is None and len(self._response_head) < RESPONSE_HEAD_LIMIT:
            self._response_head += data[: RESPONSE_HEAD_LIMIT - len(self._response_head)]
        super().data_received(data)
        # The response was refused while parsing (no Response event): let handshake() raise
        # the reason now rather than wait for the server to close.
        refused = self.response is None and self.protocol.handshake_exc is not None
        if refused and not self.response_rcvd.done():
            assert self.protocol.handshake_exc is not None
            remember_response_head(self.protocol.handshake_exc, bytes(self._response_head))
            self.response_rcvd.set_result(None)

    async def handshake(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().handshake(*args, **kwargs)
        except asyncio.CancelledError as exc:
            # The open timeout cancels this: what had arrived (a status line whose response
            # never ended) goes with it, for describe_error to name the status.
            remember_response_head(exc, bytes(self._response_head))
            raise

    def send_data(self) -> None:
        # websockets' send_data, except that nothing more is written once the transport is
        # going: after one failed write (a pong to a server that reset), asyncio counts every
        # further write and logs WARNING "socket.send() raised exception." from the fifth on,
        # which a burst of pings in one read reaches at once.
        transport = self.transport
        for data in self.protocol.data_to_send():
            if transport.is_closing():
                continue
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                # Half-close the TCP connection when possible, as websockets does.
                with contextlib.suppress(Exception):
                    transport.write_eof()
            else:
                transport.close()

    def start_keepalive(self) -> None:
        if self.connection_lost_waiter.done():
            return  # lost between the handshake and now: nothing to keep alive
        super().start_keepalive()

    def connection_lost(self, exc: Exception | None) -> None:
        if "transport" not in vars(self):
            # Never made: wss:// through an HTTP proxy hands this connection to start_tls,
            # which reports a failed TLS handshake here too. open_tcp_connection raises that
            # failure and drops the connection; websockets' connection_lost would trip over
            # what connection_made sets up (the transport, the message queue).
            return
        if exc is not None:
            self._read_what_arrived()
        super().connection_lost(exc)
        failed = self.protocol.handshake_exc
        if isinstance(exc, ConnectionResetError) and self.response is None and failed:
            # websockets says only "did not receive a valid HTTP response": the reset is ours.
            remember_reset(failed)

    def _read_what_arrived(self) -> None:
        """Feed the protocol what the kernel still holds for a connection lost on a write error."""
        transport = self.transport
        if transport.get_extra_info("sslcontext") is not None:
            # TLS: the bytes would have to go through the SSL object; not covered (yet).
            return
        transport_socket = transport.get_extra_info("socket")
        if transport_socket is None:
            return
        try:
            sock: socket.socket = transport_socket.dup()
        except OSError:
            return
        with sock:
            sock.setblocking(False)
            budget = DRAIN_LIMIT
            while budget > 0:
                try:
                    chunk = sock.recv(min(_CHUNK, budget))
                except OSError:  # nothing more now (EAGAIN), or the reset itself
                    return
                if not chunk:
                    return
                budget -= len(chunk)
                if not self._feed(chunk):
                    return

    def _feed(self, chunk: bytes) -> bool:
        """What data_received does, minus writing (pongs can't go out any more)."""
        protocol = self.protocol
        try:
            protocol.receive_data(chunk)
        except EOFError:
            return False  # the protocol had already seen the end of the stream
        events = protocol.events_received()
        protocol.data_to_send()  # dropped: the connection can't write
        for event in events:
            self.process_event(event)
        return True
