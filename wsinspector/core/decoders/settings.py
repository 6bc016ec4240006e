"""How a page decodes its binary messages: a format, and for Protocol Buffers a schema.

Kept apart from the decoders themselves so that ConnectionOptions (and profiles) can hold a
DecoderSettings without importing msgpack, cbor2 or protobuf at start-up.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DecoderKind(enum.StrEnum):
    NONE = "none"
    MSGPACK = "msgpack"
    CBOR = "cbor"
    PROTOBUF = "protobuf"


# What the decoder box and the detail view call each format.
KIND_LABELS: dict[DecoderKind, str] = {
    DecoderKind.NONE: "None",
    DecoderKind.MSGPACK: "MessagePack",
    DecoderKind.CBOR: "CBOR",
    DecoderKind.PROTOBUF: "Protocol Buffers",
}


@dataclass(frozen=True, slots=True)
class DecoderSettings:
    """A page's decoder. For PROTOBUF, `proto_file` "" means raw decoding by field number,
    else `message_type` (a full name, "pkg.Msg") is read with that file's schema."""

    kind: DecoderKind = DecoderKind.NONE
    proto_file: str = ""
    message_type: str = ""

    @property
    def active(self) -> bool:
        return self.kind is not DecoderKind.NONE
