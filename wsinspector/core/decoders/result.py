"""What a decoder gives: the value as JSON text, or why the payload did not decode."""

from __future__ import annotations

from dataclasses import dataclass

from wsinspector.core.decoders.values import JsonValue, one_line, pretty

# Bytes shown in the hex fallback of a payload that did not decode (the detail view's Hex
# mode shows the rest).
FALLBACK_HEX_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Decoded:
    """One payload through one decoder. Never an exception: `error` says what went wrong.

    ok: `value` is the decoded value as JSON (see values.to_json_value), `note` says how
    bytes are written. Not ok: `error` is the reason, `offset` the byte where the decoder
    stopped when the library tells it (else None).
    """

    format: str
    value: JsonValue = None
    error: str = ""
    offset: int | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def text(self) -> str:
        """Indented JSON, or "" when the payload did not decode."""
        return pretty(self.value) if self.ok else ""

    def line(self) -> str:
        """One line of JSON (for the log's Data column and the filter), "" if not ok."""
        return one_line(self.value) if self.ok else ""

    def reason(self) -> str:
        """Why it did not decode, in one sentence: "Not CBOR: premature end … (at byte 33)"."""
        if self.ok:
            return ""
        where = f" (at byte {self.offset})" if self.offset is not None else ""
        return f"Not {self.format}: {self.error}{where}"


def failed(format_name: str, error: str, offset: int | None = None) -> Decoded:
    return Decoded(format_name, error=error or "the library gave no reason", offset=offset)


def decoded(format_name: str, value: object, note: str = "") -> Decoded:
    """A decoded value made JSON; a value too deeply nested becomes a failure."""
    from wsinspector.core.decoders.values import to_json_value

    try:
        return Decoded(format_name, to_json_value(value), note=note)
    except RecursionError:
        return failed(format_name, "nested too deeply to show")
