"""Binary payloads decoded: MessagePack, CBOR, Protocol Buffers (with a .proto or raw).

Every decoder returns a Decoded (never raises): the value as JSON, or why it did not decode
and where. The libraries (msgpack, cbor2, protobuf, grpcio-tools) are imported when first
used, not at start-up.
"""

from wsinspector.core.decoders.result import Decoded
from wsinspector.core.decoders.settings import KIND_LABELS, DecoderKind, DecoderSettings

__all__ = ["KIND_LABELS", "Decoded", "DecoderKind", "DecoderSettings"]
