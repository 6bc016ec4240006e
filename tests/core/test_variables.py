"""{{name}} substitution: environment first, then the profile; undefined names per field."""

from __future__ import annotations

from wsinspector.core.storage.profiles.variables import (
    references,
    resolve,
    resolve_message,
    substitute,
)
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode
from wsinspector.core.websocket.validation import FieldError


def test_substitute() -> None:
    assert substitute("ws://{{host}}:{{ port }}/x", {"host": "h", "port": "1"}) == (
        "ws://h:1/x",
        [],
    )
    assert substitute("{{a}}{{b}}{{a}}", {}) == ("{{a}}{{b}}{{a}}", ["a", "b"])
    # Values are inserted as they are: no second round.
    assert substitute("{{a}}", {"a": "{{b}}", "b": "no"}) == ("{{b}}", [])
    # Not names: left alone, never an error.
    for text in ('{{"op": 1}}', "{{#each items}}", "{{}}", "{{ 1x }}", "{single}"):
        assert substitute(text, {}) == (text, [])
    assert references("{{a}} {{b.c}} {{a}} {{d-e}}") == ["a", "b.c", "d-e"]


def test_environment_wins_over_the_profile() -> None:
    options = ConnectionOptions(uri="wss://{{host}}/feed?key={{key}}")
    resolved, errors = resolve(
        options, env_vars={"host": "prod.example"}, profile_vars={"host": "dev", "key": "k"}
    )
    assert errors == []
    assert resolved.uri == "wss://prod.example/feed?key=k"


def test_every_field_is_resolved() -> None:
    values = {"h": "example.com", "p": "chat", "n": "X-Tenant", "v": "acme", "t": "tok"}
    options = ConnectionOptions(
        uri="wss://{{h}}/",
        origin="https://{{h}}",
        subprotocols=("{{p}}.v2", "{{p}}.v1"),
        headers=(("{{n}}", "{{v}}"), ("Authorization", "Bearer {{t}}"), ("X-Plain", "{{ }}")),
        user_agent_mode=UserAgentMode.CUSTOM,
        user_agent="bot/{{v}}",
        ca_file="/certs/{{h}}.pem",
        on_connect_messages=('{"subscribe": "{{p}}"}',),
    )
    resolved, errors = resolve(options, values, {})
    assert errors == []
    assert resolved == ConnectionOptions(
        uri="wss://example.com/",
        origin="https://example.com",
        subprotocols=("chat.v2", "chat.v1"),
        headers=(("X-Tenant", "acme"), ("Authorization", "Bearer tok"), ("X-Plain", "{{ }}")),
        user_agent_mode=UserAgentMode.CUSTOM,
        user_agent="bot/acme",
        ca_file="/certs/example.com.pem",
        on_connect_messages=('{"subscribe": "chat"}',),
    )


def test_undefined_names_are_reported_per_field_before_sending() -> None:
    options = ConnectionOptions(
        uri="wss://{{host}}/?t={{token}}",
        origin="{{origin}}",
        subprotocols=("{{p1}}", "{{p2}}"),
        headers=(("X-Ok", "1"), ("{{name}}", "{{value}}"), ("X-Also", "{{token}}")),
        on_connect_messages=("{{sub}}",),
    )
    resolved, errors = resolve(options, {}, {"host": "h"})
    assert resolved.uri == "wss://h/?t={{token}}"
    assert [(e.field, e.row) for e in errors] == [
        ("uri", None),
        ("origin", None),
        ("subprotocols", None),
        ("headers", 1),
        ("headers", 2),
        ("on_connect", None),
    ]
    assert errors[0] == FieldError(
        "uri", "Undefined variable {{token}}: define it in the environment or the profile"
    )
    assert "{{p1}}, {{p2}}" in errors[2].message
    assert "{{name}}, {{value}}" in errors[3].message


def test_messages() -> None:
    assert resolve_message('{"id": "{{id}}"}', {"id": "7"}, {}) == ('{"id": "7"}', [])
    text, errors = resolve_message("{{nope}}", {}, {})
    assert text == "{{nope}}"
    assert [(e.field, e.row) for e in errors] == [("message", None)]
