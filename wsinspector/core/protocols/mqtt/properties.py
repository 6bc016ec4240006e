"""MQTT 5's properties (OASIS MQTT 5.0, section 2.2.2): the identifiers, their value types,
and the primitive encodings they share with every packet (section 1.5)."""

from __future__ import annotations

import enum
import struct


class MalformedPacket(ValueError):
    """A packet that does not follow the specification; the message says where."""


class Kind(enum.Enum):
    BYTE = enum.auto()
    U16 = enum.auto()
    U32 = enum.auto()
    VARINT = enum.auto()
    STRING = enum.auto()
    BINARY = enum.auto()
    PAIR = enum.auto()


# identifier → (name, kind), from the table in section 2.2.2.2.
PROPERTIES: dict[int, tuple[str, Kind]] = {
    0x01: ("payload_format_indicator", Kind.BYTE),
    0x02: ("message_expiry_interval", Kind.U32),
    0x03: ("content_type", Kind.STRING),
    0x08: ("response_topic", Kind.STRING),
    0x09: ("correlation_data", Kind.BINARY),
    0x0B: ("subscription_identifier", Kind.VARINT),
    0x11: ("session_expiry_interval", Kind.U32),
    0x12: ("assigned_client_identifier", Kind.STRING),
    0x13: ("server_keep_alive", Kind.U16),
    0x15: ("authentication_method", Kind.STRING),
    0x16: ("authentication_data", Kind.BINARY),
    0x17: ("request_problem_information", Kind.BYTE),
    0x18: ("will_delay_interval", Kind.U32),
    0x19: ("request_response_information", Kind.BYTE),
    0x1A: ("response_information", Kind.STRING),
    0x1C: ("server_reference", Kind.STRING),
    0x1F: ("reason_string", Kind.STRING),
    0x21: ("receive_maximum", Kind.U16),
    0x22: ("topic_alias_maximum", Kind.U16),
    0x23: ("topic_alias", Kind.U16),
    0x24: ("maximum_qos", Kind.BYTE),
    0x25: ("retain_available", Kind.BYTE),
    0x26: ("user_property", Kind.PAIR),
    0x27: ("maximum_packet_size", Kind.U32),
    0x28: ("wildcard_subscription_available", Kind.BYTE),
    0x29: ("subscription_identifier_available", Kind.BYTE),
    0x2A: ("shared_subscription_available", Kind.BYTE),
}

VARINT_MAX = 268_435_455


def varint(value: int) -> bytes:
    """A Variable Byte Integer (section 1.5.5): 7 bits a byte, least significant first."""
    if not 0 <= value <= VARINT_MAX:
        raise ValueError(f"{value} does not fit a variable byte integer")
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def string(text: str) -> bytes:
    """A UTF-8 Encoded String: two bytes of length, then the bytes."""
    return binary(text.encode())


def binary(data: bytes) -> bytes:
    if len(data) > 0xFFFF:
        raise ValueError(f"{len(data)} bytes is more than a string or binary field holds (65535)")
    return struct.pack("!H", len(data)) + data


class Reader:
    """Reads a packet's fields in order; MalformedPacket when the bytes run out or are wrong."""

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    @property
    def left(self) -> int:
        return self.end - self.pos

    def take(self, count: int, what: str) -> bytes:
        if count > self.left:
            raise MalformedPacket(f"{what}: needs {count} bytes, {self.left} left")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        value: int = struct.unpack("!H", self.take(2, what))[0]
        return value

    def u32(self, what: str) -> int:
        value: int = struct.unpack("!I", self.take(4, what))[0]
        return value

    def varint(self, what: str) -> int:
        value = 0
        for shift in range(0, 28, 7):
            digit = self.byte(what)
            value |= (digit & 0x7F) << shift
            if not digit & 0x80:
                return value
        raise MalformedPacket(f"{what}: a variable byte integer longer than 4 bytes")

    def binary(self, what: str) -> bytes:
        return self.take(self.u16(what), what)

    def string(self, what: str) -> str:
        raw = self.binary(what)
        try:
            return raw.decode()
        except UnicodeDecodeError as exc:
            raise MalformedPacket(f"{what}: not UTF-8 ({exc.reason})") from None

    def rest(self) -> bytes:
        return self.take(self.left, "payload")

    def properties(self) -> dict[str, object]:
        """A property list (length first); binary values as hex, user properties as pairs."""
        length = self.varint("property length")
        inner = Reader(self.data, self.pos, self.pos + length)
        if inner.end > self.end:
            raise MalformedPacket(f"properties: {length} bytes announced, {self.left} left")
        self.pos = inner.end
        found: dict[str, object] = {}
        while inner.left:
            ident = inner.varint("property identifier")
            if ident not in PROPERTIES:
                raise MalformedPacket(f"unknown property identifier 0x{ident:02x}")
            name, kind = PROPERTIES[ident]
            value = inner.value(kind, name)
            if kind is Kind.PAIR:
                pairs = found.setdefault(name, [])
                assert isinstance(pairs, list)
                pairs.append(value)
            else:
                found[name] = value
        return found

    def value(self, kind: Kind, name: str) -> object:
        if kind is Kind.BYTE:
            return self.byte(name)
        if kind is Kind.U16:
            return self.u16(name)
        if kind is Kind.U32:
            return self.u32(name)
        if kind is Kind.VARINT:
            return self.varint(name)
        if kind is Kind.STRING:
            return self.string(name)
        if kind is Kind.BINARY:
            return self.binary(name).hex()
        return [self.string(name), self.string(name)]
