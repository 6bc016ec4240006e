"""Client certificates against a real TLS server that requires one (websockets' serve with
CERT_REQUIRED, certificates from trustme): PEM and PKCS#12, and each bad setting in words."""

from __future__ import annotations

import asyncio
import datetime
import json
import ssl
from pathlib import Path
from typing import IO

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from helpers.asyncwait import run, wait_state
from helpers.node import node_server_output
from helpers.sessions import close_session, finished, options_for
from helpers.tls import server_ssl_context, write_ca_file
from websockets.asyncio.server import ServerConnection, serve

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.core.websocket.clientcert import ClientCertError, load_identity
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session
from wsinspector.core.websocket.validation import check_options

PASSPHRASE = "open sesame"


def _mtls_context(ca: trustme.CA) -> ssl.SSLContext:
    context = server_ssl_context(ca)
    context.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(context)  # the clients' certificates come from the same CA
    return context


def _write_pem(leaf: trustme.LeafCert, folder: Path, password: str = "") -> tuple[str, str]:
    cert = folder / "client.crt"
    key = folder / "client.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    raw = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    key.write_bytes(
        raw.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return str(cert), str(key)


def _write_p12(leaf: trustme.LeafCert, path: Path, password: str) -> str:
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"client",
            key,  # type: ignore[arg-type]
            cert,
            None,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    return str(path)


def _connect_and_see_subject(options: ConnectionOptions, ca: trustme.CA) -> str | Session:
    """The subject the server saw, or the failed session."""

    async def body() -> str | Session:
        seen: list[str] = []

        async def handler(connection: ServerConnection) -> None:
            peer = connection.transport.get_extra_info("peercert")
            seen.append(str(dict(x[0] for x in peer["subject"]).get("commonName")))
            await connection.wait_closed()

        async with serve(handler, "127.0.0.1", 0, ssl=_mtls_context(ca)) as server:
            port = server.sockets[0].getsockname()[1]
            options_here = ConnectionOptions(
                **{**_fields(options), "uri": f"wss://127.0.0.1:{port}/"}
            )
            session = Session(options_here, EventLog())
            session.start()
            await wait_state(session, ConnState.OPEN, ConnState.FAILED)
            if session.state is ConnState.FAILED:
                return session
            await close_session(session)
            return seen[0]

    return run(body)


def _fields(options: ConnectionOptions) -> dict[str, object]:
    return {name: getattr(options, name) for name in options.__slots__}


def test_pem_and_pkcs12_client_certificates_reach_the_server(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = str(write_ca_file(ca, tmp_path))
    leaf = ca.issue_cert("device-42.example", common_name="device-42")
    cert, key = _write_pem(leaf, tmp_path, PASSPHRASE)
    options = options_for(
        "wss://x/",
        ca_file=ca_file,
        client_cert=cert,
        client_key=key,
        client_key_password=PASSPHRASE,
    )
    assert _connect_and_see_subject(options, ca) == "device-42"
    p12 = _write_p12(leaf, tmp_path / "client.p12", PASSPHRASE)
    options = options_for(
        "wss://x/", ca_file=ca_file, client_cert=p12, client_key_password=PASSPHRASE
    )
    assert _connect_and_see_subject(options, ca) == "device-42"
    identity = load_identity(p12, "", PASSPHRASE)
    assert "CN=device-42" in identity.describe() and "valid until" in identity.describe()


def test_a_server_demanding_a_certificate_is_said_in_words(tmp_path: Path) -> None:
    ca = trustme.CA()
    options = options_for("wss://x/", ca_file=str(write_ca_file(ca, tmp_path)))
    session = _connect_and_see_subject(options, ca)
    assert isinstance(session, Session)
    assert "requires a client certificate" in session.last_error, session.last_error


def test_bad_client_certificate_settings_are_said_before_connecting(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("device", common_name="device")
    cert, key = _write_pem(leaf, tmp_path, PASSPHRASE)

    def problem(**kwargs: str) -> str:
        with pytest.raises(ClientCertError) as caught:
            load_identity(**kwargs)  # type: ignore[arg-type]
        return str(caught.value)

    assert "Wrong passphrase" in problem(cert_file=cert, key_file=key, password="nope")
    assert "encrypted: enter its passphrase" in problem(cert_file=cert, key_file=key)
    other = ca.issue_cert("other", common_name="other")
    (tmp_path / "other").mkdir()
    _, other_key = _write_pem(other, tmp_path / "other", "")
    assert "does not belong to the certificate CN=device" in problem(
        cert_file=cert, key_file=other_key
    )
    p12 = _write_p12(leaf, tmp_path / "c.pfx", PASSPHRASE)
    assert "wrong or missing passphrase" in problem(cert_file=p12, password="bad")
    assert "No such certificate file" in problem(cert_file=str(tmp_path / "missing.pem"))
    old = ca.issue_cert(
        "old",
        common_name="old",
        not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        not_after=datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC),
    )
    old_cert, old_key = _write_pem(old, tmp_path, "")
    assert "The certificate CN=old," in problem(cert_file=old_cert, key_file=old_key)
    assert "expired on 2021-01-01 00:00 UTC" in problem(cert_file=old_cert, key_file=old_key)
    options = ConnectionOptions("wss://x/", client_cert=old_cert, client_key=old_key)
    (error,) = check_options(options)
    assert error.field == "client_cert" and "expired" in error.message


def test_nothing_is_sent_with_a_bad_certificate(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("device", common_name="device")
    cert, key = _write_pem(leaf, tmp_path, PASSPHRASE)
    options = options_for("wss://127.0.0.1:9/", client_cert=cert, client_key=key)

    async def body() -> Session:
        session = Session(options, EventLog())
        session.start()
        await finished(session)
        return session

    session = run(body)
    assert session.state is ConnState.FAILED
    assert "encrypted: enter its passphrase" in session.last_error


def test_nodes_https_server_demanding_a_certificate_sees_the_subject(tmp_path: Path) -> None:
    """Against Node's `https` + `ws` with requestCert and rejectUnauthorized (not a server of
    ours): without a certificate the handshake fails with the reason, with one the server
    reports the subject it saw."""
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    paths = {
        "server.crt": b"".join(blob.bytes() for blob in server_cert.cert_chain_pems),
        "server.key": server_cert.private_key_pem.bytes(),
        "ca.pem": ca.cert_pem.bytes(),
    }
    for name, data in paths.items():
        (tmp_path / name).write_bytes(data)
    leaf = ca.issue_cert("sensor-7.example", common_name="sensor-7", organization_name="Acme")
    cert, key = _write_pem(leaf, tmp_path, PASSPHRASE)
    ca_file = str(tmp_path / "ca.pem")
    server_files = (str(tmp_path / "server.crt"), str(tmp_path / "server.key"), ca_file)

    async def session_to(port: int, **fields: str) -> Session:
        session = Session(options_for(f"wss://127.0.0.1:{port}/", **fields), EventLog())
        session.start()
        await wait_state(session, ConnState.OPEN, ConnState.FAILED)
        return session

    async def body(port: int, output: IO[str]) -> None:
        refused = await session_to(port, ca_file=ca_file)
        assert refused.state is ConnState.FAILED
        assert "client certificate" in refused.last_error, refused.last_error
        session = await session_to(
            port,
            ca_file=ca_file,
            client_cert=cert,
            client_key=key,
            client_key_password=PASSPHRASE,
        )
        assert session.state is ConnState.OPEN, session.last_error
        line = await asyncio.wait_for(asyncio.to_thread(output.readline), 15)
        await close_session(session)
        assert line.startswith("SUBJECT "), line
        subject = json.loads(line.removeprefix("SUBJECT "))
        assert subject["CN"] == "sensor-7" and subject["O"] == "Acme", subject

    with node_server_output("mtls_server.mjs", *server_files) as (port, output):
        run(lambda: body(port, output))
