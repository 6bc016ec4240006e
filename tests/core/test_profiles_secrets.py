"""Secrets: proposed by name, kept in the system keyring when one works, else in a 0600 file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from helpers.keyrings import MemoryKeyring
from keyring.backends import fail

from wsinspector.core.storage.profiles import Environments, Profile, ProfileStore, SecretFlags
from wsinspector.core.storage.profiles.secrets import (
    propose_secrets,
    query_parameters,
    restore,
    withhold,
)
from wsinspector.core.storage.profiles.store import FILE_SECRETS_NOTICE
from wsinspector.core.text.secrets import is_secret_name
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import ProxyMode


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.s3cr3t"
QUERY_SECRET = "q-s3cr3t"
VARIABLE_SECRET = "v-s3cr3t"


def secret_profile() -> Profile:
    return Profile(
        name="api",
        options=ConnectionOptions(
            uri=f"wss://api.example/ws?token={QUERY_SECRET}&page=2&token=second#frag",
            headers=(("Authorization", TOKEN), ("X-Trace", "1"), ("authorization", "two")),
        ),
        variables={"api_key": VARIABLE_SECRET, "host": "api.example"},
        secrets=SecretFlags(headers={"Authorization"}, variables={"api_key"}, query={"token"}),
    )


def file_text(store: ProfileStore, profile: Profile) -> str:
    return store.path_of(profile.id).read_text()


# -- proposing -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Authorization", "cookie", "PROXY-AUTHORIZATION"])
def test_credential_headers_are_proposed(name: str) -> None:
    assert is_secret_name(name)


# Set-Cookie and Cookie2x are secret now: exports always redacted them, and the profile's
# proposal follows the same policy (tests/core/test_secrets_policy.py pins the list).
@pytest.mark.parametrize("name", ["X-Trace", "Accept", "Sec-WebSocket-Key"])
def test_other_headers_are_not(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "token",
        "access_token",
        "apiKey",
        "api-key",
        "API_KEY",
        "client_secret",
        "password",
        "sig",
        "X-Auth",
        "jwt",
        "refreshToken",
        "apikey",
    ],
)
def test_credential_names_are_proposed(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["page", "monkey", "keyboard", "host", "limit", "signal"])
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_secret_name(name)


def test_propose_secrets_for_a_connection() -> None:
    options = ConnectionOptions(
        uri="wss://h/ws?access_token=a&page=1&apiKey=b",
        headers=(("authorization", "x"), ("Cookie", "c=1"), ("X-Trace", "1")),
    )
    flags = propose_secrets(options, ["host", "client_secret"], SecretFlags(headers={"X-Own"}))
    assert flags.headers == {"authorization", "cookie", "x-own"}
    assert flags.query == {"access_token", "apiKey"}
    assert flags.variables == {"client_secret"}


def test_withhold_and_restore_are_exact() -> None:
    profile = secret_profile()
    stored, values = withhold(profile)
    assert values == {
        "header/authorization/0": TOKEN,
        "header/authorization/1": "two",
        "variable/api_key": VARIABLE_SECRET,
        "query/token/0": QUERY_SECRET,
        "query/token/1": "second",
    }
    assert stored.options.uri == "wss://api.example/ws?token=&page=2&token=#frag"
    assert stored.options.headers == (
        ("Authorization", ""),
        ("X-Trace", "1"),
        ("authorization", ""),
    )
    assert stored.variables == {"api_key": "", "host": "api.example"}
    assert restore(stored, values) == profile
    # A flagged parameter without a value stays as written: "token", not "token=".
    bare = replace(profile, options=ConnectionOptions(uri="ws://h/?token&x=1"))
    assert withhold(bare)[0].options.uri == "ws://h/?token&x=1"
    assert query_parameters("ws://h/?a=1&b&c=%20") == [("a", "1"), ("b", ""), ("c", "%20")]


# -- the keyring -----------------------------------------------------------------------------


def test_secrets_go_to_the_keyring(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    assert store.secrets_location == "keyring"
    saved = store.save(secret_profile())
    text = file_text(store, saved)
    for secret in (TOKEN, QUERY_SECRET, VARIABLE_SECRET, "second", "two"):
        assert secret not in text
    assert json.loads(text)["withheld"] == sorted(withhold(saved)[1])
    assert memory_keyring.values[("wsinspector", f"{saved.id}/header/authorization/0")] == TOKEN
    assert memory_keyring.values[("wsinspector", f"{saved.id}/query/token/0")] == QUERY_SECRET
    assert store.load(saved.id) == saved
    assert ProfileStore(tmp_path).profiles() == [saved]
    assert store.take_notices() == []


def test_unflagged_and_deleted_secrets_leave_the_keyring(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path)
    saved = store.save(secret_profile())
    copy = store.duplicate(saved.id)
    assert store.load(copy.id).options.headers[0] == ("Authorization", TOKEN)
    assert len(memory_keyring.values) == 10
    plain = store.save(replace(saved, secrets=SecretFlags(query={"token"})))
    assert {key for _, key in memory_keyring.values if key.startswith(saved.id)} == {
        f"{saved.id}/query/token/0",
        f"{saved.id}/query/token/1",
    }
    assert TOKEN in file_text(store, plain)  # no longer secret: in the file
    store.delete(saved.id)
    store.delete(copy.id)
    assert memory_keyring.values == {}


def test_a_missing_keyring_entry_loads_empty_with_a_notice(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path)
    saved = store.save(secret_profile())
    del memory_keyring.values[("wsinspector", f"{saved.id}/variable/api_key")]
    loaded = store.load(saved.id)
    assert loaded.variables["api_key"] == ""
    assert loaded.options.headers[0] == ("Authorization", TOKEN)
    (notice,) = store.take_notices()
    assert "variable/api_key" in notice and "'api'" in notice


def test_a_locked_keyring_falls_back_to_the_file(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    memory_keyring.locked = True
    store = ProfileStore(tmp_path)
    saved = store.save(secret_profile())
    assert TOKEN in file_text(store, saved)
    assert store.path_of(saved.id).stat().st_mode & 0o777 == 0o600
    assert any("locked" in notice for notice in store.take_notices())
    assert store.load(saved.id) == saved


def test_environment_secrets(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    envs = Environments(
        {"dev": {"token": "dev-s3cr3t", "host": "localhost"}, "prod": {"token": "prod-s3cr3t"}},
        secret_variables=frozenset({"token"}),
    )
    store.save_environments(envs)
    text = store.environments_path.read_text()
    assert "s3cr3t" not in text and "localhost" in text
    assert memory_keyring.values[("wsinspector", "environments/environment/prod/token")] == (
        "prod-s3cr3t"
    )
    assert store.load_environments() == envs


# -- no keyring ------------------------------------------------------------------------------


def test_without_a_keyring_secrets_stay_in_a_private_file(no_keyring: None, tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    assert store.secrets_location == "file"
    saved = store.save(secret_profile())
    assert TOKEN in file_text(store, saved)
    assert store.path_of(saved.id).stat().st_mode & 0o777 == 0o600
    assert store.load(saved.id) == saved
    store.save(replace(secret_profile(), name="second"))
    assert store.take_notices() == [FILE_SECRETS_NOTICE]  # once
    assert store.take_notices() == []


# -- export and import -----------------------------------------------------------------------


def test_export_leaves_secrets_out_unless_asked(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path / "a")
    saved = store.save(secret_profile())
    store.save_environments(
        Environments({"dev": {"token": "env-s3cr3t"}}, secret_variables=frozenset({"token"}))
    )
    bare, full = tmp_path / "bare.json", tmp_path / "full.json"
    store.export(bare, [saved.id], include_environments=True)
    store.export(full, [saved.id], include_secrets=True, include_environments=True)
    assert "s3cr3t" not in bare.read_text()
    assert TOKEN in full.read_text() and "env-s3cr3t" in full.read_text()
    assert bare.stat().st_mode & 0o777 == 0o600

    other = ProfileStore(tmp_path / "b")
    result = other.import_file(bare)
    assert result.missing_secrets == 6 and result.environments_added == ["dev"]
    (imported,) = result.profiles
    assert imported.options.headers[0] == ("Authorization", "")
    assert imported.secrets == saved.secrets  # the flags travel, the values don't

    third = ProfileStore(tmp_path / "c")
    (complete,) = third.import_file(full).profiles
    assert replace(complete, id=saved.id) == saved
    assert third.load_environments().variables("dev") == {"token": "env-s3cr3t"}


def test_a_proxy_password_goes_to_the_keyring(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path)
    options = ConnectionOptions(
        uri="ws://h/", proxy_mode=ProxyMode.CUSTOM, proxy_url="socks5h://me:pr%40xy-pw@p:1080"
    )
    saved = store.save(Profile(name="proxied", options=options))
    text = file_text(store, saved)
    assert "pr%40xy-pw" not in text
    assert "socks5h://me:@p:1080" in text
    assert memory_keyring.values[("wsinspector", f"{saved.id}/proxy/password")] == "pr%40xy-pw"
    assert store.load(saved.id).options.proxy_url == options.proxy_url


def test_a_client_key_passphrase_goes_to_the_keyring(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path)
    options = ConnectionOptions(
        uri="wss://h/", client_cert="/c.p12", client_key_password="open sesame"
    )
    saved = store.save(Profile(name="mtls", options=options))
    assert "open sesame" not in file_text(store, saved)
    key = ("wsinspector", f"{saved.id}/tls/client_key_password")
    assert memory_keyring.values[key] == "open sesame"
    assert store.load(saved.id).options == options


@pytest.mark.parametrize(
    ("protocol", "param", "value"),
    [
        ("mqtt", "password", "mq-s3cr3t"),
        ("stomp", "passcode", "st-s3cr3t"),
        ("socketio", "auth", '{"token": "sio-s3cr3t"}'),
        ("graphql", "payload", '{"token": "gql-s3cr3t"}'),
    ],
)
def test_a_protocols_credentials_go_to_the_keyring(
    memory_keyring: MemoryKeyring, tmp_path: Path, protocol: str, param: str, value: str
) -> None:
    store = ProfileStore(tmp_path)
    options = ConnectionOptions(
        uri="ws://h/", protocol=protocol, protocol_params=(("login", "me"), (param, value))
    )
    saved = store.save(Profile(name=protocol, options=options))
    text = file_text(store, saved)
    assert "s3cr3t" not in text and '"login": "me"' in text
    assert memory_keyring.values[("wsinspector", f"{saved.id}/protocol/{param}")] == value
    assert store.load(saved.id).options == options
