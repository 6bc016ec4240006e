"""Socket.IO packets in and out of WebSocket messages, by python-engineio's and
python-socketio's packet modules; stateless, so a recorded session reads the same.

Engine.IO v3 and v4 frame text alike; they differ on binary messages: v4 sends an
attachment's bytes as they are, v3 puts the message packet type (a 0x04 byte) before them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

from engineio import packet as eio
from socketio import packet as sio

from wsinspector.core.protocols.base import Reading

EIO_KINDS = dict(enumerate(["open", "close", "ping", "pong", "message", "upgrade", "noop"]))
SIO_KINDS = dict(
    enumerate(["connect", "disconnect", "event", "ack", "connect error", "event", "ack"])
)
BINARY_TYPES = (sio.BINARY_EVENT, sio.BINARY_ACK)
# Engine.IO v3's type byte before a binary message's bytes.
V3_BINARY_HEAD = b"\x04"
# The composer's JSON can't hold bytes: {"$binary": "<base64>"} stands for them.
BINARY_KEY = "$binary"
# An attachment's bytes shown in a row: their size and the first of them in hex.
SHOWN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Decoded:
    """One message read: the Engine.IO packet type, and for a Socket.IO packet its parts."""

    eio_type: int
    data: object = None
    sio_type: int | None = None
    namespace: str = "/"
    ack_id: int | None = None
    attachments: int = 0


def decode(data: str | bytes, version: int = 4) -> Decoded:
    """Raises ValueError when `data` is not an Engine.IO packet (or its Socket.IO packet is
    not one); a binary message is an attachment of the packet before it (its bytes as data)."""
    if isinstance(data, bytes):
        return Decoded(eio.MESSAGE, attachment_body(data, version))
    try:
        packet = eio.Packet(encoded_packet=data)
    except (ValueError, IndexError) as exc:
        raise ValueError("not an Engine.IO packet") from exc
    if packet.packet_type not in EIO_KINDS:
        raise ValueError(f"unknown Engine.IO packet type {packet.packet_type}")
    if packet.packet_type != eio.MESSAGE:
        return Decoded(packet.packet_type, packet.data)
    body = data[1:]
    try:
        inner = sio.Packet(encoded_packet=body)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not a Socket.IO packet: {exc}") from exc
    if not isinstance(inner.packet_type, int) or inner.packet_type not in SIO_KINDS:
        raise ValueError(f"unknown Socket.IO packet type {body[:1]!r}")
    return Decoded(
        eio.MESSAGE,
        inner.data,
        inner.packet_type,
        inner.namespace or "/",
        inner.id,
        inner.attachment_count,
    )


def attachment_body(data: bytes, version: int = 4) -> bytes:
    """An attachment's bytes in its binary message; ValueError when a v3 one lacks its head."""
    if version != 3:
        return data
    if data[:1] != V3_BINARY_HEAD:
        raise ValueError("an Engine.IO v3 binary message starts with its type 4")
    return data[1:]


def bytes_words(data: bytes) -> str:
    """Binary data as a row shows it: its size, and its first bytes in hex as the detail
    view shows bytes."""
    shown = data[:SHOWN_BYTES].hex(" ")
    more = " …" if len(data) > SHOWN_BYTES else ""
    return f"<{len(data)} bytes: {shown}{more}>" if data else "<0 bytes>"


def with_attachments(data: object, attachments: Sequence[bytes] | None) -> object:
    """`data` with each {"_placeholder": true, "num": N} in words: attachment N's bytes when
    they were read, else which attachment it stands for."""
    if isinstance(data, list):
        return [with_attachments(item, attachments) for item in data]
    if isinstance(data, dict):
        num = data.get("num")
        if data.get("_placeholder") is True and isinstance(num, int):
            if attachments is not None and 0 <= num < len(attachments):
                return bytes_words(attachments[num])
            return f"<binary attachment {num}>"
        return {key: with_attachments(value, attachments) for key, value in data.items()}
    return data


def with_bytes(value: object) -> object:
    """The composer's JSON with each {"$binary": "<base64>"} as its bytes; ValueError
    saying which one is not base64."""
    if isinstance(value, list):
        return [with_bytes(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {BINARY_KEY}:
            text = value[BINARY_KEY]
            try:
                return base64.b64decode(str(text), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"{BINARY_KEY} holds base64, not {text!r}") from None
        return {key: with_bytes(item) for key, item in value.items()}
    return value


def event_name(packet: Decoded) -> str:
    """An event's name as a row shows it: with its namespace unless that is /."""
    args = packet.data if isinstance(packet.data, list) else [packet.data]
    return shown_name(packet.namespace, str(args[0]) if args else "")


def shown_name(namespace: str, event: str) -> str:
    return event if namespace == "/" else f"{namespace} {event}"


def reading(
    data: str | bytes, version: int = 4, attachments: Sequence[bytes] | None = None
) -> Reading:
    """The row's reading of one message (a binary packet's arguments with `attachments`,
    its binary messages, when they are known); a message that isn't Socket.IO says why."""
    try:
        packet = decode(data, version)
    except (ValueError, json.JSONDecodeError) as exc:
        return Reading("raw", problem=str(exc))
    if packet.sio_type is None:
        if isinstance(packet.data, bytes):
            return Reading("attachment", value=bytes_words(packet.data))
        return Reading(EIO_KINDS[packet.eio_type], value=packet.data or None)
    kind = SIO_KINDS[packet.sio_type]
    namespace = packet.namespace
    if packet.sio_type in BINARY_TYPES:
        packet = _resolved(packet, attachments)
    if packet.sio_type in (sio.EVENT, sio.BINARY_EVENT):
        args = packet.data if isinstance(packet.data, list) else [packet.data]
        value: object = args[1] if len(args) == 2 else args[1:]
        return Reading(kind, event_name(packet), value, detail=_ack_words(packet))
    if packet.sio_type in (sio.ACK, sio.BINARY_ACK):
        answer = packet.data if isinstance(packet.data, list) else [packet.data]
        return Reading(kind, f"#{packet.ack_id}", answer[0] if len(answer) == 1 else answer)
    return Reading(kind, namespace, packet.data)


def _resolved(packet: Decoded, attachments: Sequence[bytes] | None) -> Decoded:
    return Decoded(
        packet.eio_type,
        with_attachments(packet.data, attachments),
        packet.sio_type,
        packet.namespace,
        packet.ack_id,
        packet.attachments,
    )


def _ack_words(packet: Decoded) -> str:
    words = [f"acknowledgement #{packet.ack_id} asked"] if packet.ack_id is not None else []
    if packet.attachments:
        words.append(f"{packet.attachments} binary attachment(s) follow")
    return ", ".join(words)


def encode_event(
    event: str, args: list[object], namespace: str = "/", ack_id: int | None = None
) -> tuple[str, list[bytes]]:
    """One emitted event: its packet's message, and its binary attachments' bytes (bytes
    among `args` make it a binary event; wire_attachment frames each)."""
    packet = sio.Packet(sio.EVENT, [event, *args], namespace=namespace, id=ack_id)
    encoded = packet.encode()
    parts = encoded if isinstance(encoded, list) else [encoded]
    return f"4{parts[0]}", [bytes(part) for part in parts[1:]]


def wire_attachment(body: bytes, version: int = 4) -> bytes:
    """An attachment's binary message (attachment_body's inverse)."""
    return V3_BINARY_HEAD + body if version == 3 else body


def encode_connect(namespace: str, auth: object) -> str:
    return "4" + str(sio.Packet(sio.CONNECT, auth, namespace=namespace).encode())


def encode_ack(namespace: str, ack_id: int, args: list[object]) -> str:
    return "4" + str(sio.Packet(sio.ACK, args, namespace=namespace, id=ack_id).encode())


PONG = "3"
PING = "2"
