"""How a search text matches a text: the one rule of the log filter, find-in-detail and the
capture's search across sessions.

Plain text is found case-insensitively by Unicode case folding ("STRASSE" finds "Straße",
"ǅ" finds "ǆ"), a regex by re.search with IGNORECASE ("(?-i:...)" makes part of it
case-sensitive). In payload bytes, text is also found by the bytes it spells in hex, the way a
binary row shows them: "de ad be ef", "deadbeef" or "0xde 0xad".

A TextSearch holds what the fast scans need too: the folded needle as ASCII bytes (found in
bytes.lower()d payloads at C speed), for a regex the longest plain piece that every match
contains, and a bytes twin of the regex for ASCII payloads. Positions (spans) are offsets in
the text searched, even where folding changes lengths ("ß" folds to "ss").
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from functools import cache
from typing import Final

from wsinspector.core.text.formatting import parse_hex


def hex_needle(text: str) -> bytes | None:
    """The bytes `text` spells in hex ("de ad", "dead", "0xde,0xad"), or None."""
    try:
        data = parse_hex(text)
    except ValueError:
        return None
    return data or None


@cache
def _expanders() -> re.Pattern[str]:
    """The characters whose case fold is longer than one character (all in the BMP)."""
    chars = "".join(
        chr(code)
        for code in range(0x80, 0x10000)
        if not 0xD800 <= code < 0xE000 and len(chr(code).casefold()) > 1
    )
    return re.compile(f"[{re.escape(chars)}]")


class Folded:
    """A text case folded, with the way back from offsets in the fold to offsets in the text.

    Folding keeps offsets unless a character folds to several ("ß" → "ss"); only then are the
    places of those characters noted (found at C speed), and a match that begins or ends
    inside one covers it whole.
    """

    __slots__ = ("_at", "_ends", "_extra", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = text.casefold()
        self._at: list[int] = []  # offsets in `text` of the characters that grow
        self._extra: list[int] = []  # characters added by those up to and including each
        self._ends: list[int] = []  # where each of them ends in `folded`
        if len(self.folded) != len(text):
            total = 0
            for match in _expanders().finditer(text):
                total += len(match.group().casefold()) - 1
                self._at.append(match.start())
                self._extra.append(total)
                self._ends.append(match.start() + total + 1)

    def to_folded(self, offset: int) -> int:
        """Where the character at `offset` of the text begins in the fold."""
        if not self._at:
            return offset
        before = bisect_left(self._at, offset)
        return offset + (self._extra[before - 1] if before else 0)

    def to_text(self, start: int, end: int) -> tuple[int, int]:
        """The text's span that holds the fold's span [start, end)."""
        if not self._at:
            return start, end
        return self._text_offset(start, end=False), self._text_offset(end, end=True)

    def _text_offset(self, offset: int, *, end: bool) -> int:
        done = bisect_right(self._ends, offset)  # growing characters wholly before offset
        shift = self._extra[done - 1] if done else 0
        if done < len(self._at):
            begins = self._ends[done] - (self._extra[done] - shift) - 1
            if begins < offset:  # inside that character's fold: take it whole
                return self._at[done] + (1 if end else 0)
        return offset - shift


# Printable ASCII but i and I: under IGNORECASE a regex "i" also matches the dotless i
# (U+0131) and the dotted I (U+0130), whose case folds are no "i". Every other character
# here matches only characters with its own case fold (checked over all of Unicode), so
# the fold of such a literal is always in the fold of the text a match was found in.
_PREFILTER_CHARS: Final = frozenset(code for code in range(0x20, 0x7F) if chr(code) not in "iI")


class TextSearch:
    """What to look for, compiled once: `text` as plain text or as a regex.

    ValueError with a readable message for a regex that does not compile.
    """

    __slots__ = (
        "_pattern",
        "fold",
        "fold_ascii",
        "hex",
        "payload_test",
        "regex",
        "search",
        "search_ascii",
        "text",
    )

    def __init__(self, text: str, *, regex: bool = False) -> None:
        self.text = text
        self.regex = regex
        self._pattern: re.Pattern[str] | None = None
        # A regex's str search, and its bytes twin for ASCII payloads (None when it has none).
        self.search: Callable[[str], object] | None = None
        self.search_ascii: Callable[[bytes], object] | None = None
        # What every match contains, case folded: the text itself, or the longest plain
        # piece of a regex ("" when it has none worth looking for); as ASCII bytes too.
        self.fold = ""
        self.fold_ascii: bytes | None = None
        self.hex: bytes | None = None
        if regex:
            try:
                self._pattern = re.compile(text, re.IGNORECASE)
            except re.error as exc:
                where = f" at position {exc.pos}" if exc.pos is not None else ""
                raise ValueError(f"invalid regular expression: {exc.msg}{where}") from None
            self.search = self._pattern.search
            self.search_ascii = _ascii_twin(text)
            literal = _required_literal(text)
            if len(literal) >= 2:
                self.fold = literal.casefold()
                self.fold_ascii = self.fold.encode("ascii")
        else:
            self.fold = text.casefold()
            if self.fold.isascii():
                self.fold_ascii = self.fold.encode("ascii")
            self.hex = hex_needle(text)
        self.payload_test = self._payload_test()

    @classmethod
    def make(cls, text: str, *, regex: bool = False) -> TextSearch | None:
        """The search for `text`; None for "" and for a regex that does not compile."""
        if not text:
            return None
        try:
            return cls(text, regex=regex)
        except ValueError:
            return None

    # -- whether ----------

    def matches(self, text: str) -> bool:
        """Whether `text` holds a match."""
        if self.search is not None:
            return self.search(text) is not None
        return self.fold in text.casefold()

    def matches_payload(self, data: bytes, binary: bool) -> bool:
        """Whether a payload holds a match: its bytes read as UTF-8 (U+FFFD for bad bytes)
        and, for a binary payload and plain text, the bytes the text spells in hex."""
        return self.payload_test(data, binary)

    def _payload_test(self) -> Callable[[bytes, bool], bool]:
        """matches_payload for this search, with its questions answered once: a scan calls it
        for every message."""
        search, twin = self.search, self.search_ascii
        if search is not None:
            if twin is not None:
                return lambda data, binary: (
                    twin(data) is not None
                    if data.isascii()
                    else search(data.decode("utf-8", "replace")) is not None
                )
            return lambda data, binary: search(data.decode("utf-8", "replace")) is not None
        fold, fold_ascii, hex_bytes = self.fold, self.fold_ascii, self.hex
        if not fold:
            return lambda data, binary: True

        # Only a payload with non-ASCII bytes can match beyond the ASCII-folded bytes: each
        # case is written out whole, a nested call would cost as much as the test.
        if fold_ascii is None and hex_bytes is None:
            return lambda data, binary: (
                not data.isascii() and fold in data.decode("utf-8", "replace").casefold()
            )
        if hex_bytes is None and fold_ascii is not None:
            needle = fold_ascii
            return lambda data, binary: (
                needle in data.lower()
                or (not data.isascii() and fold in data.decode("utf-8", "replace").casefold())
            )
        return lambda data, binary: (
            (fold_ascii is not None and fold_ascii in data.lower())
            or (binary and hex_bytes is not None and hex_bytes in data)
            or (not data.isascii() and fold in data.decode("utf-8", "replace").casefold())
        )

    # -- where ----------

    def spans(
        self, text: str, *, limit: int, folded: Folded | None = None, start: int = 0
    ) -> list[tuple[int, int]]:
        """The first `limit` + 1 matches in `text` from `start` on (str offsets); empty
        matches are skipped. `folded` is Folded(text), when the caller keeps one."""
        if self._pattern is not None:
            found = self._pattern.finditer(text, start)
            matches = (m.span() for m in found if m.end() > m.start())
            return list(itertools.islice(matches, limit + 1))
        if folded is None:
            if start:  # fold only what is searched
                tail = self.spans(text[start:], limit=limit)
                return [(a + start, b + start) for a, b in tail]
            folded = Folded(text)
        spans: list[tuple[int, int]] = []
        needle, size = self.fold, len(self.fold)
        if not size:
            return spans
        at = folded.folded.find(needle, folded.to_folded(start))
        while at >= 0 and len(spans) <= limit:
            span = folded.to_text(at, at + size)
            if not spans or spans[-1] != span:
                spans.append(span)
            at = folded.folded.find(needle, at + size)
        return spans

    def locate(self, text: str) -> tuple[int, int] | None:
        """The first match in `text`: (start, length), or None."""
        spans = self.spans(text, limit=0)
        return (spans[0][0], spans[0][1] - spans[0][0]) if spans else None

    def count(self, text: str, *, limit: int, folded: Folded | None = None) -> int:
        """How many matches `text` holds, counting no further than `limit` + 1."""
        if self._pattern is None and folded is not None and self.fold:
            return min(folded.folded.count(self.fold), limit + 1)  # C speed: 16 MiB in 10 ms
        return len(self.spans(text, limit=limit, folded=folded))

    def next_in(
        self, text: str, offset: int, *, forward: bool, folded: Folded | None = None
    ) -> int | None:
        """Where the first match after `offset` starts (before it, going back); wraps around."""
        if self._pattern is not None:
            if forward:
                match = self._pattern.search(text, offset + 1) or self._pattern.search(text)
                return match.start() if match is not None else None
            starts = [start for start, _end in self.spans(text, limit=1 << 30)]
            before = [start for start in starts if start < offset] or starts
            return before[-1] if before else None
        folded = folded or Folded(text)
        low, needle = folded.folded, self.fold
        if not needle:
            return None
        if forward:
            at = low.find(needle, folded.to_folded(offset + 1) if offset + 1 > 0 else 0)
            at = at if at >= 0 else low.find(needle)
        else:
            at = low.rfind(needle, 0, folded.to_folded(max(offset, 0)) + len(needle) - 1)
            at = at if at >= 0 else low.rfind(needle)
        return folded.to_text(at, at + len(needle))[0] if at >= 0 else None

    def count_before(self, text: str, offset: int, *, folded: Folded | None = None) -> int | None:
        """How many matches start before `offset`, if plain text can tell at C speed."""
        if self._pattern is not None or not self.fold:
            return None
        folded = folded or Folded(text)
        return folded.folded.count(self.fold, 0, folded.to_folded(offset) + len(self.fold) - 1)

    def byte_spans(self, data: bytes, *, limit: int) -> list[tuple[int, int]]:
        """Matches in payload bytes: the text as UTF-8 (ASCII letters in any case) or as hex
        ("de ad"); a regex in the bytes read as Latin-1, so that ASCII text matches."""
        if self._pattern is not None:
            return self.spans(data.decode("latin-1"), limit=limit)
        spans: list[tuple[int, int]] = []
        lowered = data.lower()
        for needle, haystack in ((self.text.lower().encode(), lowered), (self.hex, data)):
            if not needle:
                continue
            at = haystack.find(needle)
            while at >= 0 and len(spans) <= limit:
                spans.append((at, at + len(needle)))
                at = haystack.find(needle, at + 1)
        return sorted(set(spans))[: limit + 1]


def _required_literal(pattern: str) -> str:
    """The longest run of plain characters every match of `pattern` contains, or ""."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, re.IGNORECASE)
        literal_op = _constants.LITERAL
    except Exception:  # the parser is private: without it, no shortcut, same results
        return ""
    best = ""
    run: list[str] = []
    for op, value in parsed:
        if op is literal_op and value in _PREFILTER_CHARS:
            run.append(chr(value))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    return best if len(best) >= len(run) else "".join(run)


def _ascii_twin(pattern: str) -> Callable[[bytes], object] | None:
    """`pattern` (IGNORECASE) as a bytes regex that matches exactly as it does on ASCII text.

    On ASCII text a str regex and its bytes twin differ in two places only: characters
    beyond ASCII that IGNORECASE matches with ASCII letters (the Kelvin sign and "k", the
    long s and "s": none below U+0100, and the bytes syntax refuses \\u and \\N{...}), and
    \\s and \\S, whose str whitespace also holds the separators \\x1c-\\x1f. So a pattern
    that is ASCII text without \\s or \\S, and that compiles as bytes, has a twin.
    """
    if not pattern.isascii():
        return None
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, re.IGNORECASE)
        spaces = {_constants.CATEGORY_SPACE, _constants.CATEGORY_NOT_SPACE}
        if _has_category(parsed, spaces, _constants.CATEGORY, _parser.SubPattern):
            return None
        return re.compile(pattern.encode("ascii"), re.IGNORECASE).search
    except Exception:  # the parser is private: without it, no twin, same results
        return None


def _has_category(value: object, categories: set[object], op_code: object, sub: type) -> bool:
    """Whether a parsed pattern (or any part of it) uses one of `categories`."""
    if isinstance(value, sub | list):
        items: Iterable[object] = value  # type: ignore[assignment]
        return any(_has_category(item, categories, op_code, sub) for item in items)
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] is op_code and value[1] in categories:
            return True
        return any(_has_category(item, categories, op_code, sub) for item in value)
    return False
