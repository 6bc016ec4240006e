"""MessagePack (msgpack) and CBOR (cbor2) payloads → JSON values, never raising.

Both libraries read from a stream here, not a whole buffer, so that a failure can say at
which byte they stopped, and data left over after the first value is reported instead of
silently ignored (cbor2.loads ignores it).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, Final

from wsinspector.core.decoders.result import Decoded, decoded, failed
from wsinspector.core.decoders.values import BYTES_NOTE, fast_line

MSGPACK = "MessagePack"
CBOR = "CBOR"
# Strings as str (bytes only for MessagePack's bin type), any key type a map may use.
_MSGPACK_OPTIONS: Final[dict[str, Any]] = {"raw": False, "strict_map_key": False}


def decode_msgpack(data: bytes) -> Decoded:
    try:
        import msgpack
    except ImportError:  # pragma: no cover - a dependency; said rather than raised
        return failed(MSGPACK, "the msgpack library is not installed")
    try:  # the quick way; a failure is read again below to say where
        return decoded(MSGPACK, msgpack.unpackb(data, **_MSGPACK_OPTIONS), BYTES_NOTE)
    except msgpack.ExtraData as exc:
        return failed(MSGPACK, _extra(len(exc.extra)), len(data) - len(exc.extra))
    except Exception:  # found again, with its offset, by the Unpacker
        pass
    unpacker = msgpack.Unpacker(max_buffer_size=max(len(data), 1), **_MSGPACK_OPTIONS)
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


def msgpack_liner() -> Callable[[bytes], str | None]:
    """A function: payload → one line of JSON, or None when it is not (exactly) one value.

    Made once per page decoder, with the library bound: it runs for every row shown and
    every message the filter tests.
    """
    import msgpack

    unpackb = msgpack.unpackb

    def line(data: bytes) -> str | None:
        try:
            value = unpackb(data, raw=False, strict_map_key=False)
        except Exception:  # any failure: the row shows hex, the detail view says why
            return None
        return fast_line(value)

    return line


def cbor_liner() -> Callable[[bytes], str | None]:
    """Like msgpack_liner, for CBOR."""
    import cbor2

    decoder_class = cbor2.CBORDecoder

    def line(data: bytes) -> str | None:
        stream = io.BytesIO(data)
        try:
            value = decoder_class(stream).decode()
        except Exception:  # any failure: the row shows hex, the detail view says why
            return None
        return fast_line(value) if stream.tell() == len(data) else None

    return line


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
