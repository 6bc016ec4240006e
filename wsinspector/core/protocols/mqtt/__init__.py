"""MQTT 3.1.1 and 5 over WebSocket: `codec` (packets to bytes and back, against the OASIS
specifications), `properties` (MQTT 5's properties and the shared primitives) and `protocol`
(the client session: CONNECT, keepalive, QoS handshakes).

`create` and `prepare` are what core/protocols/registry finds the package by."""

from __future__ import annotations

import dataclasses

from wsinspector.core.protocols.mqtt.codec import Version
from wsinspector.core.protocols.mqtt.protocol import SUBPROTOCOL, MqttProtocol, MqttSettings
from wsinspector.core.protocols.params import (
    Params,
    ProtocolSettingsError,
    bool_param,
    int_param,
    text_param,
)
from wsinspector.core.websocket.options import ConnectionOptions

# The `version` parameter's words.
VERSIONS = {"3.1.1": Version.V311, "5": Version.V5}


def create(params: Params) -> MqttProtocol:
    version = text_param(params, "version", "3.1.1")
    if version not in VERSIONS:
        raise ProtocolSettingsError(f"MQTT version is 3.1.1 or 5, not {version!r}")
    keepalive = int_param(params, "keepalive", 60, "MQTT keepalive")
    if keepalive > 0xFFFF:
        raise ProtocolSettingsError("The MQTT keepalive is at most 65535 seconds")
    settings = MqttSettings(
        version=VERSIONS[version],
        client_id=text_param(params, "client_id"),
        username=text_param(params, "username"),
        password=params.get("password", ""),
        keepalive=keepalive,
        clean_start=bool_param(params, "clean_start", True),
    )
    return MqttProtocol(settings)


def prepare(options: ConnectionOptions) -> ConnectionOptions:
    """Offer the `mqtt` subprotocol when the user named none: brokers require it."""
    if options.subprotocols:
        return options
    return dataclasses.replace(options, subprotocols=(SUBPROTOCOL,))
