"""A JSON document's outline, for a tree view that opens messages of any size a level at a time.

json.loads holds the GIL for the whole parse (0.8 s for 16 MiB, orjson 0.4 s): neither a worker
thread nor a coroutine can run it without freezing the window that long. `JsonOutline.parse()`
is a generator instead: it walks the document a step of at most ~100 KB of C-speed scanning at
a time, so whoever drives it can stop after a few milliseconds and let the window breathe.

The walk keeps only offsets. A container of up to `CHUNK` characters is parsed whole by the
json module's C scanner, just to find its end and count its members; a bigger one is walked
member by member into an `_Index`: where every `CHECKPOINT`-th member begins, and the span and
member count of its members that are containers or strings over CHUNK (24 bytes each; other
scalars are found again in no time). After `parse()`, `children()` lists a container's members
by walking them again from the nearest checkpoint (at most CHECKPOINT - 1 members too many),
or a small container whole (a millisecond). An entry is a span of the text, so copying a value
gives what was sent: number spellings, key order and duplicate keys survive.
"""

from __future__ import annotations

import itertools
import json
import json.scanner
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator
from enum import StrEnum
from typing import Any, Final, NamedTuple, cast

# Containers up to this many characters are parsed whole; bigger ones are walked and indexed.
CHUNK: Final = 64 * 1024
# The walk yields after about this many characters, at the next member boundary.
STEP: Final = 16 * 1024
# A big container's index says where every this-many-th member begins.
CHECKPOINT: Final = 64
# Deeper than this many big containers, a container gets one short parse try only: each
# level would otherwise parse on through the levels below it, quadratic in the depth.
_DEEP: Final = 32
_DEEP_PROBE: Final = 64
# Work a big container's failed parse tries cost, counted as this many characters walked.
_PUSH_COST: Final = 4096
_CLOSE_COST: Final = 256
# The first try at parsing a container whole; each failed try looks 8 times further.
_FIRST_PROBE: Final = 512
# Member lists of small containers kept for children() calls in batches.
_CACHED_WALKS: Final = 16


class Kind(StrEnum):
    OBJECT = "object"
    ARRAY = "array"
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"


CONTAINERS: Final = frozenset((Kind.OBJECT, Kind.ARRAY))

_KINDS: Final[dict[str, Kind]] = {
    "{": Kind.OBJECT,
    "[": Kind.ARRAY,
    '"': Kind.STRING,
    "t": Kind.BOOLEAN,
    "f": Kind.BOOLEAN,
    "n": Kind.NULL,
    "-": Kind.NUMBER,
    **dict.fromkeys("0123456789", Kind.NUMBER),
}


class Entry(NamedTuple):
    """One value of the document: its key in its parent, kind and span in the text.

    `key` is the member name in an object, the position in an array, None for the document.
    `members` counts the members of an object or the items of an array, 0 for a scalar.
    """

    key: str | int | None
    kind: Kind
    start: int
    end: int
    members: int


_WS: Final = frozenset(" \t\n\r")
_WS_RUN: Final = re.compile(r"[ \t\n\r]*")
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LITERALS: Final = {"t": "true", "f": "false", "n": "null"}


def _reject_constant(name: str) -> object:
    # json accepts NaN and Infinity, which no other JSON parser does: not JSON here either.
    raise ValueError(f"{name} is not JSON")


# The json module's C scanner: one value at an index (-> value, end). Pairs, not dicts:
# len() then counts duplicate keys too, as the member walk does.
_scan_once: Final[Callable[[str, int], tuple[Any, int]]] = json.scanner.make_scanner(
    json.JSONDecoder(object_pairs_hook=tuple, parse_constant=_reject_constant)  # type: ignore[arg-type]
)
# A JSON string's text from just past its opening quote (-> text, end past the closing quote).
scanstring: Final[Callable[[str, int, bool], tuple[str, int]]] = json.decoder.scanstring  # type: ignore[attr-defined]


class _Index:
    """A big container: its end and member count, where every CHECKPOINT-th member begins (a
    key's quote in an object), and the span and count of its members that are containers."""

    __slots__ = ("checkpoints", "count", "counts", "end", "ends", "is_object", "starts")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.count = 0
        self.end = -1
        self.checkpoints = array("q")
        self.starts = array("q")  # of the members that are objects or arrays
        self.ends = array("q")
        self.counts = array("q")

    def container(self, start: int) -> tuple[int, int] | None:
        """End and count of the member object or array starting at `start`."""
        at = bisect_left(self.starts, start)
        if at < len(self.starts) and self.starts[at] == start:
            return self.ends[at], self.counts[at]
        return None


class _Frame:
    __slots__ = ("closer", "index", "start")

    def __init__(self, start: int, is_object: bool) -> None:
        self.start = start
        self.closer = "}" if is_object else "]"
        self.index = _Index(is_object)


class JsonOutline:
    """The structure of the JSON document `text`, found by `parse()`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root: Entry | None = None  # set when parse() has run to its end
        self._index: dict[int, _Index] = {}  # big containers by start offset
        self._walks: OrderedDict[int, list[Entry]] = OrderedDict()

    # Parsing ------------------------------------------------------------------------------------

    def parse(self) -> Iterator[int]:
        """Walk the whole document, yielding the characters done so far every `STEP` or so.

        Raises json.JSONDecodeError (a ValueError) where the text stops being JSON. When the
        generator is exhausted, `root` is the document's entry.
        """
        text = self.text
        i = _skip(text, 0)
        char = text[i : i + 1]
        kind = _KINDS.get(char)
        if kind is None:
            raise _error("Expecting value", text, i)
        if kind in CONTAINERS:
            root = yield from self._container(i)
        elif kind is Kind.STRING:
            root = Entry(None, kind, i, (yield from self._long_string(i)), 0)
        else:
            root = Entry(None, kind, i, self._scalar_end(i, char), 0)
        end = _skip(text, root.end)
        if end != len(text):
            raise _error("Extra data", text, end)
        self.root = root

    def parse_all(self) -> Entry:
        """Run `parse()` to its end and return the document's entry."""
        for _ in self.parse():
            pass
        assert self.root is not None
        return self.root

    def _container(self, start: int) -> Generator[int, None, Entry]:
        probed = self._probe(start)
        if probed is not None:
            end, count = probed
            return Entry(None, _KINDS[self.text[start]], start, end, count)
        return (yield from self._walk(start))

    def _probe(self, start: int, limit: int | None = None) -> tuple[int, int] | None:
        """End and member count of the container at `start` if it is at most `limit` (CHUNK)
        characters long."""
        text = self.text
        limit = CHUNK if limit is None else limit
        size = min(_FIRST_PROBE, limit)
        while True:
            piece = text[start : start + size]
            try:
                value, end = _scan_once(piece, 0)
            except RecursionError:
                return None  # nested too deep for the C scanner: walked instead, level by level
            except (ValueError, StopIteration):
                # Cut short by the piece's end (or not JSON, which the walk will pinpoint).
                if size >= limit or start + size >= len(text):
                    return None
                size = min(size * 8, limit)
                continue
            return start + end, len(value)

    def _long_string(self, i: int) -> Generator[int, None, int]:
        """The end of the string at `i`, scanned CHUNK characters a step: a 64 MiB string
        (a base64 file, say) would take 170 ms in one go."""
        text = self.text
        n = len(text)
        at = i + 1
        while at < n:
            piece = text[at : at + CHUNK]
            cut = len(piece)
            if at + cut < n:
                # Cut before the last run of backslashes near the end: an escape may go on.
                last = piece.rfind("\\", max(0, cut - 6))
                if last >= 0:
                    cut = len(piece[:last].rstrip("\\"))
                if cut < CHUNK // 2:  # a run of thousands of backslashes: no steps then
                    end: int = scanstring(text, i + 1, True)[1]
                    return end
            try:
                end = scanstring(piece[:cut] + '"', 0, True)[1]
            except json.JSONDecodeError as exc:
                raise _error(exc.msg, text, at + exc.pos) from None
            if end <= cut:  # its closing quote is in the piece
                return at + end
            at += cut
            yield at
        raise _error("Unterminated string starting at", text, i)

    def _scalar_end(self, i: int, char: str) -> int:
        text = self.text
        if char == '"':
            end: int = scanstring(text, i + 1, True)[1]
            return end
        literal = _LITERALS.get(char)
        if literal is not None:
            if text.startswith(literal, i):
                return i + len(literal)
        else:
            match = _NUMBER.match(text, i)
            if match is not None:
                return match.end()
        raise _error("Expecting value", text, i)

    def _walk(self, start: int) -> Generator[int, None, Entry]:
        """Index the container at `start` and every big container in it, without recursion."""
        text = self.text
        n = len(text)
        ws, probe, scalar_end = _WS, self._probe, self._scalar_end
        ws_run = cast(Callable[[str, int], re.Match[str]], _WS_RUN.match)
        number = _NUMBER.match
        checkpoint = CHECKPOINT
        stack = [_Frame(start, text[start] == "{")]
        i = start + 1
        mark = i  # where the work since the last yield started
        fresh = True  # just past an opening bracket
        try:
            while True:
                if i - mark >= STEP:
                    mark = i
                    yield i
                frame = stack[-1]
                if text[i] in ws:
                    i = ws_run(text, i).end()
                char = text[i]
                if fresh:
                    fresh = False
                    closing = char == frame.closer
                elif char == ",":
                    i += 1
                    if text[i] in ws:
                        i = ws_run(text, i).end()
                    char = text[i]
                    closing = False
                elif char == frame.closer:
                    closing = True
                else:
                    raise _error(f"Expecting ',' or '{frame.closer}'", text, i)
                index = frame.index
                if closing:
                    i += 1
                    mark -= _CLOSE_COST
                    index.end = i
                    self._index[frame.start] = index
                    stack.pop()
                    if not stack:
                        return Entry(None, _KINDS[text[start]], start, i, index.count)
                    parent = stack[-1].index
                    parent.ends[-1] = i
                    parent.counts[-1] = index.count
                    continue
                if not index.count % checkpoint:
                    index.checkpoints.append(i)
                index.count += 1
                if index.is_object:
                    if char != '"':
                        raise _error("Expecting property name enclosed in double quotes", text, i)
                    i = scanstring(text, i + 1, True)[1]
                    if text[i] in ws:
                        i = ws_run(text, i).end()
                    if text[i] != ":":
                        raise _error("Expecting ':' delimiter", text, i)
                    i += 1
                    if text[i] in ws:
                        i = ws_run(text, i).end()
                    char = text[i]
                if char == "{" or char == "[":
                    probed = probe(i, _DEEP_PROBE if len(stack) > _DEEP else CHUNK)
                    if probed is None:  # big: walk it now, its parent's entry ends later
                        index.starts.append(i)
                        index.ends.append(-1)
                        index.counts.append(0)
                        stack.append(_Frame(i, char == "{"))
                        i += 1
                        fresh = True
                        mark -= _PUSH_COST
                        continue
                    end, count = probed
                    index.starts.append(i)
                    index.ends.append(end)
                    index.counts.append(count)
                elif (match := number(text, i)) is not None:  # the commonest scalar, inlined
                    end = match.end()
                elif char == '"':
                    quote = text.find('"', i + 1, i + 1 + CHUNK)
                    if quote >= 0 and text[quote - 1] != "\\":  # it ends there, or fails
                        end = scanstring(text, i + 1, True)[1]
                    else:
                        end = yield from self._long_string(i)
                        if end - i > CHUNK:  # noted, so as not to be scanned again
                            index.starts.append(i)
                            index.ends.append(end)
                            index.counts.append(0)
                else:
                    end = scalar_end(i, char)
                i = end
        except IndexError:
            raise _error("Unexpected end of the document", text, n) from None

    # Reading ------------------------------------------------------------------------------------

    def children(self, entry: Entry, first: int = 0, last: int | None = None) -> list[Entry]:
        """The members of `entry` from `first` to `last` (all by default); [] for a scalar."""
        if entry.kind not in CONTAINERS:
            return []
        index = self._index.get(entry.start)
        if index is None:
            return self._members(entry)[first:last]
        last = index.count if last is None else min(last, index.count)
        if first >= last:
            return []
        block = first // CHECKPOINT
        walk = self._walk_members(index.checkpoints[block], entry.kind, block * CHECKPOINT, index)
        skip = first - block * CHECKPOINT
        return [member for _row, member in itertools.islice(walk, skip, skip + last - first)]

    def _members(self, entry: Entry) -> list[Entry]:
        """All members of a small container (no more than CHUNK characters: a millisecond)."""
        walks = self._walks
        cached = walks.get(entry.start)
        if cached is not None:
            walks.move_to_end(entry.start)
            return cached
        first = _skip(self.text, entry.start + 1)
        members = [member for _row, member in self._walk_members(first, entry.kind, 0, None)]
        walks[entry.start] = members
        if len(walks) > _CACHED_WALKS:
            walks.popitem(last=False)
        return members

    def _walk_members(
        self, i: int, kind: Kind, row: int, index: _Index | None
    ) -> Iterator[tuple[int, Entry]]:
        """(position, entry) of each member of a parsed container from the one beginning at
        `i`, member number `row`, to the last. `index`: the container's, if it is big."""
        text = self.text
        is_object = kind is Kind.OBJECT
        if text[i] == ("}" if is_object else "]"):
            return
        while True:
            key: str | int = row
            if is_object:
                key, i = scanstring(text, i + 1, True)
                i = _skip(text, _skip(text, i) + 1)  # past the colon
            char = text[i]
            member_kind = _KINDS[char]
            known = index.container(i) if index is not None and char in '{["' else None
            if known is not None:  # a container or a long string that the walk noted
                end, count = known
            elif member_kind in CONTAINERS:
                child = _run(self._container(i))
                end, count = child.end, child.members
            else:
                end, count = self._scalar_end(i, char), 0
            yield row, Entry(key, member_kind, i, end, count)
            row += 1
            i = _skip(text, end)
            if text[i] != ",":
                return
            i = _skip(text, i + 1)

    def source(self, entry: Entry) -> str:
        """The value as written in the document."""
        return self.text[entry.start : entry.end]

    def copy_text(self, entry: Entry) -> str:
        """What "Copy value" copies: a string's text, anything else as written."""
        if entry.kind is Kind.STRING:
            value: str = scanstring(self.text, entry.start + 1, True)[0]
            if _SURROGATE.search(value) is None:
                return value
        return self.source(entry)

    def preview(self, entry: Entry, limit: int = 200) -> str:
        """One line for the tree's value column: at most about `limit` characters."""
        if entry.kind is Kind.OBJECT:
            return "{" + _counted(entry.members, "key") + "}"
        if entry.kind is Kind.ARRAY:
            return "[" + _counted(entry.members, "item") + "]"
        if entry.kind is Kind.STRING:
            return self._string_preview(entry, limit)
        text = self.text[entry.start : min(entry.end, entry.start + limit)]
        return text if entry.end - entry.start <= limit else text + "…"

    def _string_preview(self, entry: Entry, limit: int) -> str:
        # Decode only a prefix: a 16 MiB string costs the same as a short one. An escape is at
        # most 12 characters (a surrogate pair), so `limit` * 12 always yields `limit`.
        stop = min(entry.end - 1, entry.start + 1 + limit * 12)
        value = ""
        for cut in range(stop, max(entry.start, stop - 12), -1):  # back off a cut escape
            try:
                value = scanstring(self.text[entry.start + 1 : cut] + '"', 0, True)[0]
            except ValueError:
                continue
            break
        more = len(value) > limit or stop < entry.end - 1
        if _SURROGATE.search(value[:limit]) is not None:
            shown = self.text[entry.start + 1 : entry.start + 1 + limit]
            return f'"{shown}…' if entry.end - entry.start - 2 > limit else f'"{shown}"'
        quoted = json.dumps(value[:limit], ensure_ascii=False)
        return quoted[:-1] + '…"' if more else quoted

    def locate(self, offset: int) -> list[int]:
        """Member positions from the document down to the innermost value around `offset`.

        An offset in a member's key (or the punctuation before it) finds that member.
        """
        text = self.text
        entry = self.root
        rows: list[int] = []
        while entry is not None and entry.kind in CONTAINERS and entry.members:
            if not entry.start < offset < entry.end - 1:
                break
            index = self._index.get(entry.start)
            if index is not None:
                block = max(0, bisect_right(index.checkpoints, offset) - 1)
                walk = self._walk_members(
                    index.checkpoints[block], entry.kind, block * CHECKPOINT, index
                )
            else:
                walk = self._walk_members(_skip(text, entry.start + 1), entry.kind, 0, None)
            for row, member in walk:
                if offset < member.end:  # in it, or before it: in its key
                    rows.append(row)
                    entry = member
                    break
            else:
                break  # after the last member
        return rows


def json_path(keys: Iterable[str | int]) -> str:
    """A JSONPath for a value: `$.users[3].name`, `$["a key"]` for keys that need quoting."""
    parts = ["$"]
    for key in keys:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif _IDENTIFIER.fullmatch(key):
            parts.append(f".{key}")
        else:
            parts.append(f"[{json.dumps(key, ensure_ascii=False)}]")
    return "".join(parts)


def _counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _skip(text: str, i: int) -> int:
    if text[i : i + 1] in _WS:
        match = _WS_RUN.match(text, i)
        assert match is not None
        return match.end()
    return i


def _run(walk: Generator[int, None, Entry]) -> Entry:
    """Exhaust a walk and return its entry."""
    while True:
        try:
            next(walk)
        except StopIteration as stop:
            entry: Entry = stop.value
            return entry


def _error(message: str, text: str, position: int) -> json.JSONDecodeError:
    return json.JSONDecodeError(message, text, position)
