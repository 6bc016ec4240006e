"""pytest fixtures around the helper servers (loaded by ``pytest_plugins`` in tests/conftest.py)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from helpers.brokers import mosquitto, rabbitmq_web_stomp
from helpers.faults import FaultMode, FaultServer
from helpers.servers import RecordingServer
from helpers.tls import make_ca, server_ssl_context, write_ca_file

__all__ = [
    "TlsServer",
    "fault_server_factory",
    "free_port",
    "mosquitto_uri",
    "recording_server",
    "recording_server_factory",
    "stomp_broker_uri",
    "tls_ca",
    "tls_server",
]


@dataclass(frozen=True)
class TlsServer:
    server: RecordingServer
    ca_file: Path
    ca: trustme.CA


@pytest.fixture
def recording_server() -> Iterator[RecordingServer]:
    """A started RecordingServer with default options (path routing, no TLS)."""
    with RecordingServer() as server:
        yield server


@pytest.fixture
def recording_server_factory() -> Iterator[Callable[..., RecordingServer]]:
    """``make(**RecordingServer kwargs)`` -> a started server; all are stopped after the test."""
    servers: list[RecordingServer] = []

    def make(**kwargs: Any) -> RecordingServer:
        server = RecordingServer(**kwargs)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def fault_server_factory() -> Iterator[Callable[..., FaultServer]]:
    """``make(mode, **kwargs)`` -> a started FaultServer; all are stopped after the test."""
    servers: list[FaultServer] = []

    def make(mode: FaultMode, **kwargs: Any) -> FaultServer:
        server = FaultServer(mode, **kwargs)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in reversed(servers):
        server.stop()


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return make_ca()


@pytest.fixture
def tls_server(tls_ca: trustme.CA, tmp_path: Path) -> Iterator[TlsServer]:
    """A started wss:// RecordingServer with a cert for 127.0.0.1/localhost, and the CA PEM file."""
    ca_file = write_ca_file(tls_ca, tmp_path / "ca.pem")
    with RecordingServer(ssl_context=server_ssl_context(tls_ca)) as server:
        yield TlsServer(server=server, ca_file=ca_file, ca=tls_ca)


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def mosquitto_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One mosquitto with a WebSocket listener for the whole run (helpers.brokers)."""
    with mosquitto(tmp_path_factory.mktemp("mosquitto")) as uri:
        yield uri


@pytest.fixture(scope="session")
def stomp_broker_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One RabbitMQ with web-stomp for the whole run: it takes 10 to 20 s to start."""
    with rabbitmq_web_stomp(tmp_path_factory.mktemp("rabbitmq")) as uri:
        yield uri
