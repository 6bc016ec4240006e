"""Log and profile files from others are untrusted input: seeded mutations, one oracle.

Each seed takes a well-formed file (the HAR files in tests/fixtures, a JSONL export of one,
a profile), mutates its JSON (deletes a key or an item, puts a value of another type or an
odd value in its place) and reads it. Oracle: the file is read, or refused with the reader's
user error (LogFileError, ProfileFormatError) in words; anything else (TypeError, KeyError
…) is a bug. CI runs FILE_SEEDS_CI seeds per kind in a few seconds; more:

    WSINSPECTOR_FUZZ_SEEDS=5000 WSINSPECTOR_FUZZ_FIRST=10000 pytest tests/fuzz/test_fuzz_files.py
"""

from __future__ import annotations

import contextlib
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from wsinspector.core.storage.logfiles import LogFileError, export_log, import_log
from wsinspector.core.storage.profiles import Profile
from wsinspector.core.storage.profiles.format import (
    ProfileFormatError,
    dump,
    parse_profile,
    profile_to_json,
)
from wsinspector.core.websocket.options import ConnectionOptions

FIXTURES = Path(__file__).parent.parent / "fixtures"
HAR_FILES = [FIXTURES / "chrome-websocket.har", *sorted((FIXTURES / "others").glob("*.har"))]
FILE_SEEDS_CI = 150
SEEDS = int(os.environ.get("WSINSPECTOR_FUZZ_SEEDS", FILE_SEEDS_CI))
FIRST = int(os.environ.get("WSINSPECTOR_FUZZ_FIRST", 0))

# Values put in place of others: each JSON type, and values readers stumble on.
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**64,
    1e300,
    -0.5,
    "",
    "x",
    "2019-13-45T99:99:99Z",
    "%%%",
    [],
    [1, "a"],
    {},
    {"name": "x"},
]


def _containers(value: Any, out: list[Any]) -> list[Any]:
    if isinstance(value, dict | list):
        out.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, out)
    return out


def mutate(document: Any, rng: random.Random, times: int) -> Any:
    """`document` changed in `times` places: a key or item removed, or a value replaced."""
    for _ in range(times):
        containers = [c for c in _containers(document, []) if c]
        if not containers:
            break
        container = rng.choice(containers)
        key = rng.choice(list(container) if isinstance(container, dict) else range(len(container)))
        if rng.random() < 0.3:
            del container[key]
        else:
            container[key] = json.loads(json.dumps(rng.choice(ODD_VALUES)))
    return document


def _check_log(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        log = import_log(path)
    except LogFileError:
        return
    # What was read can be shown and written again.
    export_log(log, tmp_path / "again.jsonl")
    export_log(log, tmp_path / "again.har")


@pytest.fixture(scope="module")
def jsonl_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    out = tmp_path_factory.mktemp("jsonl") / "every.jsonl"
    export_log(import_log(HAR_FILES[1]), out)
    return out.read_bytes().splitlines()


@pytest.mark.parametrize("seed", range(FIRST, FIRST + SEEDS), ids=lambda s: f"seed{s}")
def test_a_mutated_har_is_read_or_refused_in_words(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    source = HAR_FILES[seed % len(HAR_FILES)]
    document = mutate(json.loads(source.read_text()), rng, rng.randint(1, 4))
    _check_log(tmp_path, "mutated.har", json.dumps(document).encode())


@pytest.mark.parametrize("seed", range(FIRST, FIRST + SEEDS), ids=lambda s: f"seed{s}")
def test_a_mutated_jsonl_is_read_or_refused_in_words(
    tmp_path: Path, seed: int, jsonl_lines: list[bytes]
) -> None:
    rng = random.Random(seed)
    lines = list(jsonl_lines)
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines))
        lines[index] = json.dumps(mutate(json.loads(lines[index]), rng, 1)).encode()
    _check_log(tmp_path, "mutated.jsonl", b"\n".join(lines) + b"\n")


def _profile_document() -> Any:
    options = ConnectionOptions(
        uri="wss://example.com/feed?x=1",
        origin="https://example.com",
        subprotocols=("chat",),
        headers=(("X-A", "1"),),
    )
    return json.loads(dump(profile_to_json(Profile("feed", options, folder="f"))))


@pytest.mark.parametrize("seed", range(FIRST, FIRST + SEEDS), ids=lambda s: f"seed{s}")
def test_a_mutated_profile_is_read_or_refused_in_words(seed: int) -> None:
    rng = random.Random(seed)
    document = mutate(_profile_document(), rng, rng.randint(1, 3))
    with contextlib.suppress(ProfileFormatError):  # refused in words: as it should be
        parse_profile(json.dumps(document).encode())
