"""Socket.IO packets in and out of WebSocket messages, by python-engineio's and
python-socketio's packet modules; stateless, so a recorded session reads the same."""

from __future__ import annotations

import json
from dataclasses import dataclass

from engineio import packet as eio
from socketio import packet as sio

from wsinspector.core.protocols.base import Reading

EIO_KINDS = dict(enumerate(["open", "close", "ping", "pong", "message", "upgrade", "noop"]))
SIO_KINDS = dict(
    enumerate(["connect", "disconnect", "event", "ack", "connect error", "event", "ack"])
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """One message read: the Engine.IO packet type, and for a Socket.IO packet its parts."""

    eio_type: int
    data: object = None
    sio_type: int | None = None
    namespace: str = "/"
    ack_id: int | None = None
    attachments: int = 0


def decode(data: str | bytes) -> Decoded:
    """Raises ValueError when `data` is not an Engine.IO packet (or its Socket.IO packet is
    not one); a binary message is an attachment of the packet before it."""
    if isinstance(data, bytes):
        return Decoded(eio.MESSAGE, data)
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


def reading(data: str | bytes) -> Reading:
    """The row's reading of one message; a message that isn't Socket.IO says why."""
    try:
        packet = decode(data)
    except (ValueError, json.JSONDecodeError) as exc:
        return Reading("raw", problem=str(exc))
    if packet.sio_type is None:
        if isinstance(packet.data, bytes):
            return Reading("attachment", value=f"{len(packet.data)} bytes")
        return Reading(EIO_KINDS[packet.eio_type], value=packet.data or None)
    kind = SIO_KINDS[packet.sio_type]
    namespace = packet.namespace
    if packet.sio_type in (sio.EVENT, sio.BINARY_EVENT):
        args = packet.data if isinstance(packet.data, list) else [packet.data]
        name = str(args[0]) if args else ""
        value: object = args[1] if len(args) == 2 else args[1:]
        if namespace != "/":
            name = f"{namespace} {name}"
        return Reading(kind, name, value, detail=_ack_words(packet.ack_id, asked=True))
    if packet.sio_type in (sio.ACK, sio.BINARY_ACK):
        answer = packet.data if isinstance(packet.data, list) else [packet.data]
        return Reading(kind, f"#{packet.ack_id}", answer[0] if len(answer) == 1 else answer)
    return Reading(kind, namespace, packet.data)


def _ack_words(ack_id: int | None, *, asked: bool) -> str:
    return f"acknowledgement #{ack_id} asked" if ack_id is not None and asked else ""


def encode_event(
    event: str, args: list[object], namespace: str = "/", ack_id: int | None = None
) -> list[str | bytes]:
    """The messages of one emitted event: the packet, then any binary attachments."""
    packet = sio.Packet(sio.EVENT, [event, *args], namespace=namespace, id=ack_id)
    encoded = packet.encode()
    parts = encoded if isinstance(encoded, list) else [encoded]
    return [f"4{parts[0]}", *(bytes(part) for part in parts[1:])]


def encode_connect(namespace: str, auth: object) -> str:
    return "4" + str(sio.Packet(sio.CONNECT, auth, namespace=namespace).encode())


def encode_ack(namespace: str, ack_id: int, args: list[object]) -> str:
    return "4" + str(sio.Packet(sio.ACK, args, namespace=namespace, id=ack_id).encode())


PONG = "3"
PING = "2"
