"""The decoders checked end to end, for `wsinspector --self-check`: a built bundle that lacks
msgpack, cbor2, protobuf, protoc or protoc's well-known .proto files fails here."""

from __future__ import annotations

import tempfile
from pathlib import Path

from wsinspector.core.decoders.page import decode
from wsinspector.core.decoders.proto_schema import load_proto
from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.decoders.text import encode_json

_PROTO = """\
syntax = "proto3";
package selfcheck;
import "google/protobuf/timestamp.proto";
message Ping { string text = 1; google.protobuf.Timestamp at = 2; }
"""


def check_decoders() -> str:
    """Encode and decode one value in each format; ValueError says which one failed."""
    value = {"text": "self-check", "n": [1, 2]}
    for kind in (DecoderKind.MSGPACK, DecoderKind.CBOR):
        result = decode(encode_json('{"text": "self-check", "n": [1, 2]}', kind), kind)
        if result.value != value:
            raise ValueError(f"{kind.value}: {result.reason() or result.value!r}")
    with tempfile.TemporaryDirectory(prefix="wsinspector-check-") as folder:
        path = Path(folder) / "ping.proto"
        path.write_text(_PROTO, encoding="utf-8")
        schema = load_proto(str(path))
    message = schema.message_class("selfcheck.Ping")(text="self-check")
    message.at.seconds = 1
    data = message.SerializeToString()
    typed = decode(data, DecoderKind.PROTOBUF, schema, "selfcheck.Ping")
    if typed.value != {"text": "self-check", "at": "1970-01-01T00:00:01Z"}:
        raise ValueError(f"protobuf: {typed.reason() or typed.value!r}")
    raw = decode(data, DecoderKind.PROTOBUF)
    if raw.value != {"1": "self-check", "2": {"1": 1}}:
        raise ValueError(f"raw protobuf: {raw.reason() or raw.value!r}")
    return "MessagePack, CBOR and Protocol Buffers (a .proto compiled by protoc) decode"
