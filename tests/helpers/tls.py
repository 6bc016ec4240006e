"""trustme-based TLS material for tests: a throwaway CA, server/client contexts, a CA PEM file."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

__all__ = [
    "DEFAULT_HOSTS",
    "client_ssl_context",
    "make_ca",
    "server_ssl_context",
    "write_ca_file",
]

DEFAULT_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost")


def make_ca() -> trustme.CA:
    return trustme.CA()


def server_ssl_context(ca: trustme.CA, *hosts: str) -> ssl.SSLContext:
    """Server context with a leaf cert from ``ca`` for ``hosts`` (default: DEFAULT_HOSTS)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(hosts or DEFAULT_HOSTS)).configure_cert(context)
    return context


def client_ssl_context(ca: trustme.CA) -> ssl.SSLContext:
    """Client context that trusts only ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(context)
    return context


def write_ca_file(ca: trustme.CA, path: Path) -> Path:
    """Write the CA certificate PEM to ``path`` (a file, or a directory to put ca.pem in)."""
    if path.is_dir():
        path = path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path
