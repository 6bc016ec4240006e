"""The certificate a wss:// server presents, read without trusting it, in words for people.

For "TLS certificate not trusted" failures: show whose certificate it is, who issued it and
until when it is valid, so the user can decide between a CA file and turning verification off.

Python's ssl module only decodes the peer certificate of a verified connection; for an
unverified one it gives the DER bytes. CPython's private `_ssl._test_decode_cert` decodes a
PEM file the same way `getpeercert()` does; without it (another Python), the certificate is
still described by its SHA-256 fingerprint.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import ssl
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

__all__ = ["CertificateInfo", "describe_certificate", "fetch_certificate"]

DEFAULT_PORTS = {"wss": 443, "https": 443, "ws": 80, "http": 80}

# getpeercert()'s attribute names → the short names of RFC 4514 strings.
_SHORT_NAMES = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}
_RFC4514_SPECIAL = frozenset(',+"\\<>;=')


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """`subject` and `issuer` are RFC 4514 strings ("CN=localhost, O=Example"); the dates are
    UTC, "2026-01-31 23:59:59 UTC"; `sans` are the subject alternative names: host names and
    IP addresses as they are ("localhost", "127.0.0.1"), other kinds with a prefix
    ("email:…", "URI:…"). Fields that could not be decoded are empty; `sha256` is the
    fingerprint of the DER bytes (hex), always there."""

    subject: str
    issuer: str
    not_before: str
    not_after: str
    sans: tuple[str, ...]
    sha256: str = ""


def _decoder() -> Callable[[str], dict[str, Any]] | None:
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    return cast("Callable[[str], dict[str, Any]]", decode) if callable(decode) else None


def _escape(value: str) -> str:
    text = "".join(f"\\{c}" if c in _RFC4514_SPECIAL else c for c in value)
    if text.startswith(("#", " ")):
        text = "\\" + text
    if text.endswith(" ") and not text.endswith("\\ "):
        text = text[:-1] + "\\ "
    return text


def _name(rdns: Iterable[Iterable[tuple[str, str]]]) -> str:
    """getpeercert()'s ((("organizationName", "X"),), …) as "CN=…, O=X" (RFC 4514 order)."""
    parts = [
        "+".join(f"{_SHORT_NAMES.get(key, key)}={_escape(value)}" for key, value in rdn)
        for rdn in rdns
    ]
    return ", ".join(reversed(parts))


def _time(text: str) -> str:
    """OpenSSL's "Jan  1 00:00:00 2030 GMT" as "2030-01-01 00:00:00 UTC"."""
    try:
        when = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(text), datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return text
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _san(kind: str, value: str) -> str:
    """Host names and addresses as they are ("localhost", "127.0.0.1"); others with their kind."""
    return value if kind in ("DNS", "IP Address") else f"{kind}:{value}"


def _decode(der: bytes) -> CertificateInfo:
    fingerprint = hashlib.sha256(der).hexdigest()
    empty = CertificateInfo("", "", "", "", (), fingerprint)
    decode = _decoder()
    if decode is None:
        return empty
    try:
        # Closed before decoding (Windows can't open it twice), deleted when the block ends.
        with tempfile.NamedTemporaryFile(
            "w", suffix=".pem", encoding="ascii", delete_on_close=False
        ) as handle:
            handle.write(ssl.DER_cert_to_PEM_cert(der))
            handle.close()
            fields = decode(handle.name)
    except (ssl.SSLError, OSError, ValueError):
        return empty
    try:
        return CertificateInfo(
            subject=_name(fields.get("subject", ())),
            issuer=_name(fields.get("issuer", ())),
            not_before=_time(str(fields.get("notBefore", ""))),
            not_after=_time(str(fields.get("notAfter", ""))),
            sans=tuple(_san(kind, value) for kind, value in fields.get("subjectAltName", ())),
            sha256=fingerprint,
        )
    except (TypeError, ValueError):
        return empty  # not the shape getpeercert() documents: don't guess


def _address(uri: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if not host:
        return None
    if port is None:
        port = DEFAULT_PORTS.get(parts.scheme.lower())
    if not port:
        return None
    return host, port


async def _peer_certificate(host: str, port: int, timeout: float) -> bytes | None:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
            ssl_object = writer.get_extra_info("ssl_object")
            if not isinstance(ssl_object, ssl.SSLObject):
                return None
            return ssl_object.getpeercert(binary_form=True)
    finally:
        if writer is not None:
            writer.close()
            try:
                # The TLS close_notify exchange; a server that never answers it is cut off.
                async with asyncio.timeout(min(timeout, 1.0)):
                    await writer.wait_closed()
            except Exception:  # OSError, TimeoutError, ssl.SSLError, …
                writer.transport.abort()


async def fetch_certificate(uri: str, timeout: float = 5.0) -> CertificateInfo | None:
    """The certificate of the TLS server at the URI's host and port, or None.

    Connects with verification off (the point is to look at a certificate that isn't trusted),
    reads the certificate after the TLS handshake and hangs up without sending anything else.
    None when there is no certificate to read: nothing listens, the server does not speak
    TLS, the time ran out, the URI has no host. Never raises, except CancelledError.
    """
    address = _address(uri)
    if address is None:
        return None
    try:
        der = await _peer_certificate(*address, timeout)
    except Exception:  # OSError, TimeoutError, ssl.SSLError, … (not CancelledError)
        return None
    if not der:
        return None
    try:
        return _decode(der)
    except Exception:  # a decoder surprise must not turn into an error dialog
        return CertificateInfo("", "", "", "", (), hashlib.sha256(der).hexdigest())


def describe_certificate(info: CertificateInfo | None) -> str:
    """ "Subject: CN=…; issued by CN=…; expires 2030-01-01 00:00:00 UTC", and a second line
    with the names the certificate is for, when it lists any."""
    if info is None:
        return "The server's certificate could not be read"
    if not (info.subject or info.issuer or info.not_after):
        return f"Certificate SHA-256 fingerprint: {info.sha256}"
    subject = info.subject or "(no subject)"
    line = f"Subject: {subject}; issued by {info.issuer or '(unknown)'}"
    if info.issuer and info.issuer == info.subject:
        line += " (self-signed)"
    if info.not_after:
        line += f"; {_expiry(info.not_after)}"
    if info.sans:
        line += "\nValid for: " + ", ".join(info.sans)
    return line


def _expiry(not_after: str) -> str:
    try:
        when = datetime.datetime.strptime(not_after, "%Y-%m-%d %H:%M:%S UTC").replace(
            tzinfo=datetime.UTC
        )
    except ValueError:
        return f"expires {not_after}"
    if when < datetime.datetime.now(datetime.UTC):
        return f"expired {not_after}"
    return f"expires {not_after}"
