"""A raw TCP server (background thread, own loop) that misbehaves, for client error paths.

Modes:

* ``refuse_after_accept``: accept the TCP connection, then close it at once without any reply.
* ``garbage``: on the first bytes received, answer with non-HTTP bytes and close.
* ``hang``: accept, read, never answer (the client's open timeout must fire).
* ``deaf``: complete the opening handshake (101), then read and ignore everything, the
  client's close frame included.

Same ``start()`` / ``stop()`` / ``port`` / ``url()`` / context-manager API as ``RecordingServer``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Literal

from websockets.utils import accept_key

from helpers.servers import DEFAULT_TIMEOUT, ProtocolServer

__all__ = ["DEFAULT_GARBAGE", "FaultMode", "FaultServer"]

FaultMode = Literal["refuse_after_accept", "garbage", "hang", "deaf"]
FAULT_MODES: frozenset[str] = frozenset({"refuse_after_accept", "garbage", "hang", "deaf"})

DEFAULT_GARBAGE = b"SSH-2.0-OpenSSH_9.6 not http\r\n\x00\xff\xfe\x01garbage\r\n\r\n"


class FaultServer(ProtocolServer):
    def __init__(
        self,
        mode: FaultMode,
        *,
        garbage: bytes = DEFAULT_GARBAGE,
        port: int = 0,
        start_timeout: float = DEFAULT_TIMEOUT,
        stop_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {sorted(FAULT_MODES)}")
        super().__init__(port=port, start_timeout=start_timeout, stop_timeout=stop_timeout)
        self.mode = mode
        self.garbage = garbage
        self._lock = threading.Lock()
        self._accepted = 0
        self._received = bytearray()

    @property
    def accepted(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._accepted

    @property
    def received(self) -> bytes:
        """Every byte received from clients, concatenated."""
        with self._lock:
            return bytes(self._received)

    def _protocol(self) -> asyncio.Protocol:
        return _FaultProtocol(self)


def _websocket_key(request: bytes) -> str | None:
    head, separator, _ = request.partition(b"\r\n\r\n")
    if not separator:
        return None
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            return value.strip()
    return None


class _FaultProtocol(asyncio.Protocol):
    def __init__(self, owner: FaultServer) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None
        self.answered = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        owner = self.owner
        owner._transports.add(transport)
        with owner._lock:
            owner._accepted += 1
        if owner.mode == "refuse_after_accept":
            transport.close()

    def data_received(self, data: bytes) -> None:
        owner = self.owner
        with owner._lock:
            owner._received += data
        if owner.mode == "garbage" and not self.answered and self.transport is not None:
            self.answered = True
            self.transport.write(owner.garbage)
            self.transport.close()
        elif owner.mode == "deaf" and not self.answered and self.transport is not None:
            # Accept the opening handshake, then never answer anything, the close frame
            # included: a server that ignores the client's close.
            key = _websocket_key(owner.received)
            if key is not None:
                self.answered = True
                self.transport.write(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                    + accept_key(key).encode()
                    + b"\r\n\r\n"
                )

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.owner._transports.discard(self.transport)
