"""STOMP 1.2 and 1.1 over WebSocket: `frames` (frames to text and back, with escaping and
content-length) and `protocol` (the client session: CONNECT, heart-beats, the headers each
command needs).

`create` and `prepare` are what core/protocols/registry finds the package by."""

from __future__ import annotations

import dataclasses

from wsinspector.core.protocols.params import (
    SUBPROTOCOLS,
    Params,
    ProtocolSettingsError,
    text_param,
)
from wsinspector.core.protocols.stomp.frames import V11, V12
from wsinspector.core.protocols.stomp.protocol import (
    SUBPROTOCOLS as STOMP_SUBPROTOCOLS,
)
from wsinspector.core.protocols.stomp.protocol import (
    StompProtocol,
    StompSettings,
)
from wsinspector.core.websocket.options import ConnectionOptions

_VERSION_OF = {"v12.stomp": V12, "v11.stomp": V11}


def create(params: Params) -> StompProtocol:
    offered = [s.strip().lower() for s in params.get(SUBPROTOCOLS, "").split(",")]
    # The versions CONNECT accepts follow the subprotocols offered (v11.stomp alone: 1.1).
    versions = tuple(_VERSION_OF[s] for s in offered if s in _VERSION_OF) or (V12, V11)
    send, receive = _heartbeat(text_param(params, "heartbeat", "10000,10000"))
    settings = StompSettings(
        login=text_param(params, "login"),
        passcode=params.get("passcode", ""),
        host=text_param(params, "host", "/"),
        heartbeat_send=send,
        heartbeat_receive=receive,
        versions=versions,
    )
    return StompProtocol(settings)


def _heartbeat(text: str) -> tuple[int, int]:
    """`send,receive` in milliseconds, as the heart-beat header writes them."""
    try:
        send, receive = (int(part) for part in text.split(","))
    except ValueError:
        raise ProtocolSettingsError(
            f"STOMP heart-beats are `send,receive` in milliseconds, not {text!r}"
        ) from None
    if send < 0 or receive < 0:
        raise ProtocolSettingsError("STOMP heart-beats can't be negative")
    return send, receive


def prepare(options: ConnectionOptions) -> ConnectionOptions:
    """Offer v12.stomp and v11.stomp when the user named no subprotocol: brokers (RabbitMQ's
    web-stomp, Spring) pick the version by it."""
    if options.subprotocols:
        return options
    return dataclasses.replace(options, subprotocols=STOMP_SUBPROTOCOLS)
