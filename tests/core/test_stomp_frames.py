"""STOMP framing and session rules on their own: what the broker tests can't provoke."""

from __future__ import annotations

import pytest

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols.stomp.frames import (
    V11,
    V12,
    Frame,
    MalformedFrame,
    encode,
    parse_all,
)
from wsinspector.core.protocols.stomp.protocol import (
    StompCompose,
    StompProtocol,
    StompSettings,
    describe,
)


def test_headers_are_escaped_and_read_back_per_version() -> None:
    frame = Frame("SEND", (("destination", "/q/a"), ("odd:name", "line\nbreak\\ and\r")))
    wire = encode(frame, V12)
    assert b"odd\\cname:line\\nbreak\\\\ and\\r" in wire
    assert parse_all(wire, V12) == [Frame("SEND", frame.headers, b"")]
    # 1.1 has no \r escape: a carriage return goes as it is, and "\r" in a header is an error.
    assert b"and\r\n" in encode(frame, V11)
    with pytest.raises(MalformedFrame, match=r"undefined escape \\r"):
        parse_all(wire, V11)


def test_connect_is_not_escaped() -> None:
    wire = encode(Frame("CONNECT", (("login", "a\\b"),)))
    assert b"login:a\\b\n" in wire
    assert parse_all(wire)[0].header("login") == "a\\b"


def test_content_length_carries_a_nul_and_frames_may_share_a_message() -> None:
    one = encode(Frame("MESSAGE", (("destination", "/q/x"),), b"a\x00b"))
    two = encode(Frame("RECEIPT", (("receipt-id", "7"),)))
    frames = parse_all(one + b"\n" + two + b"\r\n")
    assert [f.command for f in frames] == ["MESSAGE", "RECEIPT"]
    assert frames[0].body == b"a\x00b"
    reading = describe(one + two)
    assert reading.kind == "MESSAGE + RECEIPT"


def test_the_first_of_repeated_headers_counts() -> None:
    frame = parse_all(b"MESSAGE\nfoo:1\nfoo:2\n\n\x00")[0]
    assert frame.header("foo") == "1" and frame.to_json()["headers"] == {"foo": "1"}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"HELLO\n\n\x00", "unknown command"),
        (b"HELLO\ndestination:/q", "unknown command"),
        (b"SEND\ncontent-length:2\n\nshort\x00", "content-length"),
        (b"SEND\nno colon here\n\n\x00", "without a colon"),
        (b"hello", "no blank line"),
        (b"SEND\nbad:\\x\n\n\x00", "undefined escape"),
    ],
)
def test_what_is_not_a_frame_is_a_reading_with_its_reason(data: bytes, words: str) -> None:
    assert words in describe(data).problem
    protocol = StompProtocol()
    protocol.on_open()
    reading, answers = protocol.read(data)
    assert reading.kind == "malformed" and words in reading.problem and answers == []


def test_heart_beats_are_agreed_sent_and_missed() -> None:
    now = [10.0]
    protocol = StompProtocol(
        StompSettings(heartbeat_send=1000, heartbeat_receive=2000), lambda: now[0]
    )
    assert "heart-beat:1000,2000" in str(protocol.on_open()[0].data)
    protocol.read(encode(Frame("CONNECTED", (("version", "1.2"), ("heart-beat", "3000,500")))))
    assert (protocol.send_every, protocol.expect_every) == (1.0, 3.0)
    assert protocol.tick(10.5) == ([], "")
    now[0] = 11.0
    due, problem = protocol.tick(11.0)
    assert [d.data for d in due] == ["\n"] and problem == ""
    assert "no heart-beat from the server for 6.5 s" in protocol.tick(16.5)[1]
    assert protocol.tick(17.0)[1] == ""  # said once per silence
    assert protocol.read("\n")[0].kind == "heart-beat"


def test_no_heart_beats_when_either_side_says_zero() -> None:
    protocol = StompProtocol(StompSettings(heartbeat_send=0, heartbeat_receive=1000))
    protocol.on_open()
    protocol.read(encode(Frame("CONNECTED", (("version", "1.2"), ("heart-beat", "0,1000")))))
    assert (protocol.send_every, protocol.expect_every) == (0.0, 0.0)


def test_the_headers_a_command_needs_are_filled_or_asked_for() -> None:
    protocol = StompProtocol()
    protocol.on_open()
    with pytest.raises(UserError, match="SEND needs a destination"):
        protocol.encode(StompCompose("SEND"))
    with pytest.raises(UserError, match="not a STOMP command"):
        protocol.encode(StompCompose("CONNECT"))
    with pytest.raises(UserError, match="COMMIT and ABORT need a transaction"):
        protocol.encode(StompCompose("commit"))
    subscribe = describe(protocol.encode(StompCompose("SUBSCRIBE", "/topic/t"))[0].data)
    assert subscribe.value == {
        "command": "SUBSCRIBE",
        "headers": {"destination": "/topic/t", "id": "sub-1"},
        "body": "",
    }
    unsubscribe = describe(protocol.encode(StompCompose("UNSUBSCRIBE", "/topic/t"))[0].data)
    assert unsubscribe.value == {"command": "UNSUBSCRIBE", "headers": {"id": "sub-1"}, "body": ""}
    with pytest.raises(UserError, match="UNSUBSCRIBE needs"):
        protocol.encode(StompCompose("UNSUBSCRIBE", "/topic/t"))
    with pytest.raises(UserError, match="ACK and NACK need"):
        protocol.encode(StompCompose("ACK"))


def test_a_body_that_is_not_utf8_goes_as_binary() -> None:
    protocol = StompProtocol()
    protocol.on_open()
    (out,) = protocol.encode(StompCompose("SEND", "/q/b", body=b"\xff\x00"))
    assert isinstance(out.data, bytes) and out.data.endswith(b"\xff\x00\x00")
