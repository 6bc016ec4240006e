"""The one search rule (core/text/search.py): case folding, regex, hex, and positions in the
text searched even where folding changes lengths."""

from __future__ import annotations

import pytest

from wsinspector.core.text.search import Folded, TextSearch


@pytest.mark.parametrize(
    ("needle", "text", "spans"),
    [
        ("one", "one ONE One", [(0, 3), (4, 7), (8, 11)]),
        ("STRASSE", "die Straße", [(4, 10)]),
        ("straße", "STRASSE", [(0, 7)]),
        ("s", "xßy", [(1, 2)]),  # a match inside a character's fold covers it whole
        ("sy", "xßy", [(1, 3)]),
        ("ﬁle", "a FILE", [(2, 6)]),
        ("ǆ", "ǅ Ǆ", [(0, 1), (2, 3)]),
    ],
)
def test_plain_text_is_found_by_case_folding_at_its_place(
    needle: str, text: str, spans: list[tuple[int, int]]
) -> None:
    search = TextSearch(needle)
    assert search.spans(text, limit=10) == spans
    assert search.spans(text, limit=10, folded=Folded(text)) == spans
    assert search.matches(text)
    assert search.matches_payload(text.encode(), False)


def test_positions_after_a_growing_character() -> None:
    text = "ßab ßab"
    search = TextSearch("AB")
    folded = Folded(text)
    assert search.spans(text, limit=10, start=2) == [(5, 7)]
    assert search.next_in(text, 1, forward=True, folded=folded) == 5
    assert search.next_in(text, 5, forward=False, folded=folded) == 1
    assert search.count(text, limit=10, folded=folded) == 2
    assert search.count_before(text, 5, folded=folded) == 1


def test_regex_and_hex() -> None:
    assert TextSearch(r"a\d+", regex=True).spans("x A12 a3", limit=5) == [(2, 5), (6, 8)]
    with pytest.raises(ValueError, match="invalid regular expression"):
        TextSearch("(a", regex=True)
    assert TextSearch.make("(a", regex=True) is None and TextSearch.make("") is None
    hex_search = TextSearch("de ad")
    assert hex_search.matches_payload(b"\x00\xde\xad", True)
    assert not hex_search.matches_payload(b"\x00\xde\xad", False)
    assert hex_search.byte_spans(b"\x00\xde\xad", limit=5) == [(1, 3)]
