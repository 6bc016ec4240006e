"""Decoded values as JSON: what MessagePack, CBOR and protobuf give, made readable.

orjson writes the one-line form: the log's rows and the filter ask for it often, and it is
about 50 times faster than the json module. (It writes NaN as null there, where the detail
view, which uses to_json_value, says "nan".)

JSON has no bytes, no non-string keys, no NaN, no dates and no tags, so each of those gets a
stand-in that says what it was: bytes become "0x…" hex strings (BYTES_NOTE), a non-string
map key its JSON text, a datetime its ISO form, a CBOR tag {"tag": n, "value": …}, a
MessagePack extension {"ext": code, "data": "0x…"}. The result is strict JSON, so the JSON
tree can show it.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping
from typing import Final

import orjson

BYTES_NOTE: Final = "bytes are shown as 0x… hex"

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def hex_string(data: bytes | bytearray | memoryview) -> str:
    return "0x" + bytes(data).hex()


def to_json_value(value: object) -> JsonValue:
    """`value` with every part JSON can't hold replaced by a readable stand-in.

    Deep nesting raises RecursionError, which the decoders turn into a reason.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return hex_string(value)
    if isinstance(value, Mapping):
        return {_key(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, list) or type(value) is tuple:  # not a named tuple (ExtType)
        return [to_json_value(item) for item in value]
    if isinstance(value, set | frozenset):
        items = [to_json_value(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return _library_value(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    converted = to_json_value(key)
    return converted if isinstance(converted, str) else json.dumps(converted)


def _library_value(value: object) -> JsonValue:
    """Values of the decoding libraries' own types, found by their attributes (so that
    this module needs neither library), else their str()."""
    kind = type(value).__name__
    if kind == "CBORTag":
        return {"tag": getattr(value, "tag", None), "value": to_json_value(value.value)}  # type: ignore[attr-defined]
    if kind == "CBORSimpleValue":
        return {"simple": getattr(value, "value", None)}
    if kind == "ExtType":
        return {"ext": value.code, "data": hex_string(value.data)}  # type: ignore[attr-defined]
    if kind == "Timestamp" and hasattr(value, "to_datetime"):
        try:
            return str(value.to_datetime().isoformat())
        except (OverflowError, ValueError, OSError):
            return str(value)
    return str(value)


def pretty(value: JsonValue) -> str:
    """Indented JSON text, non-ASCII kept as it is."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def one_line(value: JsonValue) -> str:
    """Compact JSON on one line ({"a":1,"b":[2,3]}), the way most servers write it."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):  # an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def fast_line(value: object) -> str | None:
    """one_line(to_json_value(value)), at orjson's speed for the common case (the log's
    rows and the filter ask for many); None when the value is nested too deeply."""
    try:
        return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):
        pass
    try:
        return one_line(to_json_value(value))
    except RecursionError:
        return None


def _default(value: object) -> JsonValue:
    """What orjson can't write (bytes, tags, extensions, sets): the same stand-ins."""
    return to_json_value(value)
