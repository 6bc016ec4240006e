"""The command line as a user runs it: a real process, a real server, a real signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from helpers.servers import RecordingServer
from websockets.sync.client import connect

import wsinspector

EXIT_TIMEOUT = 5.0


def launch(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "wsinspector", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return stderr


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wsinspector", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"wsinspector {wsinspector.__version__}"


def test_uri_argument_connects_and_sigterm_closes_cleanly(
    recording_server: RecordingServer,
) -> None:
    process = launch(recording_server.url("/echo"))
    try:
        recording_server.wait_for(lambda: recording_server.connections, timeout=20)
    finally:
        stderr = stop(process, signal.SIGTERM)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    connection = recording_server.connections[0]
    recording_server.wait_for(lambda: connection.close_code is not None)
    assert (connection.close_code, connection.close_reason) == (1001, "client shutting down")


def test_demo_serves_other_clients_too_and_ctrl_c_quits() -> None:
    process = launch("--demo")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the app prints it once the demo server listens
        assert line.startswith("wsinspector demo server listening on ws://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip() + "echo"
        with connect(url, open_timeout=10) as websocket:
            websocket.send("ping from another client")
            assert websocket.recv(timeout=10) == "ping from another client"
    finally:
        stderr = stop(process, signal.SIGINT)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
