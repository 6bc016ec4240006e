"""`wsinspector test` from the command line, against a server nobody here wrote."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers.cli import run_cli
from helpers.node import node_echo_server
from helpers.servers import RecordingServer

TESTS = textwrap.dedent(
    """
    async def test_echo(ws):
        await ws.send({"hello": "world"})
        reply = await ws.expect({"hello": "world"}, timeout=5)
        assert reply.json() == {"hello": "world"}

    async def test_wrong(ws):
        await ws.send("hello")
        msg = await ws.recv(timeout=5)
        assert msg.text == "goodbye", "the server should say goodbye"
    """
)


def test_a_passing_and_a_failing_test_against_node_ws(tmp_path: Path) -> None:
    tests = tmp_path / "echo_test.py"
    tests.write_text(TESTS)
    junit = tmp_path / "results.xml"
    out = tmp_path / "run.jsonl"
    with node_echo_server() as url:
        done = run_cli("test", tests, url, "--junit", junit, "--out", out)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("PASSED  echo_test.py::test_echo  (")
    assert lines[1].startswith("FAILED  echo_test.py::test_wrong  (")
    assert "the server should say goodbye" in done.stdout
    assert "'hello' == 'goodbye'" in done.stdout
    assert "      → 'hello'\n      ← 'hello'" in done.stdout
    assert lines[-2].startswith("1 passed, 1 failed in ")
    assert lines[-1] == "NO-QT"
    root = ET.parse(junit).getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"test_echo", "test_wrong"}
    assert cases["test_echo"].find("failure") is None
    failure = cases["test_wrong"].find("failure")
    assert failure is not None
    assert "the server should say goodbye" in (failure.get("message") or "")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    texts = [r.get("data") for r in records]
    assert texts.count("hello") == 2  # sent and echoed, in the ordinary log format


def test_all_passing_exits_0_and_usage_errors_exit_2(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    tests = tmp_path / "ok_test.py"
    tests.write_text(TESTS.split("async def test_wrong")[0])
    done = run_cli("test", tests, recording_server.url("/echo"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed in" in done.stdout
    assert run_cli("test", tests).returncode == 2  # neither URI nor profile
    missing = run_cli("test", tmp_path / "nope.py", recording_server.url("/"))
    assert missing.returncode == 2
    assert "there is no file" in missing.stderr
    broken = tmp_path / "broken_test.py"
    broken.write_text("async def test_x(ws)\n")
    done = run_cli("test", broken, recording_server.url("/"))
    assert done.returncode == 1
    assert "broken_test.py:1:" in done.stdout
