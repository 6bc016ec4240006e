"""A scripted SignalR hub written from the JSON hub protocol's specification: ASP.NET Core
can't be had here, so this plays the server's side of what the tests check, on 127.0.0.1.

* negotiate: a POST to `<hub>/negotiate`; answers a connection token, or a redirect (with
  an access token) or an error when told to.
* the WebSocket (websockets' server on the test's loop, behind the same port): the
  handshake, a ping every `ping_every` seconds, and three hub methods: `echo` (completes
  with its first argument), `broadcast` (sends the client an invocation of `message` with its
  arguments) and the stream `count` (items 0..n-1 every 20 ms, then a completion; a cancel
  stops it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

RS = "\x1e"
HOST = "127.0.0.1"


def record(message: dict[str, object]) -> str:
    return json.dumps(message) + RS


@dataclass
class Hub:
    ping_every: float = 0.2
    token: str = "token-1"
    # What negotiate answers instead of a connection: {"url": ..., "accessToken": ...} or
    # {"error": ...}; the transports it offers.
    negotiate_answer: dict[str, object] | None = None
    transports: tuple[str, ...] = ("WebSockets", "ServerSentEvents", "LongPolling")
    negotiations: list[dict[str, str]] = field(default_factory=list)
    received: list[dict[str, object]] = field(default_factory=list)
    connected_with: list[dict[str, list[str]]] = field(default_factory=list)
    port: int = 0
    pinging: bool = True
    connections: list[ServerConnection] = field(default_factory=list)

    async def drop(self) -> None:
        """Close every connection as a restarting server does (1012: a client may retry)."""
        for websocket in self.connections:
            await websocket.close(1012, "restarting")

    @property
    def http_uri(self) -> str:
        return f"http://{HOST}:{self.port}/hub"

    @property
    def ws_uri(self) -> str:
        return f"ws://{HOST}:{self.port}/hub"

    async def _serve(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        self.connected_with.append(parse_qs(urlsplit(websocket.request.path).query))
        self.connections.append(websocket)
        handshake = json.loads(str(await websocket.recv()).removesuffix(RS))
        if handshake != {"protocol": "json", "version": 1}:
            await websocket.send(record({"error": f"unsupported {handshake}"}))
            return
        await websocket.send("{}" + RS)
        pinger = asyncio.create_task(self._ping(websocket))
        streams: dict[str, asyncio.Task[None]] = {}
        try:
            async for data in websocket:
                for text in str(data).split(RS)[:-1]:
                    message = json.loads(text)
                    self.received.append(message)
                    await self._answer(websocket, message, streams)
        finally:
            pinger.cancel()
            for task in streams.values():
                task.cancel()

    async def _answer(
        self,
        websocket: ServerConnection,
        message: dict[str, object],
        streams: dict[str, asyncio.Task[None]],
    ) -> None:
        kind, target, args = message["type"], message.get("target"), message.get("arguments", [])
        invocation = str(message.get("invocationId", ""))
        assert isinstance(args, list)
        if kind == 1 and target == "echo" and invocation:
            await websocket.send(record({"type": 3, "invocationId": invocation, "result": args[0]}))
        elif kind == 1 and target == "broadcast":
            await websocket.send(record({"type": 1, "target": "message", "arguments": args}))
        elif kind == 4 and target == "count":
            streams[invocation] = asyncio.create_task(self._count(websocket, invocation, args[0]))
        elif kind == 5:
            streams.pop(invocation).cancel()

    async def _count(self, websocket: ServerConnection, invocation: str, n: int) -> None:
        for item in range(n):
            await websocket.send(record({"type": 2, "invocationId": invocation, "item": item}))
            await asyncio.sleep(0.02)
        await websocket.send(record({"type": 3, "invocationId": invocation}))

    async def _ping(self, websocket: ServerConnection) -> None:
        while True:
            await asyncio.sleep(self.ping_every)
            if self.pinging:
                await websocket.send(record({"type": 6}))

    def _negotiate(self, path: str, headers: dict[str, str]) -> dict[str, object]:
        self.negotiations.append({"path": path, **headers})
        if self.negotiate_answer is not None:
            answer, self.negotiate_answer = self.negotiate_answer, None
            return answer
        return {
            "negotiateVersion": 1,
            "connectionId": "id-1",
            "connectionToken": self.token,
            "availableTransports": [
                {"transport": name, "transferFormats": ["Text"]} for name in self.transports
            ],
        }


@contextlib.asynccontextmanager
async def running(hub: Hub) -> AsyncIterator[Hub]:
    """The hub on one port of this loop, as ASP.NET serves it: a POST (negotiate) is
    answered here, anything else is relayed byte for byte to websockets' server behind."""

    async def front(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if head.startswith(b"POST "):
            lines = head.decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            length = int(headers.get("Content-Length", "0"))
            if length:
                await reader.readexactly(length)
            answer = json.dumps(hub._negotiate(lines[0].split(" ")[1], headers)).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
            writer.close()
            return
        back_reader, back_writer = await asyncio.open_connection(HOST, back_port)
        back_writer.write(head)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, back_writer), pipe(back_reader, writer))

    async with serve(hub._serve, HOST, 0) as back:
        back_port = back.sockets[0].getsockname()[1]
        frontend = await asyncio.start_server(front, HOST, 0)
        hub.port = frontend.sockets[0].getsockname()[1]
        try:
            yield hub
        finally:
            frontend.close()
            await frontend.wait_closed()
