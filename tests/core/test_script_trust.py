"""A profile's own test files, and the user's consent to run those of an imported profile:
kept per user beside the profiles folder, bound to each file's content."""

from __future__ import annotations

import json
from pathlib import Path

from wsinspector.core.storage.profiles import Profile, ProfileStore
from wsinspector.core.storage.profiles.format import parse_profile, profile_to_json
from wsinspector.core.storage.profiles.secrets import NoVault
from wsinspector.core.storage.profiles.trust import TRUST_FILE
from wsinspector.core.websocket.options import ConnectionOptions


def test_a_profile_keeps_its_test_files_and_a_missing_key_reads_as_none() -> None:
    profile = Profile("p", ConnectionOptions("ws://h/"), tests=("~/t/a_test.py", "b.py"))
    document = profile_to_json(profile)
    assert document["tests"] == ["~/t/a_test.py", "b.py"]
    assert parse_profile(json.dumps(document).encode())[0].tests == profile.tests
    del document["tests"]
    assert parse_profile(json.dumps(document).encode())[0].tests == ()


def test_imported_profiles_ask_until_allowed_and_again_when_a_file_changes(
    tmp_path: Path,
) -> None:
    script = tmp_path / "their_test.py"
    script.write_text("async def test_a(ws): pass\n")
    theirs = ProfileStore(tmp_path / "theirs", vault=NoVault())
    saved = theirs.save(Profile("t", ConnectionOptions("ws://h/"), tests=(str(script),)))
    theirs.export(tmp_path / "bundle.json", [saved.id])
    assert theirs.trust.needs_consent(saved.id, [script]) == []  # their own: no question

    mine = ProfileStore(tmp_path / "config" / "profiles", vault=NoVault())
    own = mine.save(Profile("own", ConnectionOptions("ws://h/"), tests=(str(script),)))
    (imported,) = mine.import_file(tmp_path / "bundle.json").profiles
    trust = mine.trust
    assert trust.path == tmp_path / "config" / TRUST_FILE
    assert trust.needs_consent(own.id, [script]) == []
    assert trust.needs_consent(imported.id, [script]) == [script]
    trust.allow(imported.id, [script])
    assert trust.needs_consent(imported.id, [script]) == []
    script.write_text("async def test_a(ws): import os\n")  # changed since allowed
    assert trust.needs_consent(imported.id, [script]) == [script]
    copy = mine.duplicate(imported.id)
    assert trust.needs_consent(copy.id, [script]) == [script]
    # A damaged record knows no longer which profiles were imported: every one asks.
    trust.path.write_text("{not json")
    assert trust.needs_consent(own.id, [script]) == [script]
