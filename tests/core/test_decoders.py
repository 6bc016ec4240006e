"""Payload decoders: each on what its own library made, and on a truncated payload."""

from __future__ import annotations

import base64
import datetime
import json
from pathlib import Path
from typing import Any

import cbor2
import msgpack
import pytest
from helpers.proto import write_tick_proto

from wsinspector.core.decoders.page import PageDecoder, decode
from wsinspector.core.decoders.proto_schema import ProtoLoadError, ProtoSchema, load_proto
from wsinspector.core.decoders.settings import DecoderKind, DecoderSettings
from wsinspector.core.decoders.text import decode_base64, encode_json
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.log.filtering import LogFilter, compile_filter, filter_indexes

VALUE = {"symbol": "BTC", "price": 3.5, "sizes": [1, 2, 300], "ok": True, "none": None}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> ProtoSchema:
    return load_proto(str(write_tick_proto(tmp_path_factory.mktemp("proto"))))


def tick(schema: ProtoSchema) -> bytes:
    message = schema.message_class("demo.Tick")(symbol="BTC", price=3.5, sizes=[1, 2, 300])
    message.inner.blob = b"\x00\xff"
    message.at.seconds = 100
    message.note.text = "hello"
    data: bytes = message.SerializeToString()
    return data


# -- MessagePack -------------------------------------------------------------------------------


def test_msgpack_payload_decodes_to_its_json_value() -> None:
    result = decode(msgpack.packb(VALUE), DecoderKind.MSGPACK)
    assert result.ok, result.reason()
    assert result.value == VALUE
    assert json.loads(result.text()) == VALUE
    assert result.line() == json.dumps(VALUE, separators=(",", ":"))


def test_msgpack_bytes_keys_and_extensions_are_shown_and_said() -> None:
    packed = msgpack.packb(
        {1: b"\x00\xff", b"k": [msgpack.ExtType(5, b"ab")], "f": float("inf")},
        use_bin_type=True,
    )
    result = decode(packed, DecoderKind.MSGPACK)
    assert result.value == {
        "1": "0x00ff",
        "0x6b": [{"ext": 5, "data": "0x6162"}],
        "f": "inf",
    }
    assert "hex" in result.note


def test_truncated_msgpack_says_why_and_where() -> None:
    packed = msgpack.packb(VALUE)
    result = decode(packed[:-4], DecoderKind.MSGPACK)
    assert not result.ok
    assert result.offset == len(packed) - 4
    assert "truncated" in result.reason() and "MessagePack" in result.reason()
    assert result.text() == "" and result.line() == ""


def test_msgpack_with_a_bad_byte_or_extra_data_says_where() -> None:
    bad = decode(b"\x92\x01\xc1", DecoderKind.MSGPACK)
    assert (bad.ok, bad.offset) == (False, 2)
    assert "0xc1" in bad.error
    extra = decode(msgpack.packb(1) + b"\x02\x03", DecoderKind.MSGPACK)
    assert (extra.ok, extra.offset) == (False, 1)
    assert "2 bytes of extra data" in extra.error


# -- CBOR --------------------------------------------------------------------------------------


def test_cbor_payload_decodes_to_its_json_value() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    data = cbor2.dumps({**VALUE, "at": when, "tagged": cbor2.CBORTag(4000, "x"), "b": b"hi"})
    result = decode(data, DecoderKind.CBOR)
    assert result.ok, result.reason()
    assert result.value == {
        **VALUE,
        "at": "2026-01-02T03:04:05+00:00",
        "tagged": {"tag": 4000, "value": "x"},
        "b": "0x6869",
    }


def test_truncated_cbor_says_why_and_where() -> None:
    data = cbor2.dumps(VALUE)
    result = decode(data[:-3], DecoderKind.CBOR)
    assert not result.ok
    assert result.offset == len(data) - 3
    assert "truncated" in result.error
    assert decode(data + b"\x00", DecoderKind.CBOR).offset == len(data)


# -- Protocol Buffers --------------------------------------------------------------------------


def test_protobuf_with_its_schema_uses_the_json_mapping(schema: ProtoSchema) -> None:
    assert schema.message_types == ("demo.Tick", "demo.Tick.Note", "demo.Inner")
    result = decode(tick(schema), DecoderKind.PROTOBUF, schema, "demo.Tick")
    assert result.ok, result.reason()
    assert result.value == {
        "symbol": "BTC",
        "price": 3.5,
        "sizes": [1, 2, 300],
        "inner": {"blob": "AP8="},
        "at": "1970-01-01T00:01:40Z",
        "note": {"text": "hello"},
    }
    assert "base64" in result.note


def test_protobuf_without_a_schema_decodes_by_field_number(schema: ProtoSchema) -> None:
    result = decode(tick(schema), DecoderKind.PROTOBUF)
    assert result.ok, result.reason()
    value: Any = result.value
    assert value["1"] == "BTC"
    assert value["2"]["double"] == 3.5
    assert value["3"] == "0x0102ac02"  # packed varints: bytes without the schema
    assert value["4"] == {"1": "0x00ff"}  # a nested message
    assert value["5"] == {"1": 100}
    assert value["6"] == {"1": "hello"}
    repeated = decode(b"\x08\x01\x08\x02", DecoderKind.PROTOBUF)
    assert repeated.value == {"1": [1, 2]}


def test_truncated_protobuf_says_why_with_and_without_schema(schema: ProtoSchema) -> None:
    data = tick(schema)[:3]  # inside the symbol string
    for result in (
        decode(data, DecoderKind.PROTOBUF),
        decode(data, DecoderKind.PROTOBUF, schema, "demo.Tick"),
    ):
        assert not result.ok
        assert "DecodeError" in result.error
        assert result.reason().startswith("Not Protocol Buffers")


def test_unknown_message_type_is_a_reason_not_an_exception(schema: ProtoSchema) -> None:
    result = decode(b"", DecoderKind.PROTOBUF, schema, "demo.Nope")
    assert not result.ok and "demo.Nope" in result.error


def test_a_bad_proto_file_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.proto"
    path.write_text('syntax = "proto3";\nmessage X { strin a = 1; }\n', encoding="utf-8")
    with pytest.raises(ProtoLoadError, match=r'bad\.proto:2:13: "strin" is not defined'):
        load_proto(str(path))
    with pytest.raises(ProtoLoadError, match="no such file"):
        load_proto(str(tmp_path / "missing.proto"))
    (tmp_path / "empty.proto").write_text('syntax = "proto3";\n', encoding="utf-8")
    with pytest.raises(ProtoLoadError, match="no message type"):
        load_proto(str(tmp_path / "empty.proto"))


@pytest.mark.parametrize("path", ["~0", "~nosuchuser/x.proto"])
def test_a_home_folder_that_does_not_exist_is_said(path: str) -> None:
    # Path.expanduser raises RuntimeError for a user it can't find (Hypothesis found "~0").
    with pytest.raises(ProtoLoadError, match="no such user"):
        load_proto(path)


def test_a_name_too_long_for_the_system_is_said() -> None:
    with pytest.raises(ProtoLoadError, match="File name too long"):
        load_proto("x" * 5000 + ".proto")


# -- never raising, pages, text ---------------------------------------------------------------


@pytest.mark.parametrize("kind", [DecoderKind.MSGPACK, DecoderKind.CBOR, DecoderKind.PROTOBUF])
@pytest.mark.parametrize(
    "data", [b"", b"\xff" * 7, b"\x9f" * 5000, b"\xdd\xff\xff\xff\xff", bytes(range(256))]
)
def test_decoders_never_raise(kind: DecoderKind, data: bytes) -> None:
    result = decode(data, kind)
    assert result.ok or result.reason()


def test_deep_nesting_is_a_reason() -> None:
    deep = b"\x91" * 100_000 + b"\x01"  # arrays of one array, 100 000 deep
    result = decode(deep, DecoderKind.MSGPACK)
    assert not result.ok and result.error


def test_page_decoder_lines_are_cached_and_none_when_not_decoded() -> None:
    page = PageDecoder(DecoderSettings(DecoderKind.MSGPACK))
    packed = msgpack.packb({"a": 1})
    assert page.line(packed) == '{"a":1}'
    assert page.line(packed) is page.line(packed)
    assert page.line(b"\xc1") is None
    assert PageDecoder(DecoderSettings()).line(packed) is None


def test_base64_text_decodes_in_either_alphabet() -> None:
    data = b"hello\xfb\xff"
    url_safe = base64.urlsafe_b64encode(data).rstrip(b"=")
    assert b"-" in url_safe or b"_" in url_safe
    for text in (base64.b64encode(data), b" " + url_safe + b" \n"):
        result, raw = decode_base64(text)
        assert result.ok and raw == data
    bad, nothing = decode_base64(b"not base64!")
    assert not bad.ok and nothing is None and bad.error


def test_json_encodes_to_msgpack_and_cbor_that_decode_back() -> None:
    text = '{"symbol": "BTC", "sizes": [1, 2], "x": null}'
    assert msgpack.unpackb(encode_json(text, DecoderKind.MSGPACK)) == json.loads(text)
    assert cbor2.loads(encode_json(text, DecoderKind.CBOR)) == json.loads(text)
    with pytest.raises(ValueError, match="invalid JSON at line 1 column 2"):
        encode_json("{oops", DecoderKind.MSGPACK)
    with pytest.raises(ValueError, match="can't encode"):
        encode_json(str(2**70), DecoderKind.MSGPACK)


def test_the_filter_matches_decoded_text_only_with_a_decoder() -> None:
    log = EventLog()
    payloads = [msgpack.packb({"symbol": s, "price": p}) for s, p in [("BTC", 1), ("ETH", 2)]]
    for data in payloads:
        log.append(MessageEvent(1, 0.0, 0.0, Direction.IN, False, data))
    log.append(MessageEvent(1, 0.0, 0.0, Direction.IN, True, b'{"price":2}'))
    page = PageDecoder(DecoderSettings(DecoderKind.MSGPACK))
    found = filter_indexes(log, compile_filter(LogFilter(text='"PRICE":2'), page.line))
    assert list(found) == [1, 2]
    regex = compile_filter(LogFilter(text=r'"symbol":"E\w+"', regex=True), page.line)
    assert list(filter_indexes(log, regex)) == [1]
    assert list(filter_indexes(log, compile_filter(LogFilter(text='"price":2')))) == [2]
