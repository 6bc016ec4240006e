"""Profile documents: options → JSON → options is exact; migrations; strict reading."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsinspector.core.decoders.settings import DecoderKind, DecoderSettings
from wsinspector.core.log.events import Direction
from wsinspector.core.storage.profiles import (
    FORMAT_VERSION,
    MessageMode,
    Profile,
    ProfileFormatError,
    RelaySettings,
    SavedMessage,
    SecretFlags,
)
from wsinspector.core.storage.profiles.format import (
    dump,
    migrate,
    options_from_json,
    options_to_json,
    parse_profile,
    profile_to_json,
)
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode
from wsinspector.core.websocket.reconnect import ReconnectPolicy

finite = st.floats(allow_nan=False, allow_infinity=False)
optional_finite = st.none() | finite
text = st.text(max_size=40)

policies = st.builds(
    ReconnectPolicy,
    enabled=st.booleans(),
    initial_delay=finite,
    min_delay=finite,
    factor=finite,
    max_delay=finite,
    max_attempts=st.integers(),
    jitter=st.booleans(),
    on_clean_close=st.booleans(),
)

all_options = st.builds(
    ConnectionOptions,
    uri=text,
    origin=text,
    subprotocols=st.lists(text, max_size=4).map(tuple),
    # Repeated names and their order are what a list of pairs must keep.
    headers=st.lists(
        st.tuples(st.sampled_from(["X-A", "x-a", "Cookie", ""]) | text, text), max_size=6
    ).map(tuple),
    user_agent_mode=st.sampled_from(UserAgentMode),
    user_agent=text,
    tls_verify=st.booleans(),
    ca_file=text,
    open_timeout=optional_finite,
    ping_interval=optional_finite,
    ping_timeout=optional_finite,
    close_timeout=finite,
    max_message_size=st.none() | st.integers(),
    compression=st.booleans(),
    max_redirects=st.integers(),
    reconnect=policies,
    on_connect_messages=st.lists(text, max_size=4).map(tuple),
    decoder=st.builds(
        DecoderSettings, kind=st.sampled_from(DecoderKind), proto_file=text, message_type=text
    ),
)

profiles = st.builds(
    Profile,
    name=text,
    options=all_options,
    folder=text,
    messages=st.lists(
        st.builds(SavedMessage, name=text, text=text, mode=st.sampled_from(MessageMode)),
        max_size=3,
    ).map(tuple),
    variables=st.dictionaries(text, text, max_size=4),
    secrets=st.builds(
        SecretFlags,
        headers=st.frozensets(text, max_size=3),
        variables=st.frozensets(text, max_size=3),
        query=st.frozensets(text, max_size=3),
    ),
)


@settings(max_examples=300, database=None)
@given(options=all_options)
def test_options_json_options_is_exact(options: ConnectionOptions) -> None:
    document = json.loads(dump(options_to_json(options)))
    back = options_from_json(document)
    assert back == options
    # Exact means the same bits too: -0.0 stays -0.0, 1e-300 stays 1e-300.
    for name in ("open_timeout", "ping_interval", "ping_timeout", "close_timeout"):
        a, b = getattr(options, name), getattr(back, name)
        assert (a is None and b is None) or math.copysign(1, a) == math.copysign(1, b)


@settings(max_examples=200, database=None)
@given(profile=profiles)
def test_profile_file_round_trip(profile: Profile) -> None:
    back, withheld = parse_profile(dump(profile_to_json(profile)), profile.id)
    assert back == profile
    assert withheld == frozenset()


def test_every_options_field_is_written_under_its_name() -> None:
    document = options_to_json(ConnectionOptions(uri="ws://h/"))
    assert set(document) == set(ConnectionOptions.__dataclass_fields__)
    assert set(document["reconnect"]) == set(ReconnectPolicy.__dataclass_fields__)
    assert set(document["decoder"]) == set(DecoderSettings.__dataclass_fields__)


def test_a_minimal_hand_written_profile_takes_the_defaults() -> None:
    raw = b'{"version": 1, "name": "echo", "options": {"uri": "ws://localhost:8765/"}}'
    profile, _ = parse_profile(raw, "abc")
    assert profile == Profile(
        name="echo", options=ConnectionOptions("ws://localhost:8765/"), id="abc"
    )


def test_whole_numbers_read_as_seconds() -> None:
    raw = b'{"version": 1, "name": "n", "options": {"uri": "ws://h/", "close_timeout": 5}}'
    profile, _ = parse_profile(raw)
    assert profile.options.close_timeout == 5.0
    assert isinstance(profile.options.close_timeout, float)


def test_version_0_migrates() -> None:
    raw = json.dumps(
        {
            "version": 0,
            "name": "old",
            "uri": "wss://example.com/feed",
            "origin": "https://example.com",
            "subprotocols": "v2.chat, v1.chat",
            "headers": {"Authorization": "Bearer x", "X-Trace": "1"},
            "reconnect": True,
        }
    ).encode()
    profile, _ = parse_profile(raw)
    assert profile.name == "old"
    assert profile.options == ConnectionOptions(
        uri="wss://example.com/feed",
        origin="https://example.com",
        subprotocols=("v2.chat", "v1.chat"),
        headers=(("Authorization", "Bearer x"), ("X-Trace", "1")),
        reconnect=ReconnectPolicy(enabled=True),
    )
    assert migrate({"version": 0, "name": "n", "uri": "ws://h/"})["version"] == FORMAT_VERSION


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "must be an object"),
        (b'{"name": "n"}', 'no "version"'),
        (b'{"version": 2, "name": "n", "options": {"uri": ""}}', "newer"),
        (b'{"version": -1, "name": "n"}', "unknown version"),
        (b'{"version": "1", "name": "n"}', "not a number"),
        (b'{"version": 1, "name": 3, "options": {"uri": ""}}', "name must be a string"),
        (b'{"version": 1, "name": "n"}', "options must be an object"),
        (b'{"version": 1, "name": "n", "options": {}}', "no uri"),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "headers": [["a"]]}}',
            "options.headers[0] must be a [name, value] pair",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "open_timeout": "10"}}',
            "options.open_timeout must be a number",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "tls_verify": 1}}',
            "options.tls_verify must be true or false",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "max_message_size": 1.5}}',
            "options.max_message_size must be a whole number",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "close_timeout": NaN}}',
            "finite",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "user_agent_mode": "x"}}',
            "user_agent_mode must be one of",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": ""}, "messages": [{"mode": "z"}]}',
            "messages[0].mode",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": ""}, "variables": {"a": 1}}',
            "variables.a must be a string",
        ),
        (
            b'{"version": 1, "name": "n", "options": {"uri": "", "decoder": {"kind": "x"}}}',
            "options.decoder.kind must be one of none, msgpack, cbor, protobuf",
        ),
    ],
)
def test_unreadable_documents_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(ProfileFormatError, match=None) as info:
        parse_profile(raw)
    assert reason in str(info.value)


def test_nan_is_refused_on_save() -> None:
    options = ConnectionOptions(uri="ws://h/", close_timeout=math.nan)
    with pytest.raises(ProfileFormatError, match="can't be saved"):
        dump(options_to_json(options))


def test_a_relay_pages_settings_round_trip_and_others_have_none() -> None:
    relay = RelaySettings(
        listen="127.0.0.1:9001",
        fault_code=4000,
        intercept=True,
        intercept_filter="secret",
        intercept_directions=frozenset({Direction.OUT}),
    )
    profile = Profile("relay", ConnectionOptions("ws://upstream/"), relay=relay)
    document = profile_to_json(profile)
    assert document["relay"]["intercept_directions"] == ["to-upstream"]
    assert parse_profile(dump(document))[0] == profile
    assert "relay" not in profile_to_json(Profile("plain", ConnectionOptions("ws://h/")))
    raw = b'{"version": 1, "name": "n", "options": {"uri": ""}, "relay": {}}'
    assert parse_profile(raw)[0].relay == RelaySettings()
    bad = b'{"version": 1, "name": "n", "options": {"uri": ""}, "relay": {"fault_code": "x"}}'
    with pytest.raises(ProfileFormatError, match=r"relay\.fault_code"):
        parse_profile(bad)
