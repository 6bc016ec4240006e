"""TLS for a server page: a certificate and key the user chose, or a self-signed one made
on the spot (for 127.0.0.1 and localhost), and the SHA-256 fingerprint people compare."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import re
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wsinspector.core.app.errors import UserError

_FIRST_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL
)


class CertificateError(UserError):
    """The certificate or key can't be used; the words say which and why."""


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    context: ssl.SSLContext
    fingerprint: str  # SHA-256 of the certificate, "AB:CD:…"
    pem: bytes  # the certificate, for clients to trust


def fingerprint_of(der: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def self_signed(hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of a fresh self-signed certificate for `hosts`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wsinspector server page")])
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def server_certificate(certfile: str = "", keyfile: str = "") -> ServerCertificate:
    """The TLS context of a server: from `certfile` (and `keyfile`, when the certificate
    file does not hold the key), or self-signed when `certfile` is empty."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if certfile:
        try:
            context.load_cert_chain(certfile, keyfile or None)
            pem = Path(certfile).read_bytes()
        except (OSError, ssl.SSLError) as exc:
            raise CertificateError(f"can't use the certificate {certfile}: {exc}") from None
    else:
        pem, key_pem = self_signed()
        # ssl loads a chain only from files: they live as long as this call.
        with tempfile.TemporaryDirectory() as folder:
            cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert_path.write_bytes(pem)
            key_path.write_bytes(key_pem)
            context.load_cert_chain(cert_path, key_path)
    found = _FIRST_CERTIFICATE.search(pem)
    if found is None:
        raise CertificateError(f"{certfile} holds no PEM certificate")
    der = ssl.PEM_cert_to_DER_cert(found.group(0).decode("ascii"))
    return ServerCertificate(context, fingerprint_of(der), pem)
