"""A server page's answers without a person: rules and timed messages.

A rule says "when a message matches this, answer with that, after this delay". A message
matches a rule's text as the log's filter bar would (one search engine: core.text.search),
a regex the same way, or a JSON subset: the message is JSON and holds every key and value of
the rule's JSON (objects recursively, each item of a list somewhere in the message's list).
A timed rule (kind "every") sends its answer to every client each `delay` seconds. Rules
read text messages; a binary message matches none.

An answer is a template: `{{message}}` is the message that matched, `{{match}}` the text a
regex matched (the whole message otherwise), `{{client}}` the client's number, `{{path}}`
the path it connected to, any other `{{name}}` a variable of the page or profile, and
`{{$name}}` a dynamic value (`{{$randomUUID}}`, `{{$counter}}`…), filled by the same function
as a client page's sends (core/storage/profiles/variables.py), from the book's `DynamicValues`
(one counter per server page); names nobody defines are left as they are.

Rules are saved as plain JSON (`rules_to_json`, `rules_from_json`) in the profile's `server`
section: storage keeps the document, this module gives it a meaning.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wsinspector.core.app.errors import UserError
from wsinspector.core.storage.profiles.dynamic import DynamicValues
from wsinspector.core.storage.profiles.variables import substitute
from wsinspector.core.text.search import TextSearch


class RuleKind(enum.StrEnum):
    TEXT = "text"
    REGEX = "regex"
    JSON = "json"
    EVERY = "every"


class RuleError(UserError, ValueError):
    """A rule that can't work (a regex or JSON that does not parse); words for the user."""


@dataclass(frozen=True, slots=True)
class Rule:
    """When a message matches `pattern` (as `kind` says), answer `reply` after `delay` s.

    For kind EVERY, `reply` goes to every client each `delay` seconds; `pattern` is unused.
    """

    kind: RuleKind = RuleKind.TEXT
    pattern: str = ""
    reply: str = ""
    delay: float = 0.0
    enabled: bool = True

    def check(self) -> None:
        """RuleError when the rule can't work."""
        if self.kind is RuleKind.REGEX:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise RuleError(f"rule {self.pattern!r}: invalid regex: {exc.msg}") from None
        elif self.kind is RuleKind.JSON:
            try:
                json.loads(self.pattern)
            except ValueError as exc:
                raise RuleError(f"rule {self.pattern!r}: not JSON: {exc}") from None
        elif self.kind is RuleKind.EVERY and self.delay <= 0:
            raise RuleError("a timed message needs a period above 0 seconds")
        if self.delay < 0:
            raise RuleError("a rule's delay can't be negative")


def is_subset(pattern: Any, value: Any) -> bool:
    """Whether JSON `value` holds everything of JSON `pattern`."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and is_subset(item, value[key]) for key, item in pattern.items()
        )
    if isinstance(pattern, list):
        return isinstance(value, list) and all(
            any(is_subset(item, candidate) for candidate in value) for item in pattern
        )
    # 1 == 1.0 but True is not 1: JSON tells booleans from numbers.
    if isinstance(pattern, bool) or isinstance(value, bool):
        return type(pattern) is type(value) and pattern == value
    return bool(pattern == value)


class CompiledRule:
    """A rule ready to test messages: its search or JSON parsed once."""

    __slots__ = ("_json", "_regex", "_search", "rule")

    def __init__(self, rule: Rule) -> None:
        rule.check()
        self.rule = rule
        self._search = TextSearch.make(rule.pattern, regex=rule.kind is RuleKind.REGEX)
        self._regex = (
            re.compile(rule.pattern, re.IGNORECASE) if rule.kind is RuleKind.REGEX else None
        )
        self._json = json.loads(rule.pattern) if rule.kind is RuleKind.JSON else None

    def match(self, message: str) -> str | None:
        """The matched text ({{match}}) when `message` matches, else None."""
        kind = self.rule.kind
        if kind is RuleKind.JSON:
            try:
                value = json.loads(message)
            except ValueError:
                return None
            return message if is_subset(self._json, value) else None
        if kind is RuleKind.EVERY:
            return None
        if self._search is None:  # an empty pattern matches every message
            return message
        if not self._search.matches(message):
            return None
        if self._regex is not None:
            found = self._regex.search(message)
            return found.group(0) if found is not None else message
        return message


class RuleBook:
    """The rules of a server, compiled; what answers a message.

    `dynamic` holds the `{{$counter}}`: pass the page's to keep counting across rule edits."""

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        variables: Mapping[str, str] | None = None,
        dynamic: DynamicValues | None = None,
    ):
        self.rules = tuple(rules)
        self.variables = dict(variables or {})
        self.dynamic = dynamic if dynamic is not None else DynamicValues()
        self._compiled = [CompiledRule(rule) for rule in self.rules if rule.enabled]

    @property
    def timed(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.enabled and rule.kind is RuleKind.EVERY]

    def answers(self, message: str, client: int, path: str) -> list[tuple[str, float]]:
        """(answer, delay) of every enabled rule that `message` matches, in order."""
        found = []
        for compiled in self._compiled:
            matched = compiled.match(message)
            if matched is None:
                continue
            values = self.context(client, path)
            values["message"] = message
            values["match"] = matched
            found.append((self._fill(compiled.rule.reply, values), compiled.rule.delay))
        return found

    def context(self, client: int, path: str) -> dict[str, str]:
        return {**self.variables, "client": str(client), "path": path}

    def render(self, template: str, client: int, path: str) -> str:
        """A timed message's text for one client."""
        return self._fill(template, self.context(client, path))

    def _fill(self, template: str, values: Mapping[str, str]) -> str:
        # Undefined names stay as they are in an answer: nobody is there to be told.
        return substitute(template, values, self.dynamic)[0]


def rules_to_json(rules: Iterable[Rule]) -> list[dict[str, object]]:
    return [
        {
            "kind": rule.kind.value,
            "pattern": rule.pattern,
            "reply": rule.reply,
            "delay": rule.delay,
            "enabled": rule.enabled,
        }
        for rule in rules
    ]


def rules_from_json(value: object) -> tuple[Rule, ...]:
    """Rules from their saved form; RuleError naming what is wrong."""
    if not isinstance(value, list):
        raise RuleError("server.rules must be a list")
    rules = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise RuleError(f"server.rules[{index}] must be an object")
        try:
            kind = RuleKind(item.get("kind", "text"))
        except ValueError:
            raise RuleError(
                f"server.rules[{index}].kind must be text, regex, json or every"
            ) from None
        delay = item.get("delay", 0.0)
        if not isinstance(delay, int | float) or isinstance(delay, bool):
            raise RuleError(f"server.rules[{index}].delay must be a number")
        pattern, reply = item.get("pattern", ""), item.get("reply", "")
        if not isinstance(pattern, str) or not isinstance(reply, str):
            raise RuleError(f"server.rules[{index}]: pattern and reply must be strings")
        rules.append(Rule(kind, pattern, reply, float(delay), bool(item.get("enabled", True))))
    return tuple(rules)
