"""Client certificates (mutual TLS): load them, check them before connecting, say what is wrong.

A page gives a certificate file and, when the key is not in it, a key file: PEM files, or one
PKCS#12 `.p12`/`.pfx` file holding both, with an optional passphrase. `load_identity` reads
them with `cryptography` (already what trustme and the TLS info use) and says in words what
keeps them from being used: a missing file, a wrong passphrase, a key that does not belong
to the certificate, a certificate that has expired or is not valid yet. The certificate's
subject and expiry are shown next to the fields.

Python's ssl loads a certificate chain only from files, so `configure` gives it PEM files: the
user's own when they are PEM, else a private temporary copy (mode 0600) removed at once.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from wsinspector.core.app.errors import UserError

PKCS12_SUFFIXES = (".p12", ".pfx")


class ClientCertError(UserError, ValueError):
    """The client certificate can't be used; str() says why, for the TLS tab."""


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A loaded certificate and key, and what the user should see of them."""

    certificate: x509.Certificate
    key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def not_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after_utc

    def describe(self) -> str:
        """ "CN=device-42, O=Acme · valid until 2027-01-31 12:00 UTC"."""
        return f"{self.subject or '(no subject)'} · valid until {_when(self.not_after)}"


def _when(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ClientCertError(f"No such {what} file: {path}") from None
    except OSError as exc:
        raise ClientCertError(f"Can't read the {what} file {path}: {exc.strerror}") from None


def _password(password: str) -> bytes | None:
    return password.encode() if password else None


def _load_pkcs12(data: bytes, path: str, password: str) -> ClientIdentity:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password(password))
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            asked = "a passphrase" if not password else "another passphrase"
            raise ClientCertError(f"{path} needs {asked} (wrong or missing passphrase)") from None
        raise ClientCertError(f"{path} is not a PKCS#12 file: {exc}") from None
    if cert is None or key is None:
        raise ClientCertError(f"{path} must hold a certificate and its private key")
    return ClientIdentity(cert, key, tuple(extra))


def _load_key(data: bytes, path: str, password: str) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, _password(password))
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted" or the reverse.
        if password:
            words = f"The key in {path} is not encrypted: leave the passphrase empty"
            raise ClientCertError(words) from None
        raise ClientCertError(f"The key in {path} is encrypted: enter its passphrase") from None
    except ValueError:
        if b"PRIVATE KEY" not in data:
            raise ClientCertError(f"{path} holds no PEM private key") from None
        raise ClientCertError(f"Wrong passphrase for the key in {path}") from None


def _public_bytes(key: object) -> bytes:
    public = key.public_key()  # type: ignore[attr-defined]
    return bytes(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_identity(
    cert_file: str, key_file: str = "", password: str = "", *, now: datetime.datetime | None = None
) -> ClientIdentity:
    """The certificate and key the page would send; ClientCertError says why it can't."""
    data = _read(cert_file, "certificate")
    if cert_file.lower().endswith(PKCS12_SUFFIXES) or not data.lstrip().startswith(b"-----"):
        if key_file:
            raise ClientCertError("A PKCS#12 file holds its own key: leave the key file empty")
        identity = _load_pkcs12(data, cert_file, password)
    else:
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise ClientCertError(f"{cert_file} holds no PEM certificate") from None
        key_data = _read(key_file, "key") if key_file else data
        if not key_file and b"PRIVATE KEY" not in data:
            raise ClientCertError(f"{cert_file} holds no private key: give the key file under it")
        key = _load_key(key_data, key_file or cert_file, password)
        identity = ClientIdentity(certs[0], key, tuple(certs[1:]))
    if _public_bytes(identity.key) != _public_bytes(identity.certificate):
        raise ClientCertError(
            f"The key does not belong to the certificate {identity.subject or cert_file}"
        )
    moment = now or datetime.datetime.now(datetime.UTC)
    if identity.not_after < moment:
        raise ClientCertError(
            f"The certificate {identity.subject} expired on {_when(identity.not_after)}"
        )
    if identity.certificate.not_valid_before_utc > moment:
        raise ClientCertError(
            f"The certificate {identity.subject} is valid only from "
            f"{_when(identity.certificate.not_valid_before_utc)}"
        )
    return identity


def configure(context: ssl.SSLContext, identity: ClientIdentity) -> None:
    """Have `context` present `identity`: a PEM copy in a private temporary file that Python's
    ssl reads at once, then deleted; the key in it is encrypted with a one-time passphrase."""
    once = secrets.token_urlsafe(24)
    pem = identity.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(once.encode()),
    )
    for cert in (identity.certificate, *identity.chain):
        pem += cert.public_bytes(serialization.Encoding.PEM)
    fd, name = tempfile.mkstemp(prefix="wsinspector-client-", suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        context.load_cert_chain(name, password=once)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
