"""SignalR's JSON hub protocol, framing and message types (ASP.NET Core SignalR, "Hub
Protocol" specification, JSON encoding).

Every message, the handshake's too, is a JSON object followed by the record separator
0x1E; one WebSocket message may hold several. `type` says what a message is.
"""

from __future__ import annotations

import enum
import json

RECORD_SEPARATOR = "\x1e"
HANDSHAKE_REQUEST = '{"protocol":"json","version":1}' + RECORD_SEPARATOR


class Type(enum.IntEnum):
    INVOCATION = 1
    STREAM_ITEM = 2
    COMPLETION = 3
    STREAM_INVOCATION = 4
    CANCEL_INVOCATION = 5
    PING = 6
    CLOSE = 7
    ACK = 8
    SEQUENCE = 9


# The words a row shows for each type.
KINDS = {
    Type.INVOCATION: "invocation",
    Type.STREAM_ITEM: "stream item",
    Type.COMPLETION: "completion",
    Type.STREAM_INVOCATION: "stream invocation",
    Type.CANCEL_INVOCATION: "cancel invocation",
    Type.PING: "ping",
    Type.CLOSE: "close",
    Type.ACK: "ack",
    Type.SEQUENCE: "sequence",
}


class MalformedMessage(ValueError):
    """Text that is not a hub protocol message; the message says why."""


def encode(message: dict[str, object]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False) + RECORD_SEPARATOR


PING = encode({"type": Type.PING})


def split(text: str) -> list[dict[str, object]]:
    """The JSON objects of one WebSocket message, in order."""
    if not text.endswith(RECORD_SEPARATOR):
        raise MalformedMessage("no record separator (0x1E) at the end")
    found: list[dict[str, object]] = []
    for record in text[:-1].split(RECORD_SEPARATOR):
        try:
            value = json.loads(record)
        except ValueError as exc:
            raise MalformedMessage(f"not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise MalformedMessage("a record that is not a JSON object")
        found.append(value)
    return found


def kind_of(message: dict[str, object]) -> Type:
    """The message's type; MalformedMessage for one the protocol doesn't have."""
    value = message.get("type")
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedMessage("a message without a numeric type")
    try:
        return Type(value)
    except ValueError:
        raise MalformedMessage(f"unknown message type {value}") from None
