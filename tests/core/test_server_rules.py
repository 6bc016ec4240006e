"""Server rules (core/serving/rules.py) and server settings in their saved form."""

from __future__ import annotations

import pytest

from wsinspector.core.serving.rules import (
    Rule,
    RuleBook,
    RuleError,
    RuleKind,
    is_subset,
    rules_from_json,
    rules_to_json,
)
from wsinspector.core.serving.settings import (
    Rejection,
    ServerSettings,
    TlsSettings,
    parse_listen,
    settings_from_json,
    settings_to_json,
)


def test_json_subset() -> None:
    assert is_subset({"a": 1}, {"a": 1, "b": 2})
    assert is_subset({"a": {"b": [2]}}, {"a": {"b": [1, 2, 3], "c": 0}})
    assert is_subset({"n": 1}, {"n": 1.0})
    assert not is_subset({"a": 1}, {"a": 2})
    assert not is_subset({"a": True}, {"a": 1})
    assert not is_subset({"a": 1}, [{"a": 1}])


def test_text_regex_and_json_rules_answer_with_their_variables() -> None:
    book = RuleBook(
        [
            Rule(RuleKind.TEXT, "PING", "pong to {{client}}"),
            Rule(RuleKind.REGEX, r"\d+", "number {{match}} from {{user}} {{unknown}}"),
            Rule(RuleKind.JSON, '{"op": "sub"}', "ok {{message}}", delay=0.5),
            Rule(RuleKind.TEXT, "never", "off", enabled=False),
        ],
        {"user": "ann"},
    )
    assert book.answers("a ping", 3, "/") == [("pong to 3", 0.0)]
    assert book.answers("x 42 never", 1, "/") == [("number 42 from ann {{unknown}}", 0.0)]
    assert book.answers('{"op": "sub", "id": "x"}', 1, "/") == [
        ('ok {"op": "sub", "id": "x"}', 0.5)
    ]
    assert book.answers("not json {", 1, "/") == []


def test_broken_rules_say_why() -> None:
    with pytest.raises(RuleError, match="regex"):
        RuleBook([Rule(RuleKind.REGEX, "(")])
    with pytest.raises(RuleError, match="JSON"):
        RuleBook([Rule(RuleKind.JSON, "{")])
    with pytest.raises(RuleError, match="period"):
        RuleBook([Rule(RuleKind.EVERY, "", "tick", delay=0)])
    with pytest.raises(RuleError, match="kind"):
        rules_from_json([{"kind": "sometimes"}])


def test_settings_round_trip() -> None:
    settings = ServerSettings(
        host="0.0.0.0",
        port=9001,
        path="/ws",
        subprotocols=("a", "b"),
        compression=False,
        tls=TlsSettings("c.pem", "k.pem"),
        rules=(Rule(RuleKind.EVERY, "", "t", 2.0), Rule(RuleKind.TEXT, "x", "y", 0.1, False)),
        path_rejections={"/no": Rejection(418, (("X-A", "b"),), "teapot")},
    )
    assert settings_from_json(settings_to_json(settings)) == settings
    assert rules_from_json(rules_to_json(settings.rules)) == settings.rules


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_listen("") == ("127.0.0.1", 0)
    assert parse_listen(":8080") == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:81") == ("::1", 81)
    with pytest.raises(ValueError, match="number"):
        parse_listen("host:port")
    with pytest.raises(ValueError, match="between"):
        parse_listen("h:70000")
