"""Protocol Buffers payloads → JSON values, with a schema or by field number, never raising.

With a schema (proto_schema.ProtoSchema) the payload is parsed as the chosen message type and
written with protobuf's own JSON mapping (json_format: bytes as base64, 64-bit integers as
strings, enums by name). Without one it is parsed into an empty message, whose unknown
fields (protobuf's UnknownFieldSet) are the payload's fields by number: nothing here reads
the wire format by hand.
"""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING, Final

from wsinspector.core.decoders.result import Decoded, decoded, failed
from wsinspector.core.decoders.values import BYTES_NOTE, JsonValue, hex_string

if TYPE_CHECKING:
    from wsinspector.core.decoders.proto_schema import ProtoSchema

PROTOBUF: Final = "Protocol Buffers"
RAW_NOTE: Final = (
    "decoded without a schema: keys are field numbers; a length-delimited field is shown as "
    "text when it is UTF-8, as a message when it parses as one, else as bytes; " + BYTES_NOTE
)
SCHEMA_NOTE: Final = "protobuf's JSON mapping: bytes are shown as base64"

# Wire types (protobuf's encoding documentation).
_VARINT, _FIXED64, _LENGTH, _GROUP, _FIXED32 = 0, 1, 2, 3, 5
# Nested messages looked for at most this deep in a raw decoding.
_MAX_DEPTH: Final = 32


def decode_raw(data: bytes) -> Decoded:
    """The payload's fields by number, as protobuf itself parses them."""
    try:
        fields = _parse_unknown(data)
    except Exception as exc:  # DecodeError: the library names no offset
        # Parsed as an empty message: its type name would only puzzle.
        return failed(PROTOBUF, _reason(exc).replace(" with type 'google.protobuf.Empty'", ""))
    try:
        return decoded(PROTOBUF, _fields_value(fields, 0), RAW_NOTE)
    except RecursionError:
        return failed(PROTOBUF, "nested too deeply to show")


def decode_with_schema(data: bytes, schema: ProtoSchema, message_type: str) -> Decoded:
    """The payload as `message_type` of `schema`, in protobuf's JSON mapping."""
    try:
        from google.protobuf import json_format
    except ImportError:  # pragma: no cover - a dependency; said rather than raised
        return failed(PROTOBUF, "the protobuf library is not installed")
    name = f"{PROTOBUF} ({message_type})"
    try:
        message_class = schema.message_class(message_type)
    except KeyError:
        return failed(name, f"{schema.path} has no message type {message_type!r}")
    try:
        message = message_class.FromString(data)
        value = json_format.MessageToDict(message, preserving_proto_field_name=True)
    except Exception as exc:  # DecodeError, or an Any whose type the schema lacks
        return failed(name, _reason(exc))
    return decoded(name, value, SCHEMA_NOTE)


def _parse_unknown(data: bytes) -> list[tuple[int, int, object]]:
    from google.protobuf import empty_pb2
    from google.protobuf.unknown_fields import UnknownFieldSet

    message = empty_pb2.Empty()
    message.ParseFromString(data)
    return [(f.field_number, f.wire_type, f.data) for f in UnknownFieldSet(message)]


def _fields_value(fields: list[tuple[int, int, object]], depth: int) -> dict[str, JsonValue]:
    """Fields by number; a number that occurs more than once (repeated) gets a list."""
    grouped: dict[str, list[JsonValue]] = {}
    for number, wire_type, data in fields:
        grouped.setdefault(str(number), []).append(_field_value(wire_type, data, depth))
    return {key: values[0] if len(values) == 1 else list(values) for key, values in grouped.items()}


def _field_value(wire_type: int, data: object, depth: int) -> JsonValue:
    if wire_type == _VARINT and isinstance(data, int):
        return data
    if wire_type == _FIXED64 and isinstance(data, int):
        return {"fixed64": data, "double": _float(struct.pack("<Q", data), "<d")}
    if wire_type == _FIXED32 and isinstance(data, int):
        return {"fixed32": data, "float": _float(struct.pack("<I", data), "<f")}
    if wire_type == _LENGTH and isinstance(data, bytes):
        return _length_delimited(data, depth)
    if wire_type == _GROUP:
        try:
            group = [(f.field_number, f.wire_type, f.data) for f in data]  # type: ignore[attr-defined]
        except TypeError:
            return str(data)
        return {"group": _fields_value(group, depth + 1)}
    return str(data)


def _float(packed: bytes, layout: str) -> JsonValue:
    value: float = struct.unpack(layout, packed)[0]
    return value if math.isfinite(value) else str(value)


def _length_delimited(data: bytes, depth: int) -> JsonValue:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and _readable(text):
        return text
    if depth < _MAX_DEPTH and data:
        try:
            fields = _parse_unknown(data)
        except Exception:  # not a message: bytes
            fields = []
        if fields:
            return _fields_value(fields, depth + 1)
    return hex_string(data)


def _readable(text: str) -> bool:
    return text.replace("\n", "").replace("\r", "").replace("\t", "").isprintable()


def _reason(exc: BaseException) -> str:
    text = str(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
