"""SignalR over WebSocket, JSON hub protocol: `messages` (records and their types), `protocol`
(the hub connection: handshake, pings, invocations and streams) and `negotiate` (the HTTP
step before the WebSocket, skipped when the server is set to skip it).

`create` is what core/protocols/registry finds the package by."""

from __future__ import annotations

from wsinspector.core.protocols.params import Params
from wsinspector.core.protocols.signalr.protocol import SignalRProtocol


def create(params: Params) -> SignalRProtocol:
    return SignalRProtocol()
