"""SignalR over WebSocket, JSON hub protocol: `messages` (records and their types), `protocol`
(the hub connection: handshake, pings, invocations and streams) and `negotiate` (the HTTP
step before the WebSocket, skipped when the server is set to skip it).

`create`, `prepare` and `resolve` are what core/protocols/registry finds the package by."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit, urlunsplit

from wsinspector.core.protocols.params import Params, bool_param
from wsinspector.core.protocols.signalr.negotiate import negotiate
from wsinspector.core.protocols.signalr.protocol import SignalRProtocol
from wsinspector.core.websocket.options import ConnectionOptions

SKIP_NEGOTIATION = "skip_negotiation"
_WS = {"http": "ws", "https": "wss"}


def create(params: Params) -> SignalRProtocol:
    return SignalRProtocol()


def prepare(options: ConnectionOptions) -> ConnectionOptions:
    """A hub's http(s):// address, as ASP.NET documents it, is its WebSocket's ws(s)://."""
    parts = urlsplit(options.uri.strip())
    scheme = _WS.get(parts.scheme.lower())
    if scheme is None:
        return options
    return dataclasses.replace(options, uri=urlunsplit((scheme, *parts[1:])))


async def resolve(options: ConnectionOptions) -> ConnectionOptions:
    """Negotiate (unless the server skips it): the WebSocket address with its connection
    token, after the server's redirects. Raises NegotiateError."""
    if bool_param(dict(options.protocol_params), SKIP_NEGOTIATION, False):
        return options
    secure = prepare(options)
    negotiated = await negotiate(options.uri, options.headers, ssl_context=secure.ssl_context())
    return dataclasses.replace(options, uri=negotiated.uri)
