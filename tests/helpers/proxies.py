"""Real proxies on 127.0.0.1 for the proxy tests: tinyproxy (HTTP CONNECT), Dante (SOCKS5) and
mitmproxy's mitmdump (an intercepting HTTP proxy with its own CA).

Both are Debian packages; the first test that needs one installs it when it runs as root with
apt-get (as CI does on a fresh machine), and fails saying what is missing otherwise. Each
proxy runs in the foreground in its own process group, started and stopped by the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.debian import ensure_program, free_port

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RunningProxy:
    url: str  # without credentials
    log_file: Path

    def log(self) -> str:
        """What the proxy logged so far (to see that a connection went through it)."""
        return self.log_file.read_text(errors="replace")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the proxy exited at start: {log.read_text(errors='replace')[-800:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.05)
    pytest.fail(f"the proxy did not listen on {port}: {log.read_text(errors='replace')[-800:]}")


@contextlib.contextmanager
def _run(command: list[str], port: int, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_listening(port, process, log)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@contextlib.contextmanager
def tinyproxy(user: str = "", password: str = "") -> Iterator[RunningProxy]:
    """An HTTP proxy (CONNECT to any port); with `user`, basic auth is required. Yields
    its http:// URL without credentials."""
    program = ensure_program("tinyproxy", "tinyproxy")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wsi-tinyproxy-") as folder:
        conf = Path(folder, "tinyproxy.conf")
        lines = [f"Port {port}", f"Listen {HOST}", "Timeout 30", "MaxClients 50", f"Allow {HOST}"]
        lines.append("LogLevel Info")
        if user:
            lines.append(f"BasicAuth {user} {password}")
        conf.write_text("\n".join(lines) + "\n")
        log = Path(folder, "log")
        with _run([program, "-d", "-c", str(conf)], port, log):
            yield RunningProxy(f"http://{HOST}:{port}", log)


@contextlib.contextmanager
def dante() -> Iterator[RunningProxy]:
    """A SOCKS5 proxy without authentication; yields its socks5:// URL."""
    program = ensure_program("danted", "dante-server")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wsi-dante-") as folder:
        conf = Path(folder, "danted.conf")
        conf.write_text(
            "logoutput: stderr\n"
            f"internal: {HOST} port = {port}\n"
            f"external: {HOST}\n"
            "socksmethod: none\n"
            "clientmethod: none\n"
            "user.unprivileged: nobody\n"
            "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
            "socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 log: connect }\n"
        )
        log = Path(folder, "log")
        with _run([program, "-f", str(conf), "-N", "1"], port, log):
            yield RunningProxy(f"socks5://{HOST}:{port}", log)


# PyPI's mitmproxy in a virtualenv of its own (its many pinned dependencies stay out of the
# project's), made by the first test that needs it. Not Debian's mitmproxy 8: its leaf
# certificates lack the Authority Key Identifier that Python 3.13's strict verification wants.
MITMPROXY_VENV = Path.home() / ".cache" / "wsinspector-tests" / "mitmproxy-venv"


def ensure_mitmdump() -> str:
    program = MITMPROXY_VENV / "bin" / "mitmdump"
    if program.exists():
        return str(program)
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(MITMPROXY_VENV)], capture_output=True, text=True
    )
    if made.returncode == 0:
        pip = str(MITMPROXY_VENV / "bin" / "pip")
        made = subprocess.run([pip, "install", "-q", "mitmproxy"], capture_output=True, text=True)
    if not program.exists():
        shutil.rmtree(MITMPROXY_VENV, ignore_errors=True)
        pytest.fail(f"could not install mitmproxy from PyPI: {made.stderr.strip()[-400:]}")
    return str(program)


@contextlib.contextmanager
def mitmdump(upstream_ca: Path) -> Iterator[tuple[RunningProxy, Path]]:
    """mitmproxy as Kong/insomnia#5562's user ran it: an intercepting proxy that opens TLS
    with its own CA (trusting `upstream_ca` for the servers behind it). Yields the proxy and
    its CA certificate, the file a page names as its CA file; the log holds the flows seen."""
    program = ensure_mitmdump()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wsi-mitmproxy-") as folder:
        log = Path(folder, "log")
        command = [
            program,
            "--listen-host",
            HOST,
            "--listen-port",
            str(port),
            "--set",
            f"confdir={folder}",
            "--set",
            f"ssl_verify_upstream_trusted_ca={upstream_ca}",
            "--flow-detail",
            "2",
        ]
        with _run(command, port, log):
            yield RunningProxy(f"http://{HOST}:{port}", log), Path(folder, "mitmproxy-ca-cert.pem")
