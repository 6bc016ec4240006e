"""One page's decoder: its settings, its compiled schema, and a cache of one-line results.

The log's Data column and the filter ask `line(data)` for binary payloads: the text the
decoder makes of it, or None when there is no decoder or the payload doesn't decode (the row
then shows the usual hex). Only rows on screen are asked, and answers are kept, so a
flood costs nothing while no one looks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from wsinspector.core.decoders.binary import cbor_liner, decode_cbor, decode_msgpack, msgpack_liner
from wsinspector.core.decoders.proto_schema import ProtoSchema
from wsinspector.core.decoders.protobuf import decode_raw, decode_with_schema
from wsinspector.core.decoders.result import Decoded, failed
from wsinspector.core.decoders.settings import DecoderKind, DecoderSettings

# One-line results kept: a few screens of rows, and the filter's recent look-ups.
CACHE_SIZE: Final = 4096
_MISSING: Final = object()
# Larger payloads are not decoded for a row or the filter (the detail view still does).
LINE_LIMIT: Final = 1024 * 1024


def decode(
    data: bytes,
    kind: DecoderKind,
    schema: ProtoSchema | None = None,
    message_type: str = "",
) -> Decoded:
    """`data` through the decoder `kind`; never raises."""
    try:
        if kind is DecoderKind.MSGPACK:
            return decode_msgpack(data)
        if kind is DecoderKind.CBOR:
            return decode_cbor(data)
        if kind is DecoderKind.PROTOBUF:
            if schema is not None and message_type:
                return decode_with_schema(data, schema, message_type)
            return decode_raw(data)
    except Exception as exc:  # a library surprise must not reach the window
        return failed(kind.value, f"{type(exc).__name__}: {exc}")
    return failed("anything", "no decoder chosen")


class PageDecoder:
    """A page's decoder with its schema (None: raw protobuf) and an LRU of one-line texts."""

    def __init__(self, settings: DecoderSettings, schema: ProtoSchema | None = None) -> None:
        self.settings = settings
        self.schema = schema
        # One-line texts by payload, oldest first (evicted first: popitem(last=False) is O(1)
        # where deleting a plain dict's first key, again and again, is not).
        self._lines: OrderedDict[bytes, str | None] = OrderedDict()
        self._liner = self._make_liner()

    @property
    def active(self) -> bool:
        return self.settings.active

    @property
    def message_type(self) -> str:
        return self.settings.message_type if self.schema is not None else ""

    def decode(self, data: bytes) -> Decoded:
        return decode(data, self.settings.kind, self.schema, self.message_type)

    def _make_liner(self) -> Callable[[bytes], str | None]:
        kind = self.settings.kind
        if kind is DecoderKind.MSGPACK:
            return msgpack_liner()
        if kind is DecoderKind.CBOR:
            return cbor_liner()

        def line(data: bytes) -> str | None:
            result = self.decode(data)
            return result.line() if result.ok else None

        return line

    def line(self, data: bytes) -> str | None:
        """The decoded payload on one line, or None (no decoder, too big, doesn't decode)."""
        if not self.settings.active or len(data) > LINE_LIMIT:
            return None
        lines = self._lines
        text = lines.get(data, _MISSING)
        if text is not _MISSING:
            return text  # type: ignore[return-value]
        try:
            text = self._liner(data)
        except Exception:  # a library surprise must not reach the window
            text = None
        if len(lines) >= CACHE_SIZE:
            lines.popitem(last=False)
        lines[data] = text
        return text


def decoded_preview(line: str, limit: int = 200) -> str:
    """A decoded payload's one-line text cut for a log row, like formatting.preview."""
    return line if len(line) <= limit else line[:limit] + "…"
