"""MQTT 3.1.1 and 5 control packets, to bytes and back (OASIS MQTT 3.1.1 and 5.0, chapters 2
and 3). Pure functions: the connection's state lives in `protocol.py`.

Decoding gives JSON values for the log (`type` first, then the packet's fields); a payload is
text when it is UTF-8, else `payload_hex`. A password is never shown, only that one was sent.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable

from wsinspector.core.protocols.mqtt.properties import (
    MalformedPacket,
    Reader,
    binary,
    string,
    varint,
)


class Version(enum.IntEnum):
    """The protocol level byte of CONNECT."""

    V311 = 4
    V5 = 5


class Type(enum.IntEnum):
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15


# The fixed header flags every type but PUBLISH must carry (section 2.1.3).
_FIXED_FLAGS = {Type.PUBREL: 2, Type.SUBSCRIBE: 2, Type.UNSUBSCRIBE: 2}
_ACKS = (Type.PUBACK, Type.PUBREC, Type.PUBREL, Type.PUBCOMP)

# CONNACK's return codes in 3.1.1 (section 3.2.2.3).
CONNACK_311 = {
    0: "accepted",
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


def packet(kind: Type, body: bytes, flags: int | None = None) -> bytes:
    """One whole packet: the fixed header (type, flags, remaining length), then `body`."""
    first = (kind << 4) | (_FIXED_FLAGS.get(kind, 0) if flags is None else flags)
    return bytes([first]) + varint(len(body)) + body


def _no_properties(version: Version) -> bytes:
    return b"\x00" if version is Version.V5 else b""


def connect(
    version: Version,
    client_id: str,
    *,
    username: str = "",
    password: str = "",
    keepalive: int = 60,
    clean_start: bool = True,
) -> bytes:
    flags = 0x02 if clean_start else 0
    payload = string(client_id)
    if username:
        flags |= 0x80
        payload += string(username)
    if password:
        flags |= 0x40
        payload += binary(password.encode())
    header = string("MQTT") + bytes([version, flags]) + struct.pack("!H", keepalive)
    return packet(Type.CONNECT, header + _no_properties(version) + payload)


def publish(
    version: Version,
    topic: str,
    payload: bytes,
    *,
    qos: int = 0,
    retain: bool = False,
    packet_id: int = 0,
    dup: bool = False,
) -> bytes:
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = string(topic)
    if qos:
        body += struct.pack("!H", packet_id)
    return packet(Type.PUBLISH, body + _no_properties(version) + payload, flags)


def ack(kind: Type, packet_id: int) -> bytes:
    """PUBACK, PUBREC, PUBREL or PUBCOMP with success: in 5 too, a reason code of 0 and no
    properties may be left out (section 3.4.2.1)."""
    return packet(kind, struct.pack("!H", packet_id))


def subscribe(version: Version, packet_id: int, filters: Iterable[tuple[str, int]]) -> bytes:
    body = struct.pack("!H", packet_id) + _no_properties(version)
    for topic_filter, qos in filters:
        body += string(topic_filter) + bytes([qos])
    return packet(Type.SUBSCRIBE, body)


def unsubscribe(version: Version, packet_id: int, filters: Iterable[str]) -> bytes:
    body = struct.pack("!H", packet_id) + _no_properties(version)
    for topic_filter in filters:
        body += string(topic_filter)
    return packet(Type.UNSUBSCRIBE, body)


PINGREQ = packet(Type.PINGREQ, b"")
DISCONNECT = packet(Type.DISCONNECT, b"")


def split(buffer: bytes) -> tuple[list[bytes], bytes]:
    """The whole packets at the start of `buffer`, and what is left of a packet yet to end.

    MQTT over WebSocket does not align packets with messages (section 6.0): one message may
    hold several packets, or a part of one."""
    packets: list[bytes] = []
    pos = 0
    while pos < len(buffer):
        reader = Reader(buffer, pos + 1)
        try:
            length = reader.varint("remaining length")
        except MalformedPacket:
            if len(buffer) - pos > 4:
                raise
            break  # the length itself is cut
        end = reader.pos + length
        if end > len(buffer):
            break
        packets.append(buffer[pos:end])
        pos = end
    return packets, buffer[pos:]


def decode(data: bytes, version: Version) -> dict[str, object]:
    """One whole packet as JSON values; MalformedPacket says why it is not one."""
    if not data:
        raise MalformedPacket("an empty message")
    try:
        kind = Type(data[0] >> 4)
    except ValueError:
        raise MalformedPacket(f"packet type {data[0] >> 4} is reserved") from None
    flags = data[0] & 0x0F
    reader = Reader(data, 1)
    length = reader.varint("remaining length")
    if reader.left != length:
        raise MalformedPacket(f"remaining length {length}, but {reader.left} bytes follow")
    if kind is not Type.PUBLISH and flags != _FIXED_FLAGS.get(kind, 0):
        raise MalformedPacket(f"{kind.name} with reserved flags 0x{flags:x}")
    fields: dict[str, object] = {"type": kind.name}
    v5 = version is Version.V5
    if kind is Type.PUBLISH:
        _publish(reader, flags, v5, fields)
    elif kind is Type.CONNECT:
        _connect(reader, fields)
    elif kind is Type.CONNACK:
        fields["session_present"] = bool(reader.byte("acknowledge flags") & 1)
        code = reader.byte("return code")
        fields["reason_code" if v5 else "return_code"] = code
        if not v5:
            fields["meaning"] = CONNACK_311.get(code, "reserved")
        elif reader.left:
            fields["properties"] = reader.properties()
    elif kind in _ACKS:
        fields["packet_id"] = reader.u16("packet identifier")
        if v5 and reader.left:
            fields["reason_code"] = reader.byte("reason code")
            if reader.left:
                fields["properties"] = reader.properties()
    elif kind in (Type.SUBSCRIBE, Type.UNSUBSCRIBE):
        _subscribe(reader, kind, v5, fields)
    elif kind in (Type.SUBACK, Type.UNSUBACK):
        fields["packet_id"] = reader.u16("packet identifier")
        if v5:
            fields["properties"] = reader.properties()
        if v5 or kind is Type.SUBACK:
            fields["reason_codes" if v5 else "return_codes"] = list(reader.rest())
    elif kind in (Type.DISCONNECT, Type.AUTH) and v5 and reader.left:
        fields["reason_code"] = reader.byte("reason code")
        if reader.left:
            fields["properties"] = reader.properties()
    if reader.left:
        raise MalformedPacket(f"{kind.name}: {reader.left} bytes more than its fields")
    return fields


def _publish(reader: Reader, flags: int, v5: bool, fields: dict[str, object]) -> None:
    qos = (flags >> 1) & 3
    if qos == 3:
        raise MalformedPacket("PUBLISH with QoS 3")
    fields["topic"] = reader.string("topic name")
    fields["qos"] = qos
    fields["retain"] = bool(flags & 1)
    fields["dup"] = bool(flags & 8)
    if qos:
        fields["packet_id"] = reader.u16("packet identifier")
    if v5:
        fields["properties"] = reader.properties()
    payload = reader.rest()
    try:
        fields["payload"] = payload.decode()
    except UnicodeDecodeError:
        fields["payload_hex"] = payload.hex()


def _connect(reader: Reader, fields: dict[str, object]) -> None:
    fields["protocol_name"] = reader.string("protocol name")
    level = reader.byte("protocol level")
    fields["protocol_level"] = level
    flags = reader.byte("connect flags")
    fields["clean_start"] = bool(flags & 0x02)
    fields["keepalive"] = reader.u16("keep alive")
    if level == Version.V5:
        fields["properties"] = reader.properties()
    fields["client_id"] = reader.string("client identifier")
    if flags & 0x04:
        if level == Version.V5:
            fields["will_properties"] = reader.properties()
        fields["will_topic"] = reader.string("will topic")
        fields["will_payload_hex"] = reader.binary("will payload").hex()
        fields["will_qos"] = (flags >> 3) & 3
        fields["will_retain"] = bool(flags & 0x20)
    if flags & 0x80:
        fields["username"] = reader.string("user name")
    if flags & 0x40:
        reader.binary("password")
        fields["password"] = "(sent)"


def _subscribe(reader: Reader, kind: Type, v5: bool, fields: dict[str, object]) -> None:
    fields["packet_id"] = reader.u16("packet identifier")
    if v5:
        fields["properties"] = reader.properties()
    filters: list[object] = []
    while reader.left:
        topic_filter = reader.string("topic filter")
        if kind is Type.SUBSCRIBE:
            options = reader.byte("subscription options")
            filters.append({"filter": topic_filter, "qos": options & 3})
        else:
            filters.append(topic_filter)
    if not filters:
        raise MalformedPacket(f"{kind.name} without a topic filter")
    fields["filters"] = filters
