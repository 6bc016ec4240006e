"""STOMP frames across WebSocket messages, with exact bytes: several frames in one message,
heart-beat end-of-lines alone or between frames, and a frame split over messages, kept until
its end arrives (what a broker rarely does, and the broker tests can't make it do)."""

from __future__ import annotations

import pytest

from wsinspector.core.protocols.stomp import protocol as stomp_protocol
from wsinspector.core.protocols.stomp.frames import IncompleteFrame, parse_all
from wsinspector.core.protocols.stomp.protocol import StompCompose, StompProtocol, describe

ONE = b"MESSAGE\ndestination:/q/a\nmessage-id:1\nsubscription:sub-1\nack:a-1\n\nfirst\x00"
TWO = b"MESSAGE\ndestination:/q/a\nmessage-id:2\nsubscription:sub-1\nack:a-2\n\nsecond\x00"
RECEIPT = b"RECEIPT\nreceipt-id:r-7\n\n\x00"


def opened() -> StompProtocol:
    protocol = StompProtocol()
    protocol.on_open()
    protocol.read(b"CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\x00")
    return protocol


def bodies(value: object) -> list[object]:
    assert isinstance(value, list)
    return [frame.get("body") for frame in value]


def test_several_frames_in_one_message_are_one_reading_that_lists_each() -> None:
    protocol = opened()
    reading, answers = protocol.read(ONE + b"\n" + TWO)
    assert (reading.kind, reading.name, reading.detail) == ("MESSAGE", "/q/a", "2 frames")
    assert bodies(reading.value) == ["first", "second"] and answers == []
    assert describe(ONE + b"\n" + TWO) == reading
    # Each frame was read: an ACK goes to the last MESSAGE.
    (ack,) = protocol.encode(StompCompose("ACK"))
    assert "id:a-2" in str(ack.data)
    mixed = protocol.read(RECEIPT + ONE)[0]
    assert (mixed.kind, mixed.name) == ("RECEIPT + MESSAGE", "r-7")


def test_heart_beats_ride_alone_or_between_frames() -> None:
    protocol = opened()
    assert protocol.read(b"\r\n")[0].kind == "heart-beat"
    reading = protocol.read(b"\n" + ONE + b"\r\n\n" + RECEIPT + b"\n")[0]
    assert (reading.kind, reading.detail) == ("MESSAGE + RECEIPT", "2 frames")
    assert not reading.problem


def test_a_frame_split_across_messages_is_kept_until_its_end() -> None:
    protocol = opened()
    first, second = ONE[:40], ONE[40:]
    start = protocol.read(first)[0]
    assert (start.kind, start.name, start.problem) == ("MESSAGE", "/q/a", "")
    assert "incomplete" in start.detail
    end = protocol.read(second)[0]
    assert (end.kind, end.name) == ("MESSAGE", "/q/a")
    assert isinstance(end.value, dict) and end.value["body"] == "first"
    assert end.detail == "ends a frame begun in an earlier message"
    # A row asks describe() for each message: the first says incomplete, the second whole.
    assert protocol.describe(first, True) == start
    assert protocol.describe(second, True) == end
    assert "incomplete" in describe(first).detail  # read on its own, as when recorded
    # The session goes on as usual afterwards.
    assert protocol.read(TWO)[0] == describe(TWO)


def test_a_frame_in_three_parts_with_a_nul_in_its_body_then_another() -> None:
    protocol = opened()
    parts = [
        b"MESSAGE\ndestin",
        b"ation:/q/b\ncontent-length:3\n\na",
        b"\x00b\x00\nMESSAGE\ndestination:/q/c\n\nnext\x00",
    ]
    readings = [protocol.read(part)[0] for part in parts]
    assert [r.kind for r in readings] == ["MESSAGE", "MESSAGE", "MESSAGE"]
    assert readings[0].name == "" and readings[1].name == "/q/b"
    assert "incomplete" in readings[0].detail and "incomplete" in readings[1].detail
    last = readings[2]
    assert last.detail == "2 frames; ends a frame begun in an earlier message"
    assert last.name == "/q/b" and bodies(last.value)[1] == "next"
    assert isinstance(last.value, list) and last.value[0]["body"] == "a\x00b"


def test_an_end_of_line_inside_an_unfinished_frame_is_its_body_not_a_heart_beat() -> None:
    protocol = opened()
    protocol.read(b"MESSAGE\ndestination:/q\n\nline one")
    assert protocol.read(b"\n")[0].kind == "MESSAGE"
    end = protocol.read(b"line two\x00")[0]
    assert isinstance(end.value, dict) and end.value["body"] == "line one\nline two"


def test_a_frame_that_ends_wrong_is_malformed_and_the_next_one_reads() -> None:
    protocol = opened()
    assert "incomplete" in protocol.read(b"MESSAGE\ncontent-length:2\n\na")[0].detail
    broken = protocol.read(b"bc\x00")[0]
    assert "no NUL after the 2 bytes" in broken.problem
    assert protocol.read(ONE)[0] == describe(ONE)


def test_an_unfinished_frame_is_given_up_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stomp_protocol, "PENDING_LIMIT", 64)
    protocol = opened()
    protocol.read(b"MESSAGE\ndestination:/q\n\n" + b"x" * 30)
    assert "no end after" in protocol.read(b"y" * 30)[0].problem
    assert protocol.read(ONE)[0] == describe(ONE)


def test_a_new_connection_forgets_an_unfinished_frame() -> None:
    protocol = opened()
    protocol.read(ONE[:30])
    protocol.on_open()
    assert protocol.read(ONE)[0] == describe(ONE)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"SEND\ndestination:/q\n\nno end", "no NUL"),
        (b"SEND\ncontent-length:9\n\nshort\x00", "fewer than the 9 bytes"),
        (b"SEND\ndestination:/q", "no blank line"),
        (b"SEN", "no blank line"),
    ],
)
def test_a_frame_cut_short_reads_as_incomplete(data: bytes, words: str) -> None:
    with pytest.raises(IncompleteFrame, match=words):
        parse_all(data)
    reading = describe(data)
    assert reading.kind == "SEND" or data == b"SEN"
    assert not reading.problem and "incomplete" in reading.detail
