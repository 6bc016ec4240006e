"""The TLS tab's client certificate from the window: the subject and expiry shown as the files
are given, a wrong passphrase said next to the field (nothing sent), and the connection made
to a server that requires the certificate."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from helpers.servers import RecordingServer
from helpers.tls import server_ssl_context, write_ca_file
from helpers.ui import connect_to, find, open_settings_tab, settings_tabs
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from wsinspector.qt import MainWindow


def test_client_certificate_from_the_tls_tab(
    recording_server_factory: Callable[..., RecordingServer],
    window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    ca = trustme.CA()
    context = server_ssl_context(ca)
    context.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(context)
    server = recording_server_factory(ssl_context=context)
    leaf = ca.issue_cert("device", common_name="device-7")
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    p12 = tmp_path / "device.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"device",
            key,
            cert,
            None,
            serialization.BestAvailableEncryption(b"pw"),  # type: ignore[arg-type]
        )
    )
    find(window, QLineEdit, "caFileEdit").setText(str(write_ca_file(ca, tmp_path)))
    find(window, QLineEdit, "clientCertEdit").setText(str(p12))
    find(window, QLineEdit, "clientKeyPasswordEdit").setText("wrong")
    open_settings_tab(window, "TLS")
    error = find(window, QLabel, "clientCertError")
    assert "wrong or missing passphrase" in error.text() and error.isVisible()
    connect_to(qtbot, window, server.url("/"), state="idle")
    assert "⚠ TLS" in settings_tabs(window)
    assert server.handshake_attempts == 0
    find(window, QLineEdit, "clientKeyPasswordEdit").setText("pw")
    assert "CN=device-7" in find(window, QLabel, "clientCertInfoLabel").text()
    assert "valid until" in find(window, QLabel, "clientCertInfoLabel").text()
    assert (
        find(window, QLineEdit, "clientKeyPasswordEdit").echoMode() == QLineEdit.EchoMode.Password
    )
    connect_to(qtbot, window, server.url("/"))
    assert server.handshake_attempts == 1
