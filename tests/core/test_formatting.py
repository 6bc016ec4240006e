"""Previews, hex dumps, pretty JSON, sizes, times and hex parsing (no Qt)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.text import formatting
from wsinspector.core.text.formatting import (
    format_duration,
    format_time,
    hex_dump,
    human_size,
    parse_hex,
    pretty_json,
    preview,
)

MiB = 1024 * 1024


def message(data: bytes, *, text: bool = True) -> MessageEvent:
    return MessageEvent(conn=1, wall=0.0, mono=0.0, direction=Direction.IN, text=text, data=data)


# preview ---------------------------------------------------------------------------------------


def test_preview_short_text_is_shown_as_is() -> None:
    assert preview(message(b'{"op": "hello"}')) == '{"op": "hello"}'


def test_preview_empty_message_is_empty() -> None:
    assert preview(message(b"")) == ""
    assert preview(message(b"", text=False)) == ""


def test_preview_keeps_one_line() -> None:
    result = preview(message(b"line 1\r\nline 2\tend\x00\x1b\x7f"))
    assert "\n" not in result and "\r" not in result and "\t" not in result
    assert "\x00" not in result and "\x1b" not in result and "\x7f" not in result
    assert result.startswith("line 1")
    assert "line 2 end" in result


def test_preview_replaces_unicode_line_separators() -> None:
    result = preview(message("a\u2028b\u2029c\u0085d".encode()))
    assert result == "a↵b↵c↵d"


def test_preview_cuts_long_text_with_ellipsis() -> None:
    result = preview(message(b"x" * 1000), limit=50)
    assert result == "x" * 50 + "…"


def test_preview_text_of_exactly_limit_characters_is_not_cut() -> None:
    assert preview(message(b"y" * 50), limit=50) == "y" * 50


def test_preview_does_not_invent_a_broken_character_at_the_window_edge() -> None:
    # 4-byte characters that do not line up with the byte window must not turn into U+FFFD.
    data = b"a" + "😀".encode() * 100
    result = preview(message(data), limit=10)
    assert result == "a" + "😀" * 9 + "…"
    assert "\ufffd" not in result


def test_preview_of_16_mib_text_looks_only_at_its_start() -> None:
    data = b'{"rows": [' + b"1234567890, " * (16 * MiB // 12) + b"0]}"
    assert len(data) > 16 * MiB - 16
    result = preview(message(data))
    assert len(result) == 201
    assert result.startswith('{"rows": [1234567890, ')
    assert result.endswith("…")


def test_preview_flags_invalid_utf8_and_shows_what_decodes() -> None:
    result = preview(message(b"caf\xe9 ok"))
    assert result.startswith(formatting.INVALID_UTF8_PREFIX)
    assert result == "⚠ invalid UTF-8: caf\ufffd ok"


def test_preview_binary_is_hex_pairs() -> None:
    assert preview(message(b"\x0a\xff\x00", text=False)) == "0a ff 00"


def test_preview_long_binary_is_cut() -> None:
    result = preview(message(bytes(range(256)), text=False), limit=30)
    assert result == "00 01 02 03 04 05 06 07 08 09 …"


def test_preview_of_16_mib_binary_is_short() -> None:
    result = preview(message(b"\xab" * (16 * MiB), text=False))
    assert result.startswith("ab ab ab")
    assert result.endswith(" …")
    assert len(result) <= 202


def test_preview_rejects_a_useless_limit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        preview(message(b"x"), limit=0)


# hex_dump --------------------------------------------------------------------------------------


def test_hex_dump_classic_line() -> None:
    assert hex_dump(b"Hello world\n\x00\x01\x02\x03") == (
        "00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |Hello world.....|"
    )


def test_hex_dump_partial_last_line_keeps_the_ascii_column_aligned() -> None:
    lines = hex_dump(bytes(range(0x41, 0x41 + 20))).splitlines()
    assert len(lines) == 2
    assert lines[1] == "00000010  51 52 53 54" + " " * 39 + "|QRST|"
    assert lines[0].index("|") == lines[1].index("|")


def test_hex_dump_short_line_has_no_second_group() -> None:
    line = hex_dump(b"\x7f\x80 ~")
    assert line == "00000000  7f 80 20 7e" + " " * 39 + "|.. ~|"


def test_hex_dump_of_nothing_is_empty() -> None:
    assert hex_dump(b"") == ""


def test_hex_dump_offsets_count_up() -> None:
    lines = hex_dump(bytes(100)).splitlines()
    assert [line[:8] for line in lines] == [f"{n:08x}" for n in range(0, 100, 16)]


def test_hex_dump_limit_says_how_much_was_left_out() -> None:
    lines = hex_dump(bytes(1000), limit=32).splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("00000010")
    assert "968 more bytes not shown" in lines[2]


def test_hex_dump_limit_larger_than_data_adds_nothing() -> None:
    assert hex_dump(b"abc", limit=100) == hex_dump(b"abc")


# pretty_json -----------------------------------------------------------------------------------


def test_pretty_json_matches_json_dumps_for_ordinary_documents() -> None:
    document = {"b": [1, {"x": "é", "y": [True, None]}], "a": {}, "c": [], "d": -1.5e-3}
    text = json.dumps(document)
    assert pretty_json(text) == json.dumps(document, indent=2, ensure_ascii=False)


def test_pretty_json_keeps_key_order_and_duplicate_keys() -> None:
    assert pretty_json('{"z":1,"a":2,"z":3}') == '{\n  "z": 1,\n  "a": 2,\n  "z": 3\n}'


def test_pretty_json_keeps_number_spelling() -> None:
    result = pretty_json("[1.0e3, 0.1000000000000000055, 123456789012345678901234567890]")
    assert result == "[\n  1.0e3,\n  0.1000000000000000055,\n  123456789012345678901234567890\n]"


def test_pretty_json_shows_non_ascii_escapes_as_characters() -> None:
    assert pretty_json(r'{"name": "caf\u00e9 \ud83d\ude00", "nl": "a\nb"}') == (
        '{\n  "name": "café 😀",\n  "nl": "a\\nb"\n}'
    )


def test_pretty_json_keeps_a_lone_surrogate_escaped() -> None:
    assert pretty_json(r'["\ud800"]') == '[\n  "\\ud800"\n]'


def test_pretty_json_scalars() -> None:
    assert pretty_json("42") == "42"
    assert pretty_json(' "text" ') == '"text"'
    assert pretty_json("null") == "null"


@pytest.mark.parametrize(
    "text", ["", "   ", "hello", "{", '{"a": 1,}', "NaN", "[Infinity]", "\ufeff{}"]
)
def test_pretty_json_returns_none_for_non_json(text: str) -> None:
    assert pretty_json(text) is None


def test_pretty_json_gives_up_on_absurd_nesting() -> None:
    assert pretty_json("[" * 100_000 + "]" * 100_000) is None


def test_pretty_json_skips_texts_over_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatting, "MAX_JSON_CHARS", 10)
    assert pretty_json("[1, 2, 3, 4]") is None
    assert pretty_json("[1, 2, 3]") == "[\n  1,\n  2,\n  3\n]"


# human_size, format_time, format_duration ------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 B"),
        (100, "100 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (MiB - 1, "1.0 MiB"),
        (16 * MiB, "16.0 MiB"),
        (3 * 1024**3, "3.0 GiB"),
    ],
)
def test_human_size(n: int, expected: str) -> None:
    assert human_size(n) == expected


def test_human_size_rejects_negative() -> None:
    with pytest.raises(ValueError):
        human_size(-1)


def test_format_time_is_local_with_milliseconds() -> None:
    wall = datetime(2024, 5, 6, 13, 4, 5, 678_900).timestamp()
    assert format_time(wall) == "13:04:05.678"


def test_format_time_shape() -> None:
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", format_time(1_700_000_000.5))


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0, "0 µs"),
        (0.000850, "850 µs"),
        (0.0009996, "1.0 ms"),
        (0.0123, "12.3 ms"),
        (0.99996, "1.00 s"),
        (1.2, "1.20 s"),
        (75.0, "75.00 s"),
    ],
)
def test_format_duration(seconds: float, expected: str) -> None:
    assert format_duration(seconds) == expected


# parse_hex -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["48 65 6c", "48656c", "0x48 0x65 0x6c", "0X48,0x65,6C", "48\n65\r\n6c\n", " 48, 65 , 6c "],
)
def test_parse_hex_accepts_common_spellings(text: str) -> None:
    assert parse_hex(text) == b"Hel"


def test_parse_hex_of_nothing_is_empty() -> None:
    assert parse_hex("") == b""
    assert parse_hex(" \n ") == b""


def test_parse_hex_names_the_first_bad_token() -> None:
    with pytest.raises(ValueError, match=r"'zz' \(item 2\) is not hex"):
        parse_hex("48 zz 6c qq")


def test_parse_hex_rejects_odd_digit_counts() -> None:
    with pytest.raises(ValueError, match=r"'486'.*odd number of hex digits"):
        parse_hex("486")


def test_parse_hex_rejects_a_bare_prefix() -> None:
    with pytest.raises(ValueError, match=r"'0x'"):
        parse_hex("0x")


def test_parse_hex_shortens_a_long_bad_token() -> None:
    with pytest.raises(ValueError) as caught:
        parse_hex("g" * 500)
    assert len(str(caught.value)) < 80
