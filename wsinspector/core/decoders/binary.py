"""MessagePack (msgpack) and CBOR (cbor2) payloads → JSON values, never raising.

Both libraries read from a stream here, not a whole buffer, so that a failure can say at
which byte they stopped, and data left over after the first value is reported instead of
silently ignored (cbor2.loads ignores it).
"""

from __future__ import annotations

import io

from wsinspector.core.decoders.result import Decoded, decoded, failed
from wsinspector.core.decoders.values import BYTES_NOTE

MSGPACK = "MessagePack"
CBOR = "CBOR"


def decode_msgpack(data: bytes) -> Decoded:
    try:
        import msgpack
    except ImportError:  # pragma: no cover - a dependency; said rather than raised
        return failed(MSGPACK, "the msgpack library is not installed")
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=max(len(data), 1))
    unpacker.feed(data)
    try:
        value = unpacker.unpack()
    except msgpack.OutOfData:
        return failed(MSGPACK, "the data ends before the value does (truncated)", len(data))
    except RecursionError:
        return failed(MSGPACK, "nested too deeply to show")
    except msgpack.FormatError:
        offset = unpacker.tell()
        first = f"byte 0x{data[offset]:02x}" if offset < len(data) else "a byte"
        return failed(MSGPACK, f"{first} starts no MessagePack value", offset)
    except Exception as exc:  # StackError, UnicodeDecodeError, unhashable keys
        return failed(MSGPACK, _reason(exc), unpacker.tell())
    end = unpacker.tell()
    if end < len(data):
        return failed(MSGPACK, _extra(len(data) - end), end)
    return decoded(MSGPACK, value, BYTES_NOTE)


def decode_cbor(data: bytes) -> Decoded:
    try:
        import cbor2
    except ImportError:  # pragma: no cover - a dependency; said rather than raised
        return failed(CBOR, "the cbor2 library is not installed")
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except RecursionError:
        return failed(CBOR, "nested too deeply to show")
    except Exception as exc:  # CBORDecodeError and anything a tag hook raises
        offset = stream.tell()
        if isinstance(exc, cbor2.CBORDecodeEOF):
            return failed(CBOR, f"truncated: {exc}", offset)
        return failed(CBOR, _reason(exc), offset)
    end = stream.tell()
    if end < len(data):
        return failed(CBOR, _extra(len(data) - end), end)
    return decoded(CBOR, value, BYTES_NOTE)


def _extra(count: int) -> str:
    return f"{count} byte{'s' if count != 1 else ''} of extra data after the value"


def _reason(exc: BaseException) -> str:
    text = str(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
