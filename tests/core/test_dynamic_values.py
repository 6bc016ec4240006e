"""Dynamic values anywhere {{name}} works (issue 22): {{$timestamp}}, {{$isoTimestamp}},
{{$randomUUID}}, {{$randomInt}} and a counter per page."""

from __future__ import annotations

import re
import uuid

from helpers.sessions import options_for

from wsinspector.core.storage.profiles import MessageMode
from wsinspector.core.storage.profiles.dynamic import RANDOM_INT_MAX, DynamicValues
from wsinspector.core.storage.profiles.outgoing import prepare_message
from wsinspector.core.storage.profiles.variables import resolve
from wsinspector.core.text.secrets import is_placeholder_value

MOMENT = 1_700_000_000.25  # 2023-11-14T22:13:20.250Z


def test_each_dynamic_value_in_a_message() -> None:
    dynamic = DynamicValues(clock=lambda: MOMENT)
    text = "{{$timestamp}} {{ $isoTimestamp }} {{$randomUUID}} {{$randomInt}} {{$counter}}"
    prepared = prepare_message(text, MessageMode.TEXT, {}, {}, dynamic)
    assert isinstance(prepared.payload, str), prepared.problem
    stamp, iso, uid, number, count = prepared.payload.split(" ")
    assert (stamp, iso, count) == ("1700000000", "2023-11-14T22:13:20.250Z", "1")
    assert uuid.UUID(uid).version == 4
    assert 0 <= int(number) <= RANDOM_INT_MAX


def test_the_counter_counts_per_page_and_once_per_message() -> None:
    page, other = DynamicValues(), DynamicValues()
    sent = [
        prepare_message("{{$counter}}/{{$counter}}", MessageMode.TEXT, {}, {}, page).payload
        for _ in range(3)
    ]
    assert sent == ["1/1", "2/2", "3/3"]
    assert prepare_message("n{{$counter}}", MessageMode.TEXT, {}, {}, other).payload == "n1"
    # A message without the counter does not move it.
    prepare_message("plain", MessageMode.TEXT, {}, {}, page)
    assert prepare_message("{{$counter}}", MessageMode.TEXT, {}, {}, page).payload == "4"


def test_random_values_differ_each_time_and_in_one_text() -> None:
    prepared = prepare_message("{{$randomUUID}} {{$randomUUID}}", MessageMode.TEXT, {}, {})
    assert isinstance(prepared.payload, str)
    first, second = prepared.payload.split(" ")
    assert first != second


def test_an_unknown_dynamic_value_is_said_and_nothing_is_sent() -> None:
    prepared = prepare_message("{{$nope}}", MessageMode.TEXT, {}, {})
    assert prepared.payload is None
    assert "Unknown dynamic value {{$nope}}" in prepared.problem
    assert "{{$randomUUID}}" in prepared.problem


def test_connection_fields_take_dynamic_values_too() -> None:
    options = options_for("ws://h/feed?t={{$timestamp}}", headers=(("X-Req", "{{$counter}}"),))
    resolved, errors = resolve(options, {}, {}, DynamicValues(clock=lambda: MOMENT))
    assert errors == []
    assert resolved.uri == "ws://h/feed?t=1700000000"
    assert resolved.headers == (("X-Req", "1"),)
    # A dynamic value is no secret of its own, like any reference.
    assert is_placeholder_value("Bearer {{$randomUUID}}")
    assert re.fullmatch(r"\d+", resolve(options, {}, {})[0].uri.rpartition("=")[2])
