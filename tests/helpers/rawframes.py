"""A raw TCP WebSocket server (background thread, own loop) that writes frames byte for byte.

It completes the opening handshake (optionally negotiating permessage-deflate with the
response header given), writes `script` (serialized frames, as a test builds them with
``websockets.frames.Frame.serialize``) and then reads the client's frames itself: it answers
the first `pongs` pings with pongs, then goes silent (for keepalive timeouts), and records
every frame the client sent. Nothing here is websockets' server: the bytes are the test's.

Same ``start()`` / ``stop()`` / ``port`` / ``url()`` / context-manager API as ``FaultServer``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator

from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader
from websockets.utils import accept_key

from helpers.servers import DEFAULT_TIMEOUT, ProtocolServer

__all__ = ["RawFrameServer", "raw"]


def raw(*frames: Frame) -> bytes:
    """Server frames (unmasked) as they go on the wire, in order."""
    return b"".join(frame.serialize(mask=False) for frame in frames)


class RawFrameServer(ProtocolServer):
    def __init__(
        self,
        script: bytes = b"",
        *,
        pongs: int | None = None,
        extensions: str = "",
        start_timeout: float = DEFAULT_TIMEOUT,
        stop_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(start_timeout=start_timeout, stop_timeout=stop_timeout)
        self.script = script
        self.pongs = pongs  # None: answer every ping
        self.extensions = extensions
        self._lock = threading.Lock()
        self._frames: list[Frame] = []

    @property
    def frames(self) -> list[Frame]:
        """Every frame received from clients, in order."""
        with self._lock:
            return list(self._frames)

    def _protocol(self) -> asyncio.Protocol:
        return _RawProtocol(self)


class _RawProtocol(asyncio.Protocol):
    def __init__(self, owner: RawFrameServer) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None
        self.request = b""
        self.reader: StreamReader | None = None
        self.parser: Generator[None] | None = None
        self.pongs_left = owner.pongs

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.owner._transports.add(transport)

    def data_received(self, data: bytes) -> None:
        if self.reader is None:
            self.request += data
            head, separator, rest = self.request.partition(b"\r\n\r\n")
            if not separator:
                return
            self._answer(head)
            self.reader = StreamReader()
            self.parser = self._parse()
            next(self.parser)
            data = rest
        assert self.reader is not None and self.parser is not None
        self.reader.feed_data(data)
        next(self.parser, None)

    def _answer(self, head: bytes) -> None:
        assert self.transport is not None
        key = ""
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-key":
                key = value.strip()
        extensions = (
            f"Sec-WebSocket-Extensions: {self.owner.extensions}\r\n".encode()
            if self.owner.extensions
            else b""
        )
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept_key(key).encode()
            + b"\r\n"
            + extensions
            + b"\r\n"
            + self.owner.script
        )

    def _parse(self) -> Generator[None]:
        assert self.reader is not None
        while True:
            frame = yield from Frame.parse(self.reader.read_exact, mask=True)
            with self.owner._lock:
                self.owner._frames.append(frame)
            answering = self.pongs_left is None or self.pongs_left > 0
            if frame.opcode is Opcode.PING and self.transport is not None and answering:
                if self.pongs_left is not None:
                    self.pongs_left -= 1
                self.transport.write(Frame(Opcode.PONG, frame.data).serialize(mask=False))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.owner._transports.discard(self.transport)
