"""MQTT framing on its own: what the broker tests can't provoke (cut and joined packets,
garbage), read as the protocol reads it."""

from __future__ import annotations

import pytest

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols.mqtt import codec
from wsinspector.core.protocols.mqtt.codec import Type, Version
from wsinspector.core.protocols.mqtt.properties import MalformedPacket, Reader, varint
from wsinspector.core.protocols.mqtt.protocol import MqttProtocol, MqttSettings, Publish, describe


@pytest.mark.parametrize("value", [0, 127, 128, 16_383, 16_384, 2_097_151, 268_435_455])
def test_variable_byte_integers_round_trip(value: int) -> None:
    encoded = varint(value)
    assert len(encoded) == 1 + (value > 127) + (value > 16_383) + (value > 2_097_151)
    assert Reader(encoded).varint("test") == value


def test_a_packet_cut_across_messages_is_read_once_whole() -> None:
    protocol = MqttProtocol()
    protocol.on_open()
    data = codec.publish(Version.V311, "a/b", b"payload", qos=1, packet_id=7)
    first, answers = protocol.read(data[:3])
    assert (first.kind, first.problem, answers) == ("partial", "", [])
    reading, answers = protocol.read(data[3:])
    assert (reading.kind, reading.name) == ("PUBLISH", "a/b")
    assert [a.data for a in answers] == [codec.ack(Type.PUBACK, 7)]


def test_two_packets_in_one_message_are_both_read_and_answered() -> None:
    protocol = MqttProtocol()
    protocol.on_open()
    two = codec.publish(Version.V311, "t", b"1", qos=2, packet_id=1) + codec.ack(Type.PUBREL, 9)
    reading, answers = protocol.read(two)
    assert reading.kind == "PUBLISH + PUBREL"
    assert [a.data for a in answers] == [codec.ack(Type.PUBREC, 1), codec.ack(Type.PUBCOMP, 9)]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x00\x00", "reserved"),
        (b"\x30\x04\x00\x09ab", "needs 9 bytes"),
        (b"\x36\x03\x00\x01a", "QoS 3"),
        (b"\x62\x03\x00\x01\x00", "bytes more than its fields"),
        (b"\xc1\x00", "reserved flags"),
    ],
)
def test_garbage_is_a_reading_with_its_reason(data: bytes, words: str) -> None:
    reading = describe(data)
    assert reading.kind == "malformed" and words in reading.problem
    with pytest.raises(MalformedPacket):
        codec.decode(data, Version.V311)
    protocol = MqttProtocol()
    protocol.on_open()
    assert words in protocol.read(data)[0].problem
    # The protocol starts afresh after garbage: the next packet reads.
    assert protocol.read(codec.packet(Type.PINGRESP, b""))[0].kind == "PINGRESP"


def test_text_is_not_mqtt() -> None:
    assert "binary" in MqttProtocol().read("hello")[0].problem


def test_v5_properties_are_read() -> None:
    body = b"\x00\x00" + b"\x08" + b"\x13\x00\x05" + b"\x1f\x00\x02ok"
    reading = describe(codec.packet(Type.CONNACK, body), Version.V5)
    assert reading.value == {
        "type": "CONNACK",
        "session_present": False,
        "reason_code": 0,
        "properties": {"server_keep_alive": 5, "reason_string": "ok"},
    }


def test_server_keep_alive_replaces_ours() -> None:
    now = [100.0]
    protocol = MqttProtocol(MqttSettings(version=Version.V5), clock=lambda: now[0])
    protocol.on_open()
    protocol.read(codec.packet(Type.CONNACK, b"\x00\x00\x03\x13\x00\x05"))
    assert protocol.tick(now[0] + 4.9) == ([], "")
    due, problem = protocol.tick(now[0] + 5.0)
    assert [d.data for d in due] == [codec.PINGREQ] and not problem
    assert "no PINGRESP" in protocol.tick(now[0] + 5 + 7.6)[1]


def test_publishing_to_a_wildcard_is_refused_in_words() -> None:
    with pytest.raises(UserError, match="can't be empty or hold"):
        MqttProtocol().encode(Publish("a/#"))
