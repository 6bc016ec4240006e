"""Text payloads read as base64, and JSON text encoded as MessagePack or CBOR for sending."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Final

from wsinspector.core.app.errors import InputError
from wsinspector.core.decoders.result import Decoded, failed
from wsinspector.core.decoders.settings import DecoderKind

BASE64: Final = "base64"


def decode_base64(data: bytes) -> tuple[Decoded, bytes | None]:
    """(the outcome, the decoded bytes or None). Standard and URL-safe alphabets, padding
    optional, surrounding whitespace ignored."""
    text = data.strip()
    if b"-" in text or b"_" in text:
        text = text.replace(b"-", b"+").replace(b"_", b"/")
    text += b"=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        return failed(BASE64, str(exc)), None
    return Decoded(BASE64), raw


ENCODINGS: Final = (DecoderKind.MSGPACK, DecoderKind.CBOR)


def encode_json(text: str, kind: DecoderKind) -> bytes:
    """The JSON document `text` encoded as `kind` (MSGPACK or CBOR).

    InputError (a ValueError) says why not: invalid JSON (with line and column), or a value
    the format can't hold (an integer too big for MessagePack).
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    try:
        if kind is DecoderKind.MSGPACK:
            import msgpack

            packed: bytes = msgpack.packb(value, use_bin_type=True)
            return packed
        if kind is DecoderKind.CBOR:
            import cbor2

            return cbor2.dumps(value)
    except (OverflowError, ValueError, TypeError) as exc:
        raise InputError(f"can't encode as {kind.value}: {exc}") from None
    raise ValueError(f"no encoding to {kind.value}")
