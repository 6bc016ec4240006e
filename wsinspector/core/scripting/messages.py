"""What a test script sees of one message, and the matchers `ws.expect` takes.

A matcher is one of (`matches` decides, in this order):

* a dict or a list: a JSON subset. The message must be JSON whose value contains it: every
  key of a dict with a matching value (recursively), a list item for item (same length);
  any other value compares equal.
* bytes: the payload contains these bytes.
* a str: the text contains it (a substring).
* a compiled regular expression (`re.compile(...)`): it is found in the text.
* a LogFilter (core/log/filtering.py): the log's filter bar's own language, text or regex
  over the whole payload, types (text, binary), directions (sent, received) and connections,
  matched exactly as the filter bar shows rows.
* a callable: called with the Message; a true result matches. An exception it raises is the
  test's error, not a mismatch (a bug in the check should be seen).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.log.filtering import LogFilter, compile_filter

# How much of a payload a report shows of one message.
PREVIEW_CHARS = 200

Matcher = (
    dict[str, Any]
    | list[Any]
    | str
    | bytes
    | re.Pattern[str]
    | LogFilter
    | Callable[["Message"], object]
)


@dataclass(frozen=True, slots=True)
class Message:
    """One data message, either way. `id` is its event id in the run's log, `conn` the number
    of its connection there."""

    id: int
    direction: Direction
    is_text: bool
    data: bytes
    conn: int = 0

    @classmethod
    def of(cls, event_id: int, event: MessageEvent) -> Message:
        return cls(event_id, event.direction, event.text, event.data, event.conn)

    @property
    def text(self) -> str:
        """The payload as text (invalid UTF-8 shown with U+FFFD; bytes of a binary message
        decoded the same way)."""
        return self.data.decode(errors="replace")

    @property
    def binary(self) -> bool:
        return not self.is_text

    def json(self) -> Any:
        """The payload parsed as JSON; ValueError (json.JSONDecodeError) when it is not."""
        return json.loads(self.data)

    def preview(self) -> str:
        """One line for a report: direction, kind and the start of the payload."""
        arrow = "←" if self.direction is Direction.IN else "→"
        if self.is_text:
            body = self.text
            if len(body) > PREVIEW_CHARS:
                body = body[:PREVIEW_CHARS] + "…"
            return f"{arrow} {body!r}"
        head = self.data[: PREVIEW_CHARS // 2]
        more = "…" if len(self.data) > len(head) else ""
        return f"{arrow} binary {len(self.data)} B {head!r}{more}"

    def __repr__(self) -> str:
        return f"<Message {self.preview()}>"


def matches(matcher: Matcher, message: Message) -> bool:
    """Whether `message` is one that `matcher` asks for (the module docstring's rules)."""
    if isinstance(matcher, dict | list):
        try:
            value = message.json()
        except ValueError:
            return False
        return json_contains(value, matcher)
    if isinstance(matcher, bytes):
        return matcher in message.data
    if isinstance(matcher, str):
        return matcher in message.text
    if isinstance(matcher, re.Pattern):
        return matcher.search(message.text) is not None
    if isinstance(matcher, LogFilter):
        incoming = message.direction is Direction.IN
        return compile_filter(matcher).test_message(
            message.conn, incoming, message.is_text, message.data
        )
    if callable(matcher):
        return bool(matcher(message))
    raise TypeError(
        f"expect() takes a dict or list (JSON subset), str, bytes, re.compile(...), a "
        f"LogFilter or a callable, not {type(matcher).__name__}"
    )


def json_contains(value: Any, wanted: Any) -> bool:
    """`wanted` is a subset of `value`: dicts by their keys, lists item for item."""
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(
            key in value and json_contains(value[key], item) for key, item in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(value, list)
            and len(value) == len(wanted)
            and all(json_contains(v, w) for v, w in zip(value, wanted, strict=True))
        )
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted  # JSON's true is not 1
    return bool(value == wanted)


def describe_matcher(matcher: Matcher) -> str:
    if isinstance(matcher, re.Pattern):
        return f"a message matching re.compile({matcher.pattern!r})"
    if isinstance(matcher, dict | list):
        return f"a JSON message containing {json.dumps(matcher)}"
    if isinstance(matcher, str | bytes):
        return f"a message containing {matcher!r}"
    if isinstance(matcher, LogFilter):
        return f"a message the log's filter shows for {_filter_words(matcher)}"
    name = getattr(matcher, "__name__", type(matcher).__name__)
    return f"a message for which {name}() is true"


def _filter_words(log_filter: LogFilter) -> str:
    parts = []
    if log_filter.text:
        kind = "regex" if log_filter.regex else "text"
        parts.append(f"{kind} {log_filter.text!r}")
    for name, values in (
        ("types", log_filter.kinds),
        ("directions", log_filter.directions),
        ("connections", log_filter.connections),
    ):
        if values:
            parts.append(f"{name} {', '.join(str(v) for v in sorted(values))}")
    return "; ".join(parts) or "anything"
