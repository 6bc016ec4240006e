"""Real message brokers for the protocol tests, started by the tests on 127.0.0.1.

Debian's `mosquitto` (MQTT over WebSocket) and `rabbitmq-server` with its web-stomp plugin
(STOMP over WebSocket). When a broker is missing and the tests run as root with apt-get (CI,
a developer's container), it is installed first; otherwise the test skips and says why.
Each broker runs as a private process with its configuration and data in a temporary folder,
and is stopped (by its own process id) when the tests are done with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from helpers.debian import ensure_program, free_port

HOST = "127.0.0.1"


def ensure_debian_package(command: str, package: str) -> str:
    """The path of `command`, installing Debian's `package` first when root can; skip if not."""
    return ensure_program(command, package, skip_if_missing=True)


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the broker exited with {process.returncode}: {_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"the broker did not listen on {port} within {timeout} s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-1500:]
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def mosquitto(folder: Path, *, anonymous: bool = True) -> Iterator[str]:
    """A mosquitto broker with one WebSocket listener; yields its ws:// URI. Without
    `anonymous` and with no password file it refuses every client."""
    binary = ensure_debian_package("mosquitto", "mosquitto")
    port = free_port()
    config = folder / "mosquitto.conf"
    # mosquitto 2.0.11 (Debian 12) refuses to start with websockets listeners alone ("Unable
    # to start any listening sockets"), so a plain MQTT one is opened beside it.
    config.write_text(
        f"listener {free_port()} {HOST}\n"
        f"listener {port} {HOST}\nprotocol websockets\n"
        f"allow_anonymous {'true' if anonymous else 'false'}\n"
        "persistence false\nlog_type all\n"
    )
    log = folder / "mosquitto.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "-c", str(config)], stdout=out, stderr=out)
    try:
        wait_listening(port, process, 10.0, log)
        yield f"ws://{HOST}:{port}/mqtt"
    finally:
        _stop(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a broker started in a process group of its own: the group is its children."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@contextlib.contextmanager
def rabbitmq_web_stomp(folder: Path) -> Iterator[str]:
    """A private RabbitMQ node with the web-stomp plugin; yields its ws:// STOMP URI.

    Everything is its own: node name, ports (AMQP, distribution, web-stomp), Erlang's port
    mapper on a port of its own (so no system epmd is started or left behind), the Erlang
    cookie (HOME), data, logs and configuration, all in `folder`. guest/guest may log in
    from 127.0.0.1. It takes 10 to 20 s to start: one per test session."""
    ensure_debian_package("rabbitmq-server", "rabbitmq-server")
    server = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # the Debian wrapper would `su rabbitmq`
    epmd_binary = ensure_debian_package("epmd", "erlang-base")
    epmd_port, node_port, dist_port, stomp_port, plain_port = (free_port() for _ in range(5))
    # The plain STOMP listener (web-stomp needs the stomp plugin) would take port 61613, so
    # that a second broker (another test run at the same time) could not start.
    (folder / "rabbitmq.conf").write_text(
        f"listeners.tcp.1 = {HOST}:{node_port}\n"
        f"stomp.listeners.tcp.1 = {HOST}:{plain_port}\n"
        f"web_stomp.tcp.port = {stomp_port}\nweb_stomp.tcp.ip = {HOST}\n"
    )
    (folder / "enabled_plugins").write_text("[rabbitmq_web_stomp].\n")
    env = dict(
        os.environ,
        HOME=str(folder),
        ERL_EPMD_PORT=str(epmd_port),
        RABBITMQ_NODENAME=f"wsinspector-{os.getpid()}@localhost",
        RABBITMQ_NODE_IP_ADDRESS=HOST,
        RABBITMQ_DIST_PORT=str(dist_port),
        RABBITMQ_MNESIA_BASE=str(folder / "mnesia"),
        RABBITMQ_LOG_BASE=str(folder / "log"),
        RABBITMQ_LOGS="-",
        RABBITMQ_CONFIG_FILE=str(folder / "rabbitmq.conf"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(folder / "enabled_plugins"),
        RABBITMQ_PID_FILE=str(folder / "rabbitmq.pid"),
    )
    log = folder / "rabbitmq.log"
    with log.open("wb") as out:
        epmd = subprocess.Popen(
            [epmd_binary, "-port", str(epmd_port), "-address", HOST],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        process = subprocess.Popen(
            [server], stdout=out, stderr=out, env=env, cwd=folder, start_new_session=True
        )
    try:
        wait_listening(stomp_port, process, 90.0, log)
        yield f"ws://{HOST}:{stomp_port}/ws"
    finally:
        _stop_group(process)
        _stop_group(epmd)
