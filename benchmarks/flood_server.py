"""The flood benchmark's loopback server, run in its own process by benchmarks/flood.py.

    python benchmarks/flood_server.py --kind ws|raw [--deflate]

It listens on 127.0.0.1 on a free port, prints `PORT <n>` on stdout and serves until its
stdin is closed (so it dies with the benchmark, whatever happens to that) or it is killed.

What a connection gets is chosen by the request path:

    /flood?n=N&size=S   N text messages of S bytes, as fast as possible, then a 1000 close;
                        n=0 floods until the client closes
    /big?size=S         one text message of S bytes, then a 1000 close

Kinds:
    ws    websockets' own asyncio server: a handler calling `await ws.send(payload, text=True)`
          per message (compression off). The server is then often the bottleneck.
    raw   a hand-written asyncio server: answers the HTTP upgrade itself, then writes
          pre-serialized unmasked TEXT frames in chunks of about 256 KiB and a close frame.
          Receiving is then the bottleneck.

With --deflate both accept permessage-deflate when the client offers it (without the offer a
connection gets plain frames): `ws` with websockets' defaults, `raw` as
`server_no_context_takeover`, so that one compressed frame, made once, serves every message.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import hashlib
import struct
import sys
import threading
import zlib
from urllib.parse import parse_qs, urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNK_BYTES = 256 * 1024
CLOSE_1000 = b"\x88\x02\x03\xe8"
DEFLATE_RESPONSE = b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"


@functools.cache
def text_payload(size: int) -> bytes:
    """An ASCII, JSON-looking payload of exactly `size` bytes."""
    head = b'{"type":"tick","pad":"'
    tail = b'"}'
    if size < len(head) + len(tail):
        return b"x" * size
    return head + b"x" * (size - len(head) - len(tail)) + tail


@functools.cache
def big_payload(size: int) -> bytes:
    """A minified JSON array of exactly `size` bytes: one long line, like a real big payload."""
    record = b'{"id":%d,"name":"item-%d","value":%d.5,"tags":["a","b"]}'
    parts = [b"["]
    total = 1
    i = 0
    while True:
        item = record % (i, i, i)
        if total + len(item) + 2 > size:
            break
        if i:
            parts.append(b",")
            total += 1
        parts.append(item)
        total += len(item)
        i += 1
    parts.append(b"]")
    total += 1
    data = b"".join(parts)
    if len(data) < size:  # pad inside the array with whitespace, still valid JSON
        data = data[:-1] + b" " * (size - len(data)) + b"]"
    return data[:size]


@functools.cache
def deflated(payload: bytes) -> bytes:
    """A message's permessage-deflate payload with a fresh context (RFC 7692 7.2.1)."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data[:-4]  # without the 00 00 ff ff tail


def frame(payload: bytes, opcode: int = 0x1, compressed: bool = False) -> bytes:
    """An unmasked, final server frame; RSV1 set when `payload` is deflated."""
    length = len(payload)
    first = 0x80 | (0x40 if compressed else 0) | opcode
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 2**16:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def parse_path(path: str) -> tuple[str, int, int]:
    """(kind, n, size) for a request path."""
    parts = urlsplit(path)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    size = int(query.get("size", "100"))
    if parts.path.rstrip("/") == "/big":
        return "big", 1, size
    return "flood", int(query.get("n", "200000")), size


# -- ws: websockets' server --------------------------------------------------------------------


async def serve_ws(ready: asyncio.Future[int], deflate: bool) -> None:
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        kind, n, size = parse_path(ws.request.path)
        payload = big_payload(size) if kind == "big" else text_payload(size)
        send = ws.send
        try:
            if n == 0:
                # send() yields only when the write buffer is full: without a yield now and
                # then, this loop would never read the client's close frame.
                while True:
                    for _ in range(256):
                        await send(payload, text=True)
                    await asyncio.sleep(0)
            else:
                for _ in range(n):
                    await send(payload, text=True)
            await ws.close(1000)
        except ConnectionClosed:
            pass

    async with serve(
        handler,
        "127.0.0.1",
        0,
        compression="deflate" if deflate else None,
        ping_interval=None,
        max_size=None,
        close_timeout=5,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        ready.set_result(port)
        await asyncio.Future()  # until cancelled


# -- raw: pre-serialized frames ----------------------------------------------------------------


async def handle_raw(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, deflate: bool
) -> None:
    try:
        request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        writer.close()
        return
    lines = request.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    key = headers.get("sec-websocket-key", "").encode()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    compress = deflate and "permessage-deflate" in headers.get("sec-websocket-extensions", "")
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        + (DEFLATE_RESPONSE if compress else b"")
        + b"Sec-WebSocket-Accept: "
        + accept
        + b"\r\n\r\n"
    )

    def message(payload: bytes) -> bytes:
        return frame(deflated(payload), compressed=True) if compress else frame(payload)

    # Whatever the client sends after the handshake (no pings: they are off) is its close
    # frame: stop flooding and answer it.
    client_spoke = asyncio.ensure_future(reader.read(65536))
    kind, n, size = parse_path(path)
    try:
        if kind == "big":
            writer.write(message(big_payload(size)))
            await writer.drain()
        else:
            one = message(text_payload(size))
            per_chunk = max(1, CHUNK_BYTES // len(one))
            chunk = one * per_chunk
            remaining = n if n else -1
            while remaining and not client_spoke.done():
                if 0 < remaining < per_chunk:
                    writer.write(one * remaining)
                    remaining = 0
                else:
                    writer.write(chunk)
                    if remaining > 0:
                        remaining -= per_chunk
                await writer.drain()
        writer.write(CLOSE_1000)
        await writer.drain()
        # The client answers the close frame; then the server closes TCP first (RFC 6455).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(client_spoke), 10)
    except (ConnectionError, OSError):
        pass
    finally:
        client_spoke.cancel()
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def serve_raw(ready: asyncio.Future[int], deflate: bool) -> None:
    handler = functools.partial(handle_raw, deflate=deflate)
    server = await asyncio.start_server(handler, "127.0.0.1", 0, limit=2**20)
    async with server:
        ready.set_result(server.sockets[0].getsockname()[1])
        await asyncio.Future()  # until cancelled


# -- main ----------------------------------------------------------------------------------------


async def main(kind: str, deflate: bool) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[int] = loop.create_future()
    stop = asyncio.Event()

    def watch_stdin() -> None:
        # EOF on stdin: the benchmark went away.
        with contextlib.suppress(Exception):
            sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    serve = serve_ws if kind == "ws" else serve_raw
    server = asyncio.ensure_future(serve(ready, deflate))
    port = await asyncio.wait_for(ready, 30)
    print(f"PORT {port}", flush=True)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait([server, stopper], return_when=asyncio.FIRST_COMPLETED)
    for task in (server, stopper):
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=("ws", "raw"), default="ws")
    parser.add_argument("--deflate", action="store_true", help="accept permessage-deflate")
    options = parser.parse_args()
    asyncio.run(main(options.kind, options.deflate))
