"""Comparing a server's answers with a recording's: the same messages in the same order, or
in any order, with named JSON fields (timestamps, ids) left out of the comparison."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from wsinspector.core.scripting.messages import Message


@dataclass(frozen=True, slots=True)
class Comparison:
    """`same` when the answers match; `diff` the differences as lines of a unified diff
    (recorded `-`, replayed `+`); `differing` how many answers are not matched."""

    same: bool
    diff: tuple[str, ...]
    differing: int


def comparable(message: Message, ignored: Collection[str] = ()) -> str:
    """One line that stands for `message` in the comparison: JSON re-written with sorted keys
    and without the ignored fields (at any depth), other text as it is, binary as hex."""
    if message.binary:
        return f"binary {message.data.hex()}"
    text = message.text
    try:
        value = json.loads(text)
    except ValueError:
        return json.dumps(text, ensure_ascii=False)  # quoted: one line, blanks shown
    if not isinstance(value, dict | list):
        return json.dumps(text, ensure_ascii=False)
    return json.dumps(_without(value, ignored), sort_keys=True, ensure_ascii=False)


def _without(value: Any, ignored: Collection[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, ignored) for k, v in value.items() if k not in ignored}
    if isinstance(value, list):
        return [_without(item, ignored) for item in value]
    return value


def compare(
    recorded: Sequence[Message],
    replayed: Sequence[Message],
    *,
    ordered: bool = True,
    ignored: Collection[str] = (),
) -> Comparison:
    before = [comparable(m, ignored) for m in recorded]
    after = [comparable(m, ignored) for m in replayed]
    if ordered:
        if before == after:
            return Comparison(True, (), 0)
        lines = tuple(
            line.rstrip("\n")
            for line in difflib.unified_diff(
                before, after, "recorded", "replayed", lineterm="", n=2
            )
        )
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        return Comparison(False, lines, max(len(before), len(after)) - matched)
    missing = Counter(before) - Counter(after)
    unexpected = Counter(after) - Counter(before)
    if not missing and not unexpected:
        return Comparison(True, (), 0)
    shown = ["--- recorded (not answered)", "+++ replayed (not recorded)"]
    shown += [f"-{line}" for line in sorted(missing.elements())]
    shown += [f"+{line}" for line in sorted(unexpected.elements())]
    differing = max(sum(missing.values()), sum(unexpected.values()))
    return Comparison(False, tuple(shown), differing)


@dataclass(frozen=True, slots=True)
class Pair:
    """One row of a side-by-side view: a recorded answer and the replayed one it lines up
    with (None on the side that has no counterpart), `same` when they compare equal."""

    recorded: Message | None
    replayed: Message | None
    same: bool


def side_by_side(
    recorded: Sequence[Message],
    replayed: Sequence[Message],
    *,
    ordered: bool = True,
    ignored: Collection[str] = (),
) -> list[Pair]:
    """The answers lined up for a view beside the recording, by the same rules as `compare`:
    in order, matched as a diff would; or in any order, matched ones first, then what only one
    side has."""
    before = [comparable(m, ignored) for m in recorded]
    after = [comparable(m, ignored) for m in replayed]
    pairs: list[Pair] = []
    if ordered:
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            lefts: list[Message | None] = list(recorded[a0:a1])
            rights: list[Message | None] = list(replayed[b0:b1])
            same = tag == "equal"
            for left, right in zip_longest(lefts, rights):
                pairs.append(Pair(left, right, same))
        return pairs
    waiting: dict[str, list[Message]] = {}
    for line, message in zip(after, replayed, strict=True):
        waiting.setdefault(line, []).append(message)
    missing: list[Message] = []
    for line, message in zip(before, recorded, strict=True):
        found = waiting.get(line)
        if found:
            pairs.append(Pair(message, found.pop(0), True))
        else:
            missing.append(message)
    unexpected = [m for found in waiting.values() for m in found]
    unexpected.sort(key=lambda m: m.id)
    for left, right in zip_longest(missing, unexpected):
        pairs.append(Pair(left, right, False))
    return pairs
