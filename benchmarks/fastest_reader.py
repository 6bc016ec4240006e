"""a2 of the Socket.IO flood: the fastest reader Python can be, to show what the server does
with a client that keeps up.

It does no more than stay connected: the WebSocket handshake by hand, then 256 KiB reads, a
frame parser that counts the `42["tick"…` events and answers each ping (`2`) with a pong and
the open packet with the namespace connect (`40`), in masked frames as a client must. Against
Node's socket.io server it gets fewer events per second than the bare websockets client, which
parses every frame in Python, while the server spends about twice as much CPU per event (README,
Performance, issue 20's fourth pass): the server's cost per event depends on how its client
reads, and with it every ratio of this flood.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from urllib.parse import urlsplit

from flood_harness import Result, counted, now, run_timeout

READ_SIZE = 256 * 1024
TEXT, CLOSE = 0x1, 0x8


def masked(opcode: int, payload: bytes) -> bytes:
    """A short client frame; the zero mask leaves the payload as it is."""
    return bytes((0x80 | opcode, 0x80 | len(payload))) + b"\0\0\0\0" + payload


async def fastest_run(url: str, expected: int, event_prefix: bytes) -> Result:
    """Read the flood at `url` (ws://) to its close frame, counting the events."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    count, first, data = 0, 0.0, b""
    async with asyncio.timeout(run_timeout(expected)):
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"the server refused the handshake: {head[:80]!r}")
        while True:
            chunk = await reader.read(READ_SIZE)
            if not chunk:
                break
            data += chunk
            at, end, closed = 0, len(data), False
            while end - at >= 2:
                opcode, length, header = data[at] & 0x0F, data[at + 1] & 0x7F, 2
                if length == 126:
                    if end - at < 4:
                        break
                    length, header = struct.unpack_from("!H", data, at + 2)[0], 4
                elif length == 127:
                    if end - at < 10:
                        break
                    length, header = struct.unpack_from("!Q", data, at + 2)[0], 10
                if end - at < header + length:
                    break
                payload = data[at + header : at + header + length]
                at += header + length
                if opcode == CLOSE:  # answered, as the closing handshake asks
                    writer.write(masked(CLOSE, payload[:2]))
                    closed = True
                    break
                if payload.startswith(event_prefix):
                    if not count:
                        first = now()
                    count += 1
                elif payload[:1] == b"2":
                    writer.write(masked(TEXT, b"3" + payload[1:]))
                elif payload[:1] == b"0":
                    writer.write(masked(TEXT, b"40"))
            data = data[at:]
            if closed:
                break
    await reader.read()  # the server closes the TCP connection once it has the answer
    writer.close()
    return counted(count, expected, first)
