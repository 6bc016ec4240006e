"""The protocols a page can speak, by stable key (saved in profiles), and the guess of one
from what the user typed.

Socket.IO and GraphQL are imported here; the other packages (mqtt, stomp, signalr) are
found by name: a package `wsinspector.core.protocols.KEY` that defines
`create(params: Mapping[str, str]) -> WireProtocol` (and optionally
`prepare(options) -> options`, and `async resolve(options) -> options` for a step over the
network before the WebSocket, SignalR's negotiate) is available, else its entry says it is
not built yet.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import urlsplit

from wsinspector.core.protocols import socketio
from wsinspector.core.protocols.base import WireProtocol
from wsinspector.core.protocols.graphql import LEGACY_SUBPROTOCOL, SUBPROTOCOL, GraphQLProtocol
from wsinspector.core.protocols.params import (
    SUBPROTOCOLS,
    Params,
    ProtocolSettingsError,
    json_param,
)
from wsinspector.core.websocket.options import ConnectionOptions

WEBSOCKET = "websocket"
SOCKETIO = "socketio"
GRAPHQL = "graphql"
STOMP = "stomp"
MQTT = "mqtt"
SIGNALR = "signalr"


@dataclass(frozen=True, slots=True)
class ProtocolInfo:
    key: str
    label: str
    # The parameters the page's protocol settings hold for it, in the form's order.
    params: tuple[str, ...] = ()
    # Those holding a credential: profiles keep them in the keyring, exports redact them.
    secrets: tuple[str, ...] = ()


PROTOCOLS: tuple[ProtocolInfo, ...] = (
    ProtocolInfo(WEBSOCKET, "WebSocket"),
    ProtocolInfo(SOCKETIO, "Socket.IO", ("namespace", "auth", socketio.VERSION_PARAM), ("auth",)),
    ProtocolInfo(GRAPHQL, "GraphQL over WebSocket", ("payload",), ("payload",)),
    ProtocolInfo(STOMP, "STOMP", ("login", "passcode", "host", "heartbeat"), ("passcode",)),
    ProtocolInfo(
        MQTT,
        "MQTT",
        ("version", "client_id", "username", "password", "keepalive", "clean_start"),
        ("password",),
    ),
    ProtocolInfo(SIGNALR, "SignalR", ("skip_negotiation",)),
)
_BY_KEY = {info.key: info for info in PROTOCOLS}
# Packages found by name (written beside this one, against base.WireProtocol).
_PLUGGED = (STOMP, MQTT, SIGNALR)


def info(key: str) -> ProtocolInfo:
    return _BY_KEY.get(key or WEBSOCKET, PROTOCOLS[0])


def _package(key: str) -> ModuleType | None:
    name = f"{__package__}.{key}"
    if importlib.util.find_spec(name) is None:
        return None
    module = importlib.import_module(name)
    return module if callable(getattr(module, "create", None)) else None


def available() -> tuple[ProtocolInfo, ...]:
    """The protocols a page can choose: the built ones."""
    return tuple(p for p in PROTOCOLS if p.key not in _PLUGGED or _package(p.key) is not None)


def guess(uri: str, subprotocols: tuple[str, ...] | list[str] = ()) -> str:
    """The protocol that what the user typed suggests (WEBSOCKET when nothing does)."""
    offered = {s.strip().lower() for s in subprotocols}
    if offered & {SUBPROTOCOL, LEGACY_SUBPROTOCOL}:
        return GRAPHQL
    if any(s.endswith(".stomp") for s in offered):
        return STOMP
    if any(s.startswith("mqtt") for s in offered):
        return MQTT
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return WEBSOCKET
    if "/socket.io" in parts.path.lower() or parts.scheme.lower() in ("http", "https"):
        return SOCKETIO
    path = parts.path.lower().rstrip("/")
    # ASP.NET Core maps hubs as /chatHub, /hubs/chat, /signalr/…: the names its docs use.
    if "signalr" in path or path.endswith("hub") or "/hubs/" in f"{path}/":
        return SIGNALR
    return WEBSOCKET


def create(options: ConnectionOptions) -> WireProtocol | None:
    """The protocol session for a connection with these options (None: plain WebSocket).
    Raises ProtocolSettingsError for settings that can't be read."""
    key = options.protocol or WEBSOCKET
    params = dict(options.protocol_params)
    if key == WEBSOCKET:
        return None
    if key == SOCKETIO:
        return socketio.create(options.uri, params)
    if key == GRAPHQL:
        payload = json_param(params, "payload", "connection_init payload")
        legacy = LEGACY_SUBPROTOCOL in options.subprotocols and (
            SUBPROTOCOL not in options.subprotocols
        )
        return GraphQLProtocol(payload, legacy=legacy)
    module = _package(key)
    if module is None:
        raise ProtocolSettingsError(f"{info(key).label} is not available in this version")
    make: Callable[[Params], WireProtocol] = module.create
    params.setdefault(SUBPROTOCOLS, ",".join(options.subprotocols))
    return make(params)


def prepare(options: ConnectionOptions) -> ConnectionOptions:
    """The options as the protocol needs them on the wire: Socket.IO's transport URI, the
    GraphQL subprotocol offered when the user named none."""
    key = options.protocol or WEBSOCKET
    if key == SOCKETIO:
        uri = socketio.socketio_uri(options.uri, dict(options.protocol_params))
        return dataclasses.replace(options, uri=uri)
    if key == GRAPHQL and not options.subprotocols:
        return dataclasses.replace(options, subprotocols=(SUBPROTOCOL,))
    if key in _PLUGGED:
        module = _package(key)
        hook = getattr(module, "prepare", None) if module is not None else None
        if callable(hook):
            prepared: ConnectionOptions = hook(options)
            return prepared
    return options


async def resolve(options: ConnectionOptions) -> ConnectionOptions:
    """prepare(), after the protocol's own step over the network where it has one (SignalR's
    negotiate): what a connection opens with. Raises UserError when that step fails."""
    key = options.protocol or WEBSOCKET
    module = _package(key) if key in _PLUGGED else None
    hook = getattr(module, "resolve", None) if module is not None else None
    if hook is not None:
        resolved: ConnectionOptions = await hook(options)
        options = resolved
    return prepare(options)
