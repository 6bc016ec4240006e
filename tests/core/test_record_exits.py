"""`wsinspector record`'s exit status, its words on stderr, and what it checks before connecting
(issue 19, "The headless recorder")."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring
import pytest
from helpers.keyrings import MemoryKeyring
from helpers.recordcli import headless_env, run
from helpers.scripted import Deaf, ScriptedServer, Write, upgrade
from helpers.servers import RecordingServer
from websockets.asyncio.server import ServerConnection

from wsinspector.app import main
from wsinspector.core.storage.profiles import Profile, ProfileStore, SecretFlags
from wsinspector.core.websocket.options import ConnectionOptions

TOKEN = "Bearer s3cr3t-token"


def test_a_profile_whose_secret_cant_be_read_exits_2_before_connecting(
    recording_server: RecordingServer,
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        ProfileStore().save(
            Profile(
                name="api",
                options=ConnectionOptions(
                    recording_server.url("/echo"), headers=(("Authorization", TOKEN),)
                ),
                secrets=SecretFlags(headers={"Authorization"}),
            )
        )
    finally:
        keyring.set_keyring(previous)
    # The subprocess finds no keyring at all: the value is withheld from the file, unreadable.
    env = headless_env(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    result = run("--profile", "api", "--duration", "0.3", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "header “authorization” can't be read (no working keyring)" in result.stderr
    assert "Unlock or set up the system keyring" in result.stderr
    assert recording_server.handshake_attempts == 0


def test_an_out_file_in_a_missing_folder_exits_2_before_connecting(
    recording_server: RecordingServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "x.jsonl"
    code = main(["record", recording_server.url("/echo"), "--duration", "0.3", "--out", str(out)])
    assert code == 2
    assert "--out: there is no folder" in capsys.readouterr().err
    assert recording_server.handshake_attempts == 0


@pytest.mark.parametrize("uri", ["ws://[::1", "ws://[abc]/x"])
def test_a_malformed_bracketed_host_is_a_usage_error(
    uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", uri]) == 2
    assert "uri: The host in [brackets] must be a whole IPv6 address" in capsys.readouterr().err


def test_a_clean_close_with_an_application_code_exits_0_unless_named(
    recording_server: RecordingServer,
) -> None:
    url = recording_server.url("/close?code=4001&reason=kicked")
    result = run(url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Closed by the server: 4001" in result.stdout.splitlines()[-2]
    assert result.stderr == ""
    named = run(url, "--fail-on-close-code", "1011, 4001")
    assert named.returncode == 1, named.stdout
    assert "--fail-on-close-code" in named.stderr and "4001" in named.stderr
    assert main(["record", url, "--fail-on-close-code", "bye"]) == 2


def test_help_documents_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 the connection closed cleanly" in text
    assert "--fail-on-close-code" in text


def test_a_close_the_server_never_answers_exits_1_and_says_so() -> None:
    with ScriptedServer([Write(upgrade()), Deaf()]) as server:
        result = run(server.url("/"), "--duration", "0.3")
    assert result.returncode == 1, result.stdout + result.stderr
    summary = result.stdout.splitlines()[-2]
    assert "closed normally" not in summary
    assert "without the server's answer to our close (1000)" in summary
    assert "wsinspector record: error: closed without the server's answer" in result.stderr


def test_failures_go_to_stderr() -> None:
    result = run("ws://127.0.0.1:9/")
    assert result.returncode == 1
    assert "wsinspector record: error: Failed — connection refused" in result.stderr


async def one_message_then_close(connection: ServerConnection, record: object) -> None:
    await connection.send("only one")
    await connection.close(1000, "done")


def test_counts_agree_with_their_number() -> None:
    with RecordingServer(behaviour=one_message_then_close) as server:
        result = run(server.url("/"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "↓ 1 message (8 B), ↑ 0 messages (0 B)" in result.stdout


def test_a_file_with_secret_values_is_readable_by_its_owner_only(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    secret, plain = tmp_path / "secret.jsonl", tmp_path / "plain.jsonl"
    url = recording_server.url("/echo?token=s3cr3t")
    assert run(url, "--duration", "0.3", "--out", str(secret), "--include-secrets").returncode == 0
    assert run(url, "--duration", "0.3", "--out", str(plain)).returncode == 0
    assert "s3cr3t" in secret.read_text()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(plain.stat().st_mode) != 0o600  # the umask decides, as for any file
