"""Real protocol servers on Node.js (tests/node/), started by the tests on 127.0.0.1.

The npm packages (socket.io, graphql-ws, graphql, ws) are installed into tests/node/ by the
first test that needs them. A machine without node or npm fails such a test with the
reason; the project's CI has both.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
PACKAGES = ("socket.io", "graphql-ws", "graphql", "ws")
_install_lock = threading.Lock()


def ensure_node_packages() -> str:
    """The path of `node`, once the test servers' npm packages are installed."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the protocol tests need Node.js: `node` is not on the PATH")
    with _install_lock:
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
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm install in {NODE_DIR} failed: {done.stderr.strip()[-800:]}")
    return node


@contextmanager
def node_server(script: str) -> Iterator[int]:
    """Run tests/node/SCRIPT, which prints its port; yields the port. Closing its stdin ends
    it (and it is killed if it does not end within 5 s)."""
    node = ensure_node_packages()
    process = subprocess.Popen(
        [node, str(NODE_DIR / script)],
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
        yield int(line)
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
