"""Debian's programs the tests run (brokers, proxies), installed when missing: CI is a fresh
clone on a machine where the tests run as root with apt-get; elsewhere the test says what
to install. One apt-get at a time, `update` once per run, and dpkg's lock waited for (another
installer may hold it for a while)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading

import pytest

HOST = "127.0.0.1"
_updated = False
_lock = threading.Lock()


def _which(program: str) -> str | None:
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin:/usr/bin")


def ensure_program(program: str, package: str, *, skip_if_missing: bool = False) -> str:
    """The path of `program`, installing Debian's `package` first when root can; without
    root the test fails (or skips, `skip_if_missing`) naming the package."""
    found = _which(program)
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        words = f"{program} is missing: install the Debian package {package} (as root)"
        if skip_if_missing:
            pytest.skip(words)
        pytest.fail(words)
    global _updated
    with _lock:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-qq"]
        if not _updated:
            subprocess.run([*apt, "update"], check=False, env=env, capture_output=True)
            _updated = True
        done = subprocess.run(
            [*apt, "install", "-y", "--no-install-recommends", package],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
    found = _which(program)
    if not found:
        pytest.fail(f"installing {package} for {program} failed: {done.stderr.strip()[-500:]}")
    return found


def free_port() -> int:
    """A port that was free a moment ago, for servers that can't be told to listen on 0."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
