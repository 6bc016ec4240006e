"""`wsinspector record`: headless recording in a subprocess against real loopback servers."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sys
import threading
from pathlib import Path

import pytest
from helpers.asyncwait import until
from helpers.recordcli import run, start
from helpers.servers import RecordingServer, wait_for
from websockets.asyncio.server import ServerConnection

from wsinspector.app import main
from wsinspector.core.app.crashlog import LOG_NAME
from wsinspector.core.app.paths import data_dir, state_dir
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.logfiles import import_log
from wsinspector.core.tools.record import RecordPlan, record
from wsinspector.core.websocket.options import ConnectionOptions


async def ticker(connection: ServerConnection, record: object) -> None:
    """Sends a few messages, then waits for the client to close."""
    for number in range(5):
        await connection.send(f"tick {number}")
    async for message in connection:
        del message


def test_sigterm_closes_with_1001_and_the_jsonl_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "session.jsonl"
    with RecordingServer(behaviour=ticker) as server:
        process = start(server.url("/ticks?token=s3cret"), "--out", str(out))
        assert process.stdout is not None
        first = [process.stdout.readline(), process.stdout.readline()]  # connecting, open
        assert "Open — " in first[1], first
        process.send_signal(signal.SIGTERM)
        rest, stderr = process.communicate(timeout=20)
        stdout = "".join(first) + rest
        assert process.returncode == 0, stderr
        wait_for(lambda: server.last.closed.is_set(), timeout=10)
        assert server.last.close_code == 1001
    lines = stdout.splitlines()
    assert lines[-1] == "NO-QT"
    assert "Connecting to ws://127.0.0.1" in lines[0]
    assert any("Open — " in line for line in lines)
    assert "closed normally" in lines[-2] and "Recorded" in lines[-2]
    imported = import_log(out)
    texts = [e.data.decode() for e in imported if getattr(e, "text", False)]
    assert texts == [f"tick {n}" for n in range(5)]
    assert "s3cret" not in out.read_text()
    # The capture has it too, for the History.
    store = CaptureStore.open(data_dir() / "capture.sqlite3")
    try:
        (info,) = store.sessions()
        assert info.messages_in == 5 and info.end_words.startswith("Closed by the client: 1001")
    finally:
        store.close()


def test_duration_closes_with_1000_and_exit_0(recording_server: RecordingServer) -> None:
    result = run(recording_server.url("/echo"), "--duration", "0.5")
    assert result.returncode == 0, result.stderr
    wait_for(lambda: recording_server.last.closed.is_set(), timeout=10)
    assert recording_server.last.close_code == 1000
    assert result.stdout.splitlines()[-1] == "NO-QT"


def test_the_printed_lines_show_no_secret(recording_server: RecordingServer) -> None:
    result = run(recording_server.url("/echo?token=s3cr3t&room=1"), "--duration", "0.3")
    assert result.returncode == 0, result.stderr
    assert "Open — " in result.stdout and "token=<redacted>&room=1" in result.stdout
    assert "s3cr3t" not in result.stdout + result.stderr


def test_a_refused_connection_exits_1_with_the_reason() -> None:
    result = run("ws://127.0.0.1:9/")
    assert result.returncode == 1
    assert "Failed — connection refused" in result.stdout


def test_usage_errors_exit_2_with_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, words in (
        ((), "give either a URI or --profile NAME"),
        (("ws://a/", "--profile", "x"), "give either a URI or --profile NAME"),
        (("ws://a/", "--env", "prod"), "--env goes with --profile"),
        (("--profile", "nope"), "no profile named “nope”"),
        (("ws://a/", "--out", str(tmp_path / "x.csv")), "record writes .jsonl or .har"),
        (("ws://a/", "--duration", "0"), "--duration must be"),
        (("http://a/",), "uri:"),
    ):
        assert main(["record", *args]) == 2, args
        assert words in capsys.readouterr().err, args


def test_a_server_that_closes_normally_exits_0_and_one_that_drops_exits_1(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    out = tmp_path / "closed.har"
    result = run(recording_server.url("/close?code=1000&reason=done"), "--out", str(out))
    assert result.returncode == 0, result.stdout
    assert "Closed by the server: 1000" in result.stdout
    har = json.loads(out.read_text())
    assert har["log"]["entries"][0]["request"]["url"].endswith("/close?code=1000&reason=done")
    dropped = run(recording_server.url("/drop"))
    assert dropped.returncode == 1, dropped.stdout


def test_an_unexpected_error_is_said_on_stderr_and_the_recording_goes_on(
    recording_server: RecordingServer,
) -> None:
    """A thread's and a loop callback's exception while recording (in this process, to raise
    them): one line each on stderr, the tracebacks in the crash log, and a normal end."""
    plan = RecordPlan(ConnectionOptions(recording_server.url("/echo")), duration=1.5)
    out, err = io.StringIO(), io.StringIO()
    hooks = (sys.excepthook, threading.excepthook)

    def thread_fails() -> None:
        raise ValueError("the writer broke")

    def callback_fails() -> None:
        raise KeyError("no such session")

    async def recording_with_errors() -> int:
        recording = asyncio.ensure_future(record(plan, out, err))
        await until(lambda: "Open" in out.getvalue(), message=out.getvalue)
        failing = threading.Thread(target=thread_fails, name="CaptureWriter")
        failing.start()
        failing.join()
        asyncio.get_running_loop().call_soon(callback_fails)
        await until(lambda: err.getvalue().count("\n") == 2, message=err.getvalue)
        return await recording

    assert asyncio.run(recording_with_errors()) == 0
    log_path = state_dir() / LOG_NAME
    thread_line, callback_line = err.getvalue().splitlines()
    assert thread_line == (
        "wsinspector record: unexpected error in thread CaptureWriter: ValueError: the writer"
        f" broke. Written to {log_path}"
    )
    assert callback_line.startswith("wsinspector record: unexpected error in an asyncio callback")
    assert callback_line.endswith(f"KeyError: 'no such session'. Written to {log_path}")
    assert "closed normally" in out.getvalue()
    written = log_path.read_text()
    assert 'raise ValueError("the writer broke")' in written
    assert "raise KeyError" in written
    # The hooks are put back once the recording ends.
    assert (sys.excepthook, threading.excepthook) == hooks
