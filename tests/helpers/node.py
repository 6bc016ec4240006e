"""Servers nobody here wrote: Node's `ws` package, installed by the tests into tests/node/.

`npm install` runs once (the folder's node_modules is ignored by git); a machine without
node or npm fails the test that needs them, saying which is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NODE_FOLDER = Path(__file__).resolve().parents[1] / "node"


def ensure_node_ws() -> str:
    """The path of `node`, with `ws` installed into tests/node/; RuntimeError when it can't be."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("this test needs Node.js: `node` is not on the PATH")
    if not (NODE_FOLDER / "node_modules" / "ws").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("this test needs npm to install `ws` into tests/node/")
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_FOLDER,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm install in {NODE_FOLDER} failed: {done.stderr[-500:]}")
    return node


@contextmanager
def node_echo_server() -> Iterator[str]:
    """The `ws` README's echo server on 127.0.0.1; yields its ws:// URL."""
    node = ensure_node_ws()
    process = subprocess.Popen(
        [node, str(NODE_FOLDER / "echo_server.mjs")],
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
