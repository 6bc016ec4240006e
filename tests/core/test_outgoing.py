"""One message preparation for every send path: variables filled alike, then encoded."""

from __future__ import annotations

import msgpack

from wsinspector.core.decoders.settings import DecoderKind
from wsinspector.core.storage.profiles import MessageMode
from wsinspector.core.storage.profiles.outgoing import prepare_message

ENV = {"id": "7", "room": "env-room"}
PROFILE = {"room": "lobby", "floor": "2"}  # the environment wins where both define one


def test_text_saved_and_encoded_messages_fill_variables_the_same_way() -> None:
    text = prepare_message('{"id": {{id}}, "room": "{{room}}"}', MessageMode.TEXT, ENV, PROFILE)
    saved = prepare_message('{"id": {{id}}, "room": "{{room}}"}', MessageMode.JSON, ENV, PROFILE)
    encoded = prepare_message(
        '{"id": {{id}}, "room": "{{room}}"}', DecoderKind.MSGPACK, ENV, PROFILE
    )
    hexed = prepare_message("{{id}}f", MessageMode.BINARY, {"id": "7"}, {})
    assert text.payload == saved.payload == '{"id": 7, "room": "env-room"}'
    assert isinstance(encoded.payload, bytes)
    assert msgpack.unpackb(encoded.payload) == {"id": 7, "room": "env-room"}
    assert hexed.payload == b"\x7f"


def test_an_undefined_variable_stops_every_kind_of_message_with_the_same_words() -> None:
    problems = {
        prepare_message("{{nope}}", encoding, ENV, PROFILE).problem
        for encoding in (MessageMode.TEXT, MessageMode.BINARY, DecoderKind.CBOR)
    }
    (problem,) = problems
    assert "nope" in problem


def test_what_cannot_be_encoded_says_why_and_gives_no_payload() -> None:
    bad_json = prepare_message("{", DecoderKind.CBOR, {}, {})
    bad_hex = prepare_message("zz", MessageMode.BINARY, {}, {})
    assert bad_json.payload is None and "invalid JSON" in bad_json.problem
    assert bad_hex.payload is None and bad_hex.problem
