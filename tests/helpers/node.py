"""Node's `ws`, a client and a server nobody here wrote: installed by npm into tests/node/ the
first time a test asks for it (CI is a fresh clone; node_modules is ignored by git), and run as
subprocesses of the tests."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
CLIENT = NODE_DIR / "ws_client.js"
INSTALL_SECONDS = 300
PACKAGES = (
    "socket.io",
    "socket.io-v2",
    "graphql-ws",
    "graphql",
    "ws",
    "subscriptions-transport-ws",
)
_install_lock = threading.Lock()


@contextmanager
def _installing_alone() -> Iterator[None]:
    """Hold tests/node/ for one process at a time: pytest-xdist's workers share it, and two
    npm installs into one node_modules break each other."""
    folder = os.open(NODE_DIR, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)


def ensure_node_packages() -> str:
    """The path of `node`, once the test servers' npm packages are installed."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the protocol tests need Node.js: `node` is not on the PATH")
    with _install_lock, _installing_alone():
        if all((NODE_DIR / "node_modules" / name).is_dir() for name in PACKAGES):
            return node
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"installing {', '.join(PACKAGES)} needs npm: not on the PATH")
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm install in {NODE_DIR} failed: {done.stderr.strip()[-800:]}")
    return node


def ensure_node_ws() -> str:
    """The `node` executable, with `ws` installed into tests/node/; RuntimeError saying what
    is missing otherwise."""
    return ensure_node_packages()


async def run_ws_client(url: str, *messages: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Run tests/node/ws_client.js against `url` on the running loop; its JSON lines."""
    node = ensure_node_ws()
    process = await asyncio.create_subprocess_exec(
        node, str(CLIENT), url, *messages, stdout=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(timeout):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


@contextmanager
def node_echo_server() -> Iterator[str]:
    """The `ws` README's echo server on 127.0.0.1; yields its ws:// URL."""
    node = ensure_node_ws()
    process = subprocess.Popen(
        [node, str(NODE_DIR / "echo_server.mjs")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until it listens (or dies: "")
        if not line.startswith("PORT "):
            raise RuntimeError(f"the Node echo server did not start: {process.stderr.read()}")  # type: ignore[union-attr]
        yield f"ws://127.0.0.1:{int(line.split()[1])}/"
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@contextmanager
def node_server(script: str, *args: str) -> Iterator[int]:
    """Run tests/node/SCRIPT with ARGS, which prints its port; yields the port. Closing its
    stdin ends it (and it is killed if it does not end within 5 s)."""
    with node_server_output(script, *args) as (port, _output):
        yield port


@contextmanager
def node_server_output(script: str, *args: str) -> Iterator[tuple[int, IO[str]]]:
    """As node_server, and the rest of the script's standard output to read lines from."""
    node = ensure_node_packages()
    process = subprocess.Popen(
        [node, str(NODE_DIR / script), *args],
        cwd=NODE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            process.kill()
            raise RuntimeError(f"{script} did not start: {line}{process.communicate()[1]}")
        yield int(line), process.stdout
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
