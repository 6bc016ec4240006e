"""Profiles keep a page's protocol and its settings; a profile from before protocols is plain
WebSocket."""

from __future__ import annotations

from wsinspector.core.storage.profiles.format import options_from_json, options_to_json
from wsinspector.core.websocket.options import ConnectionOptions


def test_a_profile_keeps_its_protocol_and_settings() -> None:
    options = ConnectionOptions(
        "http://h:3000",
        protocol="socketio",
        protocol_params=(("namespace", "/admin"), ("auth", '{"token": "t"}')),
    )
    assert options_from_json(options_to_json(options)) == options


def test_a_profile_from_before_protocols_is_plain_websocket() -> None:
    document = options_to_json(ConnectionOptions("ws://h/"))
    del document["protocol"], document["protocol_params"]  # type: ignore[attr-defined]
    assert options_from_json(document).protocol == ""
