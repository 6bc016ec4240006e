"""A WebSocket client nobody here wrote: Node's `ws` (tests/node/ws_client.mjs), driven
from asyncio tests. `npm install` puts `ws` into tests/node/ the first time (node_modules
is ignored by git); a machine without node or npm fails the test, saying which is missing.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from helpers.node import ensure_node_ws

NODE_FOLDER = Path(__file__).resolve().parents[1] / "node"


class NodeClient:
    """The running client: `send` a text line, `next_event` what it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()

    async def next_event(self, timeout: float = 5.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise EOFError("the node client ended without a word")
        event: dict[str, Any] = json.loads(line)
        return event

    async def wait_for(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next event of `kind`, skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next_event(timeout)
                if event["event"] == kind:
                    return event


@asynccontextmanager
async def node_ws_client(url: str, subprotocol: str = "") -> AsyncIterator[NodeClient]:
    node = ensure_node_ws()
    args = [str(NODE_FOLDER / "ws_client.mjs"), url] + ([subprotocol] if subprotocol else [])
    process = await asyncio.create_subprocess_exec(
        node,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=NODE_FOLDER,
    )
    try:
        yield NodeClient(process)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


class NodeClientProcess:
    """The same client for tests whose loop can't run subprocesses (the Qt tests): a thread
    reads its lines into `events`, which tests poll (qtbot.waitUntil)."""

    def __init__(self, url: str) -> None:
        node = ensure_node_ws()
        self.events: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            [node, str(NODE_FOLDER / "ws_client.mjs"), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=NODE_FOLDER,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.append(json.loads(line))

    def kinds(self) -> list[str]:
        return [event["event"] for event in list(self.events)]

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
