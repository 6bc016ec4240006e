"""Turning payloads and numbers into text for people: previews, hex dumps, pretty JSON, sizes.

Pure functions with no Qt, so the log view, the detail view and exports share one wording.
Everything that runs per log row is bounded by its `limit`, never by the payload size:
a 16 MiB message costs a preview no more than a 16 byte one.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import datetime
from typing import Final, Protocol

from wsinspector.core.app.errors import InputError

# Above this many characters pretty_json() does not even try: parsing and re-indenting
# megabytes in the UI thread would freeze the window for seconds.
MAX_JSON_CHARS: Final = 8 * 1024 * 1024

INVALID_UTF8_PREFIX: Final = "⚠ invalid UTF-8: "
ELLIPSIS: Final = "…"

_BYTES_PER_LINE: Final = 16


def _visible_table() -> dict[int, str]:
    # A log row is one line: line breaks would make it taller, other control characters are
    # invisible or break layout, so each gets a visible stand-in (Unicode "control pictures").
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[ord("\n")] = "↵"
    table[ord("\t")] = " "
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):
        table[code] = "·"
    for code in (0x85, 0x2028, 0x2029):  # Qt breaks lines at these too
        table[code] = "↵"
    return table


_VISIBLE: Final = _visible_table()


class Payload(Protocol):
    """What a preview needs of a message: its bytes and whether it is text."""

    @property
    def text(self) -> bool: ...

    @property
    def data(self) -> bytes: ...


def preview(event: Payload, limit: int = 200) -> str:
    """A one-line preview of a message for a log row, at most `limit` characters plus "…".

    Only the first `limit * 4` bytes are looked at (no UTF-8 character is longer), so a text
    message is reported as invalid UTF-8 only when the bad bytes are within that window.
    """
    if limit < 1:
        raise ValueError(f"preview limit must be at least 1, got {limit}")
    if not event.text:
        return _binary_preview(event.data, limit)
    return _text_preview(event.data, limit)


def _binary_preview(data: bytes, limit: int) -> str:
    count = max(1, limit // 3)  # "xx " is three characters per byte
    shown = data[:count].hex(" ")
    return f"{shown} {ELLIPSIS}" if len(data) > count else shown


def _text_preview(data: bytes, limit: int) -> str:
    window = data[: limit * 4]
    complete = len(window) == len(data)
    valid = _is_valid_utf8_prefix(window, final=complete)
    # The incremental decoder keeps a character cut at the window's end back instead of
    # turning it into U+FFFD, which would look like corruption that is not there.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(window, final=complete).translate(_VISIBLE)
    if len(text) > limit or not complete:
        text = text[:limit] + ELLIPSIS
    return text if valid else INVALID_UTF8_PREFIX + text


def _is_valid_utf8_prefix(data: bytes, *, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8 (a text message may not be: some servers send others)."""
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


# Printable ASCII stays, everything else becomes "." in the dump's character column.
_ASCII_COLUMN: Final = bytes(b if 0x20 <= b < 0x7F else ord(".") for b in range(256))


def hex_dump(data: bytes, limit: int | None = None, offset: int = 0) -> str:
    """A classic 16-bytes-per-line dump: offset, hex bytes in two groups of 8, ASCII column.

    With `limit`, only the first `limit` bytes are dumped and a last line tells how many
    were left out. `offset` is the address printed for data[0], for dumping a payload piece
    by piece.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"hex dump limit must not be negative, got {limit}")
    shown = data if limit is None else data[:limit]
    lines = [
        _hex_line(offset + start, shown[start : start + _BYTES_PER_LINE])
        for start in range(0, len(shown), _BYTES_PER_LINE)
    ]
    hidden = len(data) - len(shown)
    if hidden:
        lines.append(f"{ELLIPSIS} {hidden:,} more bytes not shown ({human_size(len(data))} in all)")
    return "\n".join(lines)


def _hex_line(offset: int, chunk: bytes) -> str:
    left = chunk[:8].hex(" ")
    right = chunk[8:].hex(" ")
    chars = chunk.translate(_ASCII_COLUMN).decode("ascii")
    return f"{offset:08x}  {left:<23}  {right:<23}  |{chars}|"


# One JSON token: a string (escapes included), a structural character, or a bare literal
# (number, true, false, null). Whitespace between tokens is skipped by the re-indenter.
_JSON_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL)


def pretty_json(text: str) -> str | None:
    """`text` indented by 2 spaces when it is JSON (object, array or scalar), else None.

    The tokens are re-indented as written instead of being parsed and dumped again: an
    inspector must show what was sent, so duplicate keys, key order and number spellings
    (1.0e3, 0.1000000000000000055, integers beyond 2**64) survive. Only escaped strings are
    rewritten, the way json.dumps(ensure_ascii=False) would: "\u00e9" reads better as "é".
    """
    if len(text) > MAX_JSON_CHARS or not _is_json(text):
        return None
    return _reindent(text)


def _is_json(text: str) -> bool:
    try:
        json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return False
    return True


def _reject_constant(name: str) -> object:
    # json accepts NaN and Infinity, which no other JSON parser will: not JSON, then.
    raise ValueError(f"{name} is not JSON")


_OPENERS: Final = frozenset("{[")


def _reindent(text: str) -> str:
    # Hot for big documents, hence one flat loop over findall() and a cached indent per depth.
    out: list[str] = []
    append = out.append
    depth = 0
    breaks = ["\n"]  # breaks[d]: newline plus the indent of depth d
    for token in _JSON_TOKEN.findall(text):
        first = token[0]
        if first == ",":
            append(",")
            append(breaks[depth])
        elif first == ":":
            append(": ")
        elif first in _OPENERS:
            depth += 1
            if depth == len(breaks):
                breaks.append(breaks[-1] + "  ")
            append(first)
            append(breaks[depth])
        elif first in "}]":
            depth -= 1
            if out[-1][0] == "\n" and out[-2] in _OPENERS:
                out[-1] = first  # nothing inside: keep "{}" / "[]" on one line
            else:
                append(breaks[depth])
                append(first)
        elif first == '"' and "\\" in token:
            append(_unescape_string(token))
        else:
            append(token)
    return "".join(out)


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _unescape_string(token: str) -> str:
    value: str = json.loads(token)
    # A lone surrogate (an escaped half of a pair) cannot be shown or encoded: keep it escaped.
    if _SURROGATE.search(value):
        return token
    return json.dumps(value, ensure_ascii=False)


_SIZE_UNITS: Final = ("KiB", "MiB", "GiB", "TiB")


def human_size(n: int) -> str:
    """Bytes for people: "0 B", "100 B", "1.5 KiB", "16.0 MiB"."""
    if n < 0:
        raise ValueError(f"a size cannot be negative, got {n}")
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in _SIZE_UNITS:
        value /= 1024
        # Move up when rounding would print "1024.0 KiB".
        if round(value, 1) < 1024 or unit == _SIZE_UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def format_time(wall: float) -> str:
    """Seconds since the epoch as local "HH:MM:SS.mmm"."""
    moment = datetime.fromtimestamp(wall)
    # Neither strftime ("%H:%M:%S" through it took three times as long) nor format specs
    # (half as long again): this runs once per row painted and per event exported.
    return "%02d:%02d:%02d.%03d" % (  # noqa: UP031
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond // 1000,
    )


def format_duration(seconds: float) -> str:
    """A short duration for people: "850 µs", "12.3 ms", "1.20 s"."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    micro = seconds * 1e6
    if round(micro) < 1000:
        return f"{micro:.0f} µs"
    milli = seconds * 1e3
    if round(milli, 1) < 1000:
        return f"{milli:.1f} ms"
    return f"{seconds:.2f} s"


_HEX_SEPARATORS: Final = re.compile(r"[\s,]+")
_HEX_DIGITS: Final = re.compile(r"[0-9a-fA-F]+")


def parse_hex(text: str) -> bytes:
    """Bytes typed as hex: "48 65 6c", "48656c", "0x48 0x65", split by spaces, newlines, commas.

    Raises InputError (a ValueError) naming the first token that is not whole bytes of hex digits.
    """
    out = bytearray()
    for position, token in enumerate(_HEX_SEPARATORS.split(text.strip()), start=1):
        if not token:  # only for empty input
            continue
        digits = token[2:] if token[:2] in ("0x", "0X") else token
        if not _HEX_DIGITS.fullmatch(digits):
            raise InputError(f"{_shorten(token)!r} (item {position}) is not hex")
        if len(digits) % 2:
            raise InputError(
                f"{_shorten(token)!r} (item {position}) has an odd number of hex digits;"
                " write each byte as two digits, e.g. 0a"
            )
        out += bytes.fromhex(digits)
    return bytes(out)


def _shorten(token: str, limit: int = 20) -> str:
    return token if len(token) <= limit else token[:limit] + ELLIPSIS
