"""The detail view's decoded modes: a message read as MessagePack, CBOR, Protocol Buffers
(raw, or with the page's .proto message type) or, for text, base64.

Pure functions over core.decoders: which modes a message gets, which one a page's decoder
prefers, and the body a mode shows (indented JSON, plus the same value for the JSON tree when
it is an object or an array; or why it did not decode, with a hex dump instead).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Final

from wsinspector.core.decoders.page import PageDecoder, decode
from wsinspector.core.decoders.result import FALLBACK_HEX_LIMIT, Decoded
from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.decoders.text import decode_base64
from wsinspector.core.log.events import MessageEvent
from wsinspector.core.text.formatting import hex_dump, human_size, pretty_json

MODE_MSGPACK: Final = "MessagePack"
MODE_CBOR: Final = "CBOR"
MODE_PROTOBUF_RAW: Final = "Protobuf (raw)"
MODE_PROTOBUF_SCHEMA: Final = "Protobuf: "  # followed by the message type
MODE_BASE64: Final = "Base64-decoded"
# Decoding makes a Python value and its JSON text: bounded like the JSON mode's pretty print.
DECODE_LIMIT: Final = 1024 * 1024

_BASE64_TEXT: Final = re.compile(rb"[A-Za-z0-9+/_-]{8,}={0,2}")
_KIND_MODE: Final = {DecoderKind.MSGPACK: MODE_MSGPACK, DecoderKind.CBOR: MODE_CBOR}


@dataclass(frozen=True, slots=True)
class DecodedBody:
    text: str
    ok: bool
    notices: list[str] = field(default_factory=list)
    tree: bytes | None = None  # the value as JSON for the tree, when it has members


def decoded_modes(event: MessageEvent, decoder: PageDecoder | None) -> list[str]:
    """The decoded modes `event` is offered: base64 for text that looks like it, every
    binary decoder for binary messages (the ones that fail say why)."""
    if event.text:
        return [MODE_BASE64] if looks_like_base64(event.data) else []
    modes = [MODE_MSGPACK, MODE_CBOR, MODE_PROTOBUF_RAW]
    if decoder is not None and decoder.schema is not None and decoder.message_type:
        modes.append(MODE_PROTOBUF_SCHEMA + decoder.message_type)
    return modes


def looks_like_base64(data: bytes) -> bool:
    """Text of 8 base64 characters or more (either alphabet), nothing else but padding."""
    return len(data) <= DECODE_LIMIT and _BASE64_TEXT.fullmatch(data.strip()) is not None


def is_decoded_mode(mode: str) -> bool:
    return mode in (MODE_MSGPACK, MODE_CBOR, MODE_PROTOBUF_RAW, MODE_BASE64) or mode.startswith(
        MODE_PROTOBUF_SCHEMA
    )


def preferred_mode(event: MessageEvent, decoder: PageDecoder | None) -> str | None:
    """The mode a binary message opens in when the page has a decoder."""
    if event.text or decoder is None or not decoder.active:
        return None
    kind = decoder.settings.kind
    if kind is DecoderKind.PROTOBUF:
        if decoder.schema is not None and decoder.message_type:
            return MODE_PROTOBUF_SCHEMA + decoder.message_type
        return MODE_PROTOBUF_RAW
    return _KIND_MODE.get(kind)


def decoded_body(event: MessageEvent, mode: str, decoder: PageDecoder | None) -> DecodedBody:
    data = event.data
    if event.size > DECODE_LIMIT:
        return _fallback(
            data,
            f"Not decoded: messages over {human_size(DECODE_LIMIT)} are decoded only by "
            "“Save message…” and a tool of your choice.",
        )
    if mode == MODE_BASE64:
        return _base64_body(data)
    if mode == MODE_MSGPACK:
        result = decode(data, DecoderKind.MSGPACK)
    elif mode == MODE_CBOR:
        result = decode(data, DecoderKind.CBOR)
    elif mode.startswith(MODE_PROTOBUF_SCHEMA) and decoder is not None:
        result = decode(
            data, DecoderKind.PROTOBUF, decoder.schema, mode.removeprefix(MODE_PROTOBUF_SCHEMA)
        )
    else:
        result = decode(data, DecoderKind.PROTOBUF)
    return _result_body(data, result)


def _result_body(data: bytes, result: Decoded) -> DecodedBody:
    if not result.ok:
        return _fallback(data, result.reason())
    tree = None
    if isinstance(result.value, dict | list) and result.value:
        tree = json.dumps(result.value, ensure_ascii=False).encode()
    notices = [f"{result.format}: {result.note}"] if result.note else []
    return DecodedBody(result.text(), True, notices, tree)


def _base64_body(data: bytes) -> DecodedBody:
    result, raw = decode_base64(data)
    if raw is None:
        return _fallback(data, result.reason())
    notice = f"base64-decoded: {human_size(len(raw))}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return DecodedBody(hex_dump(raw[:FALLBACK_HEX_LIMIT]), False, [f"{notice}, shown as hex"])
    pretty = pretty_json(text) if len(raw) <= DECODE_LIMIT else None
    if pretty is None:
        return DecodedBody(text, True, [f"{notice} of UTF-8 text"])
    value = json.loads(text)
    tree = raw if isinstance(value, dict | list) and value else None
    return DecodedBody(pretty, True, [f"{notice} of JSON"], tree)


def _fallback(data: bytes, reason: str) -> DecodedBody:
    shown = data[:FALLBACK_HEX_LIMIT]
    more = "" if len(shown) == len(data) else f" (the first {human_size(len(shown))})"
    return DecodedBody(hex_dump(shown), False, [f"⚠ {reason}", f"Shown as hex{more}."])
