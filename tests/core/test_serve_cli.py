"""`wsinspector serve --profile NAME`: a saved server profile served without a window, as a
user runs it (a subprocess, no display), answering clients nobody here wrote."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import pytest
from helpers.asyncwait import run
from helpers.node_client import node_ws_client
from helpers.recordcli import headless_env
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from wsinspector.core.serving.rules import Rule, RuleKind
from wsinspector.core.serving.settings import ServerSettings, settings_to_json
from wsinspector.core.storage.profiles import Environments, Profile, ProfileStore
from wsinspector.core.websocket.options import ConnectionOptions

RUNNER = (
    "import sys; from wsinspector.app import main; code = main(sys.argv[1:]);"
    " print('QT-IMPORTED' if any(m.startswith('PySide6') for m in sys.modules) else 'NO-QT');"
    " sys.exit(code)"
)


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, "serve", *args],
        env=headless_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def save_server_profile() -> None:
    settings = ServerSettings(
        path="/game",
        rules=(
            Rule(RuleKind.TEXT, "hello", "welcome to {{realm}}, client {{client}}"),
            Rule(RuleKind.JSON, '{"op": "quit"}', "bye"),
        ),
    )
    store = ProfileStore()
    store.save(
        Profile(
            name="game server",
            options=ConnectionOptions(""),
            variables={"realm": "the profile's realm"},
            server=settings_to_json(settings),
        )
    )
    store.save_environments(Environments({"staging": {"realm": "staging"}}))


def address_of(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on ws://127.0.0.1:" in line, line
    return line.split("listening on ", 1)[1].split()[0]


def test_a_saved_server_profile_answers_websockets_and_node_clients_and_sigterm_closes_1001() -> (
    None
):
    save_server_profile()
    process = serve("--profile", "game server", "--env", "staging")
    try:
        address = address_of(process)
        assert address.endswith("/game")

        async def clients() -> tuple[str, str, int]:
            async with connect(address) as websocket:
                await websocket.send("hello")
                first = str(await websocket.recv())
                async with node_ws_client(address) as node:
                    await node.wait_for("open")
                    await node.send('{"op": "quit", "why": "done"}')
                    second = (await node.wait_for("message"))["data"]
                process.send_signal(signal.SIGTERM)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(websocket.recv(), 10)
                assert closed.value.rcvd is not None
                return first, second, closed.value.rcvd.code

        first, second, code = run(clients)
        assert first == "welcome to staging, client 1"
        assert second == "bye"
        assert code == 1001
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    lines = stdout.splitlines()
    assert lines[-1] == "NO-QT"
    assert any("hello" in line for line in lines)
    assert any("welcome to staging" in line for line in lines)


def test_an_unknown_profile_exits_2_before_listening() -> None:
    save_server_profile()
    process = serve("--profile", "nope")
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "no profile named “nope”" in stderr and "game server" in stderr
    assert "listening" not in stdout


def test_broken_rules_exit_2_saying_why() -> None:
    ProfileStore().save(
        Profile(
            name="broken",
            options=ConnectionOptions(""),
            server={"rules": [{"kind": "regex", "pattern": "(", "reply": "x"}]},
        )
    )
    process = serve("--profile", "broken")
    _stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "invalid regex" in stderr
