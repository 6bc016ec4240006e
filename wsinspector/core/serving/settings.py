"""What a server page listens with, and its saved form (a profile's `server` section).

`path` "" accepts any path; a set path answers others with 404. A Rejection answers the
handshake with a status, headers and a body instead of 101: for every client on a path
(`path_rejections`) or for the next client only (set on the running server).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wsinspector.core.log.events import Headers
from wsinspector.core.serving.rules import Rule, RuleError, rules_from_json, rules_to_json

# What websockets' asyncio server sends when nobody else chose.
DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Rejection:
    status: int = 403
    headers: Headers = ()
    body: str = ""


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """A certificate file (and its key file, empty when the certificate file holds it);
    an empty `certfile` makes a self-signed certificate."""

    certfile: str = ""
    keyfile: str = ""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = DEFAULT_HOST
    port: int = 0
    path: str = ""
    subprotocols: tuple[str, ...] = ()
    compression: bool = True
    tls: TlsSettings | None = None
    rules: tuple[Rule, ...] = ()
    path_rejections: dict[str, Rejection] = field(default_factory=dict)


def parse_listen(text: str) -> tuple[str, int]:
    """ "host:port" (or ":port", "port", "[::1]:port") → (host, port); ValueError in words."""
    text = text.strip() or f"{DEFAULT_HOST}:0"
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"{text!r}: the port must be a number (0 picks a free one)") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"{text!r}: the port must be between 0 and 65535")
    return host, port


def settings_to_json(settings: ServerSettings) -> dict[str, object]:
    return {
        "host": settings.host,
        "port": settings.port,
        "path": settings.path,
        "subprotocols": list(settings.subprotocols),
        "compression": settings.compression,
        "tls": (
            {"certfile": settings.tls.certfile, "keyfile": settings.tls.keyfile}
            if settings.tls is not None
            else None
        ),
        "rules": rules_to_json(settings.rules),
        "rejections": {
            path: {"status": r.status, "headers": [list(h) for h in r.headers], "body": r.body}
            for path, r in settings.path_rejections.items()
        },
    }


def settings_from_json(data: object) -> ServerSettings:
    """The settings saved by settings_to_json; RuleError naming what is wrong."""
    if not isinstance(data, dict):
        raise RuleError("the profile's server section must be an object")
    tls_data = data.get("tls")
    tls = None
    if isinstance(tls_data, dict):
        tls = TlsSettings(str(tls_data.get("certfile", "")), str(tls_data.get("keyfile", "")))
    rejections = {}
    raw_rejections = data.get("rejections", {})
    if not isinstance(raw_rejections, dict):
        raise RuleError("server.rejections must be an object")
    for path, item in raw_rejections.items():
        if not isinstance(item, dict):
            raise RuleError(f"server.rejections[{path!r}] must be an object")
        headers = tuple(
            (str(pair[0]), str(pair[1]))
            for pair in item.get("headers", [])
            if isinstance(pair, list) and len(pair) == 2
        )
        rejections[str(path)] = Rejection(
            int(item.get("status", 403)), headers, str(item.get("body", ""))
        )
    port = data.get("port", 0)
    if not isinstance(port, int) or isinstance(port, bool):
        raise RuleError("server.port must be a number")
    subprotocols = data.get("subprotocols", [])
    if not isinstance(subprotocols, list):
        raise RuleError("server.subprotocols must be a list")
    return ServerSettings(
        host=str(data.get("host", DEFAULT_HOST)),
        port=port,
        path=str(data.get("path", "")),
        subprotocols=tuple(str(name) for name in subprotocols),
        compression=bool(data.get("compression", True)),
        tls=tls,
        rules=rules_from_json(data.get("rules", [])),
        path_rejections=rejections,
    )
