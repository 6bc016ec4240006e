"""core.json_outline: a JSON document's structure, walked a step at a time, values as written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsinspector.core.text import json_outline
from wsinspector.core.text.json_outline import CHUNK, STEP, Entry, JsonOutline, Kind, json_path


def outline(text: str) -> JsonOutline:
    result = JsonOutline(text)
    result.parse_all()
    return result


def rebuild(doc: JsonOutline, entry: Entry) -> Any:
    """The value of `entry` made from the outline alone: members, and scalars as written."""
    if entry.kind is Kind.OBJECT:
        members = doc.children(entry)
        assert len(members) == entry.members
        return {member.key: rebuild(doc, member) for member in members}
    if entry.kind is Kind.ARRAY:
        items = doc.children(entry)
        assert [item.key for item in items] == list(range(entry.members))
        return [rebuild(doc, item) for item in items]
    return json.loads(doc.source(entry))


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Containers over 16 characters are walked and indexed, as megabytes are normally."""
    monkeypatch.setattr(json_outline, "CHUNK", 16)
    monkeypatch.setattr(json_outline, "_FIRST_PROBE", 4)


def test_members_keys_kinds_and_spans() -> None:
    text = '{"a": 1.50, "b": [true, null, "x"], "c": {}}'
    doc = outline(text)
    root = doc.root
    assert root == Entry(None, Kind.OBJECT, 0, len(text), 3)
    a, b, c = doc.children(root)
    assert (a.key, a.kind, doc.source(a)) == ("a", Kind.NUMBER, "1.50")
    assert (b.key, b.kind, b.members, doc.source(b)) == ("b", Kind.ARRAY, 3, '[true, null, "x"]')
    assert (c.key, c.kind, c.members) == ("c", Kind.OBJECT, 0)
    assert [(m.key, m.kind) for m in doc.children(b)] == [
        (0, Kind.BOOLEAN),
        (1, Kind.NULL),
        (2, Kind.STRING),
    ]
    assert doc.children(b, 1, 2) == [doc.children(b)[1]]
    assert doc.children(a) == []


def test_scalar_documents_and_whitespace() -> None:
    doc = outline('  "just a string"\n')
    assert doc.root == Entry(None, Kind.STRING, 2, 17, 0)
    assert doc.copy_text(doc.root) == "just a string"
    assert outline("-0.5e+3").root == Entry(None, Kind.NUMBER, 0, 7, 0)


def test_values_are_copied_as_written() -> None:
    text = '{"n": 1.0e3, "big": 123456789012345678901234567890, "k": 1, "k": 2, "s": "caf\\u00e9"}'
    doc = outline(text)
    members = doc.children(doc.root)
    # Duplicate keys survive, number spellings too.
    assert [m.key for m in members] == ["n", "big", "k", "k", "s"]
    assert doc.root.members == 5
    assert doc.copy_text(members[0]) == "1.0e3"
    assert doc.copy_text(members[1]) == "123456789012345678901234567890"
    assert doc.copy_text(members[4]) == "café"  # a string's text, not its JSON
    assert doc.copy_text(doc.root) == text


def test_previews() -> None:
    doc = outline('{"o": {"a": 1}, "l": [1, 2], "s": "line\\nnext", "e": "", "q": "\\"x\\""}')
    o, items, s, empty, quoted = doc.children(doc.root)
    assert doc.preview(o) == "{1 key}"
    assert doc.preview(items) == "[2 items]"
    assert doc.preview(s) == '"line\\nnext"'
    assert doc.preview(empty) == '""'
    assert doc.preview(quoted) == '"\\"x\\""'
    long = outline(json.dumps("é" * 1000))
    assert long.preview(long.root, limit=10) == '"' + "é" * 10 + '…"'
    digits = outline("1" * 50)
    assert digits.preview(digits.root, limit=10) == "1" * 10 + "…"


def test_string_preview_does_not_cut_an_escape() -> None:
    for prefix in range(12):  # the cut falls at every place of the escapes in turn
        text = json.dumps("a" * prefix + "😀\n" * 40)
        doc = outline(text)
        shown = doc.preview(doc.root, limit=prefix + 3)
        assert shown.endswith('…"')
        assert json.loads(shown[:-2] + '"') == ("a" * prefix + "😀\n" * 40)[: prefix + 3]


@pytest.mark.usefixtures("tiny_chunks")
def test_big_containers_are_indexed_and_match_json_loads() -> None:
    value = {"users": [{"name": f"u{i}", "tags": ["a", "b"], "n": i / 2} for i in range(50)]}
    text = json.dumps(value, indent=1)
    doc = outline(text)
    assert len(doc._index) > 1  # the walk indexed big containers
    assert rebuild(doc, doc.root) == value


def test_parse_yields_steps_of_bounded_work() -> None:
    text = json.dumps([{"id": i, "name": f"item-{i}"} for i in range(40_000)])
    assert len(text) > 10 * CHUNK
    doc = JsonOutline(text)
    done = list(doc.parse())
    assert done == sorted(done)
    assert len(done) >= len(text) // (2 * STEP)
    steps = [b - a for a, b in zip([0, *done], done, strict=False)]
    assert max(steps) <= STEP + CHUNK
    assert doc.root is not None and doc.root.members == 40_000
    assert doc.copy_text(doc.children(doc.root, 39_999, 40_000)[0]) == (
        '{"id": 39999, "name": "item-39999"}'
    )


def test_deep_nesting_is_walked_without_recursion() -> None:
    depth = 20_000
    doc = JsonOutline("[" * depth + "1" + "]" * depth)
    steps = list(doc.parse())
    assert len(steps) > 10  # the walk still yields while it only goes down
    entry = doc.root
    assert entry is not None
    for _ in range(depth):
        (entry,) = doc.children(entry)
    assert doc.source(entry) == "1"


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "Expecting value", 0),
        ('{"a": 1,}', "Expecting property name", 8),
        ("[1 2]", "Expecting ',' or ']'", 3),
        ("[1, 2] x", "Extra data", 7),
        ("[NaN]", "Expecting value", 1),
        ('{"a" 1}', "Expecting ':'", 5),
        ("[" * 3, "Unexpected end", 3),
        ('["abc', "Unterminated string", 1),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        JsonOutline(text).parse_all()
    assert message in caught.value.msg
    assert caught.value.pos == position


def test_an_error_deep_in_a_big_document_is_pinpointed() -> None:
    good = json.dumps([{"id": i} for i in range(20_000)])
    position = good.index('{"id": 12345}') + 8
    bad = good[:position] + "x" + good[position + 1 :]
    with pytest.raises(json.JSONDecodeError) as caught:
        JsonOutline(bad).parse_all()
    assert caught.value.pos == position


def test_json_path() -> None:
    assert json_path([]) == "$"
    assert json_path(["users", 3, "name"]) == "$.users[3].name"
    assert json_path(["a b", "x.y", "_ok1", "1st", 'q"']) == ('$["a b"]["x.y"]._ok1["1st"]["q\\""]')


@pytest.mark.parametrize("chunks", [False, True])
def test_locate_finds_the_innermost_value(chunks: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if chunks:
        monkeypatch.setattr(json_outline, "CHUNK", 16)
        monkeypatch.setattr(json_outline, "_FIRST_PROBE", 4)
    text = '{"users": [{"name": "ann"}, {"name": "bob", "age": 7}], "n": 1}'
    doc = outline(text)
    assert doc.locate(text.index("bob")) == [0, 1, 0]
    assert doc.locate(text.index("age")) == [0, 1, 1]  # in a key: that member
    assert doc.locate(text.index("7")) == [0, 1, 1]
    assert doc.locate(text.index('"n"')) == [1]
    assert doc.locate(0) == []


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(value=_JSON, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans())
def test_any_document_round_trips(value: object, indent: int | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    for chunk, probe in ((CHUNK, 512), (16, 4)):  # parsed whole, then walked and indexed
        saved = json_outline.CHUNK, json_outline._FIRST_PROBE
        json_outline.CHUNK, json_outline._FIRST_PROBE = chunk, probe
        try:
            doc = outline(text)
        finally:
            json_outline.CHUNK, json_outline._FIRST_PROBE = saved
        assert rebuild(doc, doc.root) == value


@pytest.mark.usefixtures("tiny_chunks")
@pytest.mark.parametrize(
    "value",
    [
        'a\\"b\n\t\u00e9\U0001f600/' * 20,  # escapes of every length, cut at every place
        "\\" * 200,  # only backslashes: no safe place to cut, scanned in one go
        "x" * 100,
    ],
)
def test_long_strings_are_scanned_in_steps(value: str) -> None:
    for ascii_only in (True, False):
        text = json.dumps(["short", value, {"k": value}], ensure_ascii=ascii_only)
        doc = outline(text)
        short, long, inner = doc.children(doc.root)
        assert doc.copy_text(short) == "short"
        assert doc.copy_text(long) == value
        assert doc.copy_text(doc.children(inner)[0]) == value
        whole = JsonOutline(json.dumps(value, ensure_ascii=ascii_only))
        steps = list(whole.parse())
        if not value.startswith("\\"):
            assert len(steps) > 1
        assert whole.root is not None and whole.copy_text(whole.root) == value


def test_a_64_mib_string_is_scanned_in_steps() -> None:
    doc = JsonOutline(json.dumps({"blob": "QUJD" * (16 * 1024 * 1024)}))
    assert len(list(doc.parse())) >= 64 * 1024 * 1024 // CHUNK
    (blob,) = doc.children(doc.root)
    assert blob.end - blob.start == 64 * 1024 * 1024 + 2


@pytest.mark.usefixtures("tiny_chunks")
@pytest.mark.parametrize(
    ("bad", "message"), [("\\x", "Invalid \\escape"), ("\x01", "Invalid control")]
)
def test_an_error_in_a_long_string_is_pinpointed(bad: str, message: str) -> None:
    text = '["' + "y" * 100 + bad + "y" * 100 + '"]'
    with pytest.raises(json.JSONDecodeError) as caught:
        JsonOutline(text).parse_all()
    assert message in caught.value.msg
    assert caught.value.pos == text.index(bad)
