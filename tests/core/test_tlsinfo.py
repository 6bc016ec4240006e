"""Reading the certificate of a wss:// server without trusting it, against loopback servers."""

from __future__ import annotations

import asyncio
import datetime
import ssl
import time
from collections.abc import Callable
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.x509.oid import NameOID
from helpers.asyncwait import run, until
from helpers.faults import FaultServer
from helpers.fixtures import TlsServer
from helpers.servers import RecordingServer

from wsinspector.core.websocket.tlsinfo import (
    CertificateInfo,
    describe_certificate,
    fetch_certificate,
)


def fetch(uri: str, timeout: float = 5.0) -> CertificateInfo | None:
    return run(lambda: fetch_certificate(uri, timeout))


def serve_leaf(
    factory: Callable[..., RecordingServer], ca: trustme.CA, *hosts: str, **kwargs: Any
) -> tuple[RecordingServer, x509.Certificate]:
    """A wss:// server with a leaf certificate from `ca` (trustme issue_cert options)."""
    leaf = ca.issue_cert(*hosts, **kwargs)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    return factory(ssl_context=context), cert


def rfc4514(name: x509.Name) -> str:
    """cryptography's RFC 4514 string, with a blank after each comma like OpenSSL's."""
    return ", ".join(rdn.rfc4514_string() for rdn in reversed(name.rdns))


def utc(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def test_reads_subject_issuer_expiry_and_names(
    recording_server_factory: Callable[..., RecordingServer],
) -> None:
    ca = trustme.CA(organization_name="Example Test CA")
    expires = datetime.datetime(2031, 6, 30, 12, 0, 0, tzinfo=datetime.UTC)
    server, cert = serve_leaf(
        recording_server_factory,
        ca,
        "127.0.0.1",
        "localhost",
        common_name="localhost",
        organization_name="Example Org",
        not_after=expires,
    )

    info = fetch(server.url("/echo"))

    assert info is not None
    ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value
    assert info.subject == f"CN=localhost, OU={ou}, O=Example Org"
    assert info.subject == rfc4514(cert.subject)
    assert info.issuer == rfc4514(cert.issuer)
    assert "O=Example Test CA" in info.issuer
    assert info.not_after == utc(expires) == "2031-06-30 12:00:00 UTC"
    assert info.not_before == utc(cert.not_valid_before_utc)
    assert info.sans == ("127.0.0.1", "localhost")
    assert len(info.sha256) == 64
    # Nothing but TLS was spoken: no WebSocket handshake reached the server.
    assert server.handshake_attempts == 0

    text = describe_certificate(info)
    first, second = text.splitlines()
    assert first == (
        f"Subject: CN=localhost, OU={ou}, O=Example Org; issued by {info.issuer}; "
        "expires 2031-06-30 12:00:00 UTC"
    )
    assert second == "Valid for: 127.0.0.1, localhost"


def test_reads_the_certificate_of_the_tls_fixture(tls_server: TlsServer) -> None:
    info = fetch(tls_server.server.url("/"))
    assert info is not None
    assert info.issuer.startswith("OU=Testing CA #")
    assert info.not_after.endswith(" UTC")
    assert "localhost" in info.sans


def test_an_expired_certificate_is_read_and_said_to_be_expired(
    tls_ca: trustme.CA, recording_server_factory: Callable[..., RecordingServer]
) -> None:
    expired = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    server, _ = serve_leaf(
        recording_server_factory,
        tls_ca,
        "127.0.0.1",
        not_before=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC),
        not_after=expired,
    )
    info = fetch(server.url())
    assert info is not None
    assert info.not_after == "2020-01-01 00:00:00 UTC"
    assert "expired 2020-01-01 00:00:00 UTC" in describe_certificate(info)


def test_none_for_a_refused_port(free_port: int) -> None:
    assert fetch(f"wss://127.0.0.1:{free_port}/") is None


def test_none_for_a_plain_websocket_server(recording_server: RecordingServer) -> None:
    uri = "wss://" + recording_server.url("/echo").removeprefix("ws://")
    assert fetch(uri) is None


def test_none_for_an_http_answer(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("garbage", garbage=b"HTTP/1.1 400 Bad Request\r\n\r\n")
    assert fetch("wss://" + server.url().removeprefix("ws://")) is None


def test_none_when_the_server_never_answers(
    fault_server_factory: Callable[..., FaultServer],
) -> None:
    server = fault_server_factory("hang")
    started = time.monotonic()
    assert fetch("wss://" + server.url().removeprefix("ws://"), timeout=0.3) is None
    assert time.monotonic() - started < 3.0  # the timeout bounds it, not the test's
    assert server.received.startswith(b"\x16\x03")  # a ClientHello went unanswered


@pytest.mark.parametrize("uri", ["", "wss://", "wss:///path", "wss://host:99999/", "not a uri"])
def test_none_for_uris_without_an_address(uri: str) -> None:
    assert fetch(uri) is None


def test_cancellation_is_not_swallowed(fault_server_factory: Callable[..., FaultServer]) -> None:
    server = fault_server_factory("hang")

    async def body() -> bool:
        task = asyncio.create_task(
            fetch_certificate("wss://" + server.url().removeprefix("ws://"), timeout=10.0)
        )
        await until(lambda: server.accepted == 1)  # in the middle of the TLS handshake
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False

    assert run(body)


def test_describe_without_details() -> None:
    assert describe_certificate(None) == "The server's certificate could not be read"
    bare = CertificateInfo("", "", "", "", (), "ab" * 32)
    assert describe_certificate(bare) == f"Certificate SHA-256 fingerprint: {'ab' * 32}"
    self_signed = CertificateInfo("CN=x", "CN=x", "", "2999-01-01 00:00:00 UTC", ())
    assert describe_certificate(self_signed) == (
        "Subject: CN=x; issued by CN=x (self-signed); expires 2999-01-01 00:00:00 UTC"
    )
