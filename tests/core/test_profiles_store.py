"""ProfileStore: a JSON file per profile, atomic writes with a .bak, bad files left alone."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from wsinspector.core.storage.profiles import (
    Environments,
    LoadProblem,
    MessageMode,
    Profile,
    ProfileError,
    ProfileStore,
    SavedMessage,
    default_root,
)
from wsinspector.core.storage.profiles import store as store_module
from wsinspector.core.storage.profiles.secrets import NoVault
from wsinspector.core.websocket.options import ConnectionOptions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    return ProfileStore(tmp_path / "profiles", vault=NoVault())


def make(name: str, folder: str = "", uri: str = "ws://localhost:8765/") -> Profile:
    return Profile(
        name=name,
        folder=folder,
        options=ConnectionOptions(uri=uri, headers=(("X-A", " 1 "), ("X-A", "2"))),
        messages=(SavedMessage("sub", '{"op": "subscribe"}', MessageMode.JSON),),
        variables={"host": "localhost"},
    )


def test_default_root_is_under_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSINSPECTOR_CONFIG_DIR", str(tmp_path / "cfg"))
    assert default_root() == tmp_path / "cfg" / "profiles"
    assert ProfileStore(vault=NoVault()).root == tmp_path / "cfg" / "profiles"


def test_save_list_load(store: ProfileStore) -> None:
    assert store.profiles() == []
    saved = store.save(make("echo"))
    assert saved.id and store.path_of(saved.id).is_file()
    assert store.load(saved.id) == saved
    assert store.profiles() == [saved]
    document = json.loads(store.path_of(saved.id).read_text())
    assert document["version"] == 1 and document["name"] == "echo"
    assert store.path_of(saved.id).stat().st_mode & 0o777 == 0o600


def test_rename_duplicate_move_delete(store: ProfileStore) -> None:
    a = store.save(make("alpha"))
    renamed = store.rename(a.id, "beta")
    assert renamed.id == a.id and store.load(a.id).name == "beta"
    copy = store.duplicate(a.id)
    assert copy.id != a.id and copy.name == "beta copy" and copy.options == a.options
    moved = store.move(copy.id, "/work//staging/ ")
    assert moved.folder == "work/staging" and store.load(copy.id).folder == "work/staging"
    assert store.folders() == ["work", "work/staging"]
    assert [p.name for p in store.profiles()] == ["beta", "beta copy"]
    store.delete(a.id)
    assert [p.id for p in store.profiles()] == [copy.id]
    assert store.path_of(a.id).with_name(f"{a.id}.json.bak").is_file()  # the last version
    with pytest.raises(ProfileError, match="no profile"):
        store.load(a.id)
    with pytest.raises(ProfileError, match="no profile"):
        store.delete(a.id)


def test_filter_by_name(store: ProfileStore) -> None:
    for name in ("Binance feed", "Echo", "binance depth"):
        store.save(make(name))
    assert [p.name for p in store.matching("BINANCE")] == ["binance depth", "Binance feed"]
    assert len(store.matching("  ")) == 3
    assert store.matching("nothing") == []


def test_previous_version_is_kept_as_bak(store: ProfileStore) -> None:
    first = store.save(make("one"))
    path = store.path_of(first.id)
    assert not Path(f"{path}.bak").exists()
    store.save(replace(first, name="two"))
    assert json.loads(Path(f"{path}.bak").read_text())["name"] == "one"
    assert json.loads(path.read_text())["name"] == "two"
    assert [p.name for p in store.profiles()] == ["two"]  # backups are not profiles


def write(store: ProfileStore, name: str, content: bytes) -> Path:
    store.root.mkdir(parents=True, exist_ok=True)
    path = store.root / name
    path.write_bytes(content)
    return path


def test_unreadable_files_are_skipped_reported_once_and_never_overwritten(
    store: ProfileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = store.save(make("good"))
    bad = {
        "badjson": b'{"version": 1, "name": ',
        "future": b'{"version": 9, "name": "n", "options": {"uri": "ws://h/"}}',
        "types": b'{"version": 1, "name": "n", "options": {"uri": "ws://h/", "headers": {}}}',
        "secret": b'{"version": 1, "name": "locked", "options": {"uri": "ws://h/"}}',
    }
    paths = {name: write(store, f"{name}.json", content) for name, content in bad.items()}
    real_read = store_module._read_bytes

    def read(path: Path) -> bytes:
        if path == paths["secret"]:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(store_module, "_read_bytes", read)
    assert store.profiles() == [good]
    problems = {problem.path.stem: problem.reason for problem in store.take_problems()}
    assert set(problems) == set(bad)
    assert "not valid JSON" in problems["badjson"]
    assert "newer" in problems["future"]
    assert "options.headers must be" in problems["types"]
    assert "Permission denied" in problems["secret"]
    # Once: the next listing loads the same and reports nothing new.
    assert store.profiles() == [good]
    assert store.take_problems() == []
    # Never overwritten: saving over one is refused and leaves its bytes.
    for name in bad:
        with pytest.raises(ProfileError, match="not overwritten"):
            store.save(replace(make("x"), id=name))
        assert paths[name].read_bytes() == bad[name]
    # A file that gets repaired loads again; breaking it anew is a new report.
    paths["badjson"].write_bytes(b'{"version": 1, "name": "fixed", "options": {"uri": "ws://h/"}}')
    assert "fixed" in [p.name for p in store.profiles()]
    paths["badjson"].write_bytes(b"[]")
    store.profiles()
    assert [type(p) for p in store.take_problems()] == [LoadProblem]


def test_a_version_0_file_migrates_on_load(store: ProfileStore) -> None:
    write(
        store,
        "legacy.json",
        b'{"version": 0, "name": "legacy", "uri": "ws://old.example/", '
        b'"headers": {"X-Old": "1"}, "subprotocols": "a, b", "reconnect": true}',
    )
    (legacy,) = store.profiles()
    assert legacy.id == "legacy"
    assert legacy.options.headers == (("X-Old", "1"),)
    assert legacy.options.subprotocols == ("a", "b")
    assert legacy.options.reconnect.enabled
    store.save(legacy)  # written as version 1, the version 0 file kept as .bak
    assert json.loads(store.path_of("legacy").read_text())["version"] == 1
    assert json.loads(Path(f"{store.path_of('legacy')}.bak").read_text())["version"] == 0


def test_bad_ids_are_refused(store: ProfileStore) -> None:
    for bad in ("", "../x", "a/b", ".hidden", "environments"):
        with pytest.raises(ProfileError, match="not a profile id"):
            store.load(bad)


def test_environments_file(store: ProfileStore) -> None:
    assert store.load_environments() == Environments()
    envs = Environments({"dev": {"host": "localhost:8765"}, "prod": {"host": "example.com"}})
    store.save_environments(envs)
    assert store.load_environments() == envs
    assert store.profiles() == []  # the environments file is not a profile
    store.environments_path.write_bytes(b"{broken")
    assert store.load_environments() == Environments()
    assert [p.path for p in store.take_problems()] == [store.environments_path]
    with pytest.raises(ProfileError, match="not overwritten"):
        store.save_environments(envs)


def test_export_a_folder_and_import_it(store: ProfileStore, tmp_path: Path) -> None:
    store.save(make("a", "team/feeds"))
    store.save(make("b", "team"))
    store.save(make("c", "other"))
    store.save(make("d", "teamwork"))  # not inside "team"
    bundle = tmp_path / "export.json"
    assert store.export(bundle, folder="team") == 2
    document = json.loads(bundle.read_text())
    assert document["kind"] == "wsinspector.profiles" and document["version"] == 1
    other = ProfileStore(tmp_path / "other", vault=NoVault())
    result = other.import_file(bundle, into_folder="imported")
    assert sorted((p.folder, p.name) for p in result.profiles) == [
        ("imported/team", "b"),
        ("imported/team/feeds", "a"),
    ]
    assert other.load(result.profiles[0].id).options == make("x").options
    # Importing again adds copies: nothing is ever replaced.
    other.import_file(bundle)
    assert len(other.profiles()) == 4


def test_import_is_all_or_nothing(store: ProfileStore, tmp_path: Path) -> None:
    bundle = tmp_path / "bad.json"
    good = {"version": 1, "name": "ok", "options": {"uri": "ws://h/"}}
    bad = {"version": 1, "name": "bad", "options": {"uri": 5}}
    bundle.write_text(
        json.dumps({"version": 1, "kind": "wsinspector.profiles", "profiles": [good, bad]})
    )
    with pytest.raises(ProfileError, match=r"profiles\[1\].*options.uri"):
        store.import_file(bundle)
    assert store.profiles() == []
    bundle.write_text('{"profiles": []}')
    with pytest.raises(ProfileError, match="not a wsinspector profiles export"):
        store.import_file(bundle)


# -- crash safety ----------------------------------------------------------------------------

# A zygote imports once, then forks one saver per round: each saver writes versions
# n, n+1, … of the same profile as fast as it can until the test SIGKILLs it.
SAVER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from wsinspector.core.websocket.options import ConnectionOptions
    from wsinspector.core.storage.profiles import Profile, ProfileStore
    from wsinspector.core.storage.profiles.secrets import NoVault

    store = ProfileStore(Path(sys.argv[1]), vault=NoVault())

    def version(n):
        return Profile(
            name=f"v{n}",
            id="victim",
            options=ConnectionOptions(
                uri=f"ws://h/{n}", on_connect_messages=(f"message {n} " * 40,) * 100
            ),
            variables={"n": str(n)},
        )

    for line in sys.stdin:
        n = int(line)
        pid = os.fork()
        if pid == 0:
            while True:
                store.save(version(n))
                n += 1
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
    """
)


def check_whole(profile: Profile) -> int:
    n = int(profile.name.removeprefix("v"))
    assert profile.options.uri == f"ws://h/{n}"
    assert profile.variables == {"n": str(n)}
    assert profile.options.on_connect_messages == (f"message {n} " * 40,) * 100
    return n


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
@pytest.mark.timeout(60)
def test_sigkill_while_saving_leaves_the_old_or_the_new_version(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    store = ProfileStore(root, vault=NoVault())
    store.save(
        Profile(
            name="v0",
            id="victim",
            options=ConnectionOptions(
                uri="ws://h/0", on_connect_messages=("message 0 " * 40,) * 100
            ),
            variables={"n": "0"},
        )
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    zygote = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    rng = random.Random(1234)
    seen = 0
    kills = 0
    deadline = time.monotonic() + 4.0
    try:
        while time.monotonic() < deadline or kills < 20:
            zygote.stdin.write(f"{seen + 1}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0, 0.03))
            os.kill(pid, signal.SIGKILL)
            assert zygote.stdout.readline().strip() == "reaped"
            kills += 1
            now = check_whole(store.load("victim"))
            assert now >= seen, "an older version came back"
            seen = now
            backup = Path(f"{store.path_of('victim')}.bak")
            if backup.exists():
                check_whole(Profile(**_fields(json.loads(backup.read_text()))))
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=10)
        zygote.stdout.close()
    print(f"{kills} kills, {seen} versions saved")
    assert kills >= 20
    assert seen > 20, "the saver hardly saved anything between kills"
    assert [p.id for p in store.profiles()] == ["victim"]
    assert store.take_problems() == []


def _fields(document: dict[str, object]) -> dict[str, object]:
    from wsinspector.core.storage.profiles.format import profile_from_json

    profile, _ = profile_from_json(document)
    return {
        "name": profile.name,
        "options": profile.options,
        "variables": profile.variables,
    }
