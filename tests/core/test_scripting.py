"""Test files and their `ws` object against a real echo server on 127.0.0.1."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers.asyncwait import run
from helpers.servers import RecordingServer

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.log.filtering import LogFilter
from wsinspector.core.scripting.junit import junit_xml
from wsinspector.core.scripting.loading import load_script
from wsinspector.core.scripting.messages import Message, describe_matcher, matches
from wsinspector.core.scripting.runner import Outcome, RunReport, Target, run_files
from wsinspector.core.websocket.options import ConnectionOptions


def write(folder: Path, source: str, name: str = "ws_test.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def run_file(path: Path, uri: str, log: EventLog | None = None, **variables: str) -> RunReport:
    target = Target(ConnectionOptions(uri), dict(variables))
    return run(lambda: run_files([path], target, log if log is not None else EventLog(None)))


def test_ws_sends_receives_expects_pings_and_reads_the_handshake(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        import re

        async def test_everything(ws):
            assert ws.status == 101
            assert ws.headers["upgrade"].lower() == "websocket"
            assert ws.subprotocol is None
            await ws.send("hello")
            assert (await ws.recv(timeout=5)).text == "hello"
            await ws.send({"op": "subscribe", "seq": 7})
            got = await ws.expect({"op": "subscribe"}, timeout=5)
            assert got.json()["seq"] == 7
            await ws.send(b"\\x00\\x01")
            got = await ws.recv()
            assert got.binary and got.data == b"\\x00\\x01"
            await ws.send("one"); await ws.send("token=abc123")
            got = await ws.expect(re.compile(r"token=(\\w+)"))
            ws.vars["token"] = re.search(r"token=(\\w+)", got.text).group(1)
            await ws.send("my token is {{token}} on {{host}}")
            assert (await ws.expect("my token")).text == "my token is abc123 on example"
            await ws.send([1, 2])
            assert (await ws.expect(lambda m: m.text.startswith("["))).json() == [1, 2]
            assert await ws.ping() >= 0
            await ws.close(4001, "done")
            assert ws.close_code == 4001
        """,
    )
    log = EventLog(None)
    report = run_file(path, recording_server.url("/echo"), log, host="example")
    assert [(r.name, r.outcome, r.message) for r in report.results] == [
        ("test_everything", Outcome.PASSED, "")
    ]
    sent = [e.data for e in log if isinstance(e, MessageEvent) and e.direction is Direction.OUT]
    assert sent[:2] == [b"hello", b'{"op": "subscribe", "seq": 7}']
    assert b"my token is abc123 on example" in sent
    # The server's side records the code once its handler has ended, after the client's close.
    assert recording_server.last.closed.wait(5)
    assert recording_server.last.close_code == 4001


def test_a_failed_assert_reports_its_words_values_and_last_messages(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        async def test_passes(ws):
            await ws.send("ping")
            assert (await ws.recv()).text == "ping"

        async def test_fails(ws):
            await ws.send("hello")
            msg = await ws.recv()
            assert msg.text == "goodbye"
        """,
    )
    report = run_file(path, recording_server.url("/echo"))
    passed, failed = report.results
    assert passed.outcome is Outcome.PASSED
    assert failed.outcome is Outcome.FAILED
    assert "'hello' == 'goodbye'" in failed.message
    assert failed.last_messages == ("→ 'hello'", "← 'hello'")
    assert 'assert msg.text == "goodbye"' in failed.detail
    root = ET.fromstring(junit_xml(report))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"test_passes", "test_fails"}
    assert list(cases["test_passes"]) == []
    failure = cases["test_fails"].find("failure")
    assert failure is not None and "'goodbye'" in (failure.get("message") or "")
    assert root.get("failures") == "1" and root.get("tests") == "2"


def test_without_pytest_asserts_still_say_their_source_and_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        async def test_compare(ws):
            x = 3
            assert x + 1 == 5, "sum"

        async def test_plain(ws):
            assert not [1]
        """,
    )
    script = load_script(path, use_pytest=False)
    messages = []
    for _, test in script.tests:
        with pytest.raises(AssertionError) as caught:
            run(lambda test=test: test(None))
        messages.append(str(caught.value))
    assert messages == [
        "sum\nassert x + 1 == 5\n  left:  4\n  Eq right: 5",
        "assert not [1]",
    ]


def test_expect_timeout_lists_what_came_instead_and_a_refused_connection_errors(
    recording_server: RecordingServer, tmp_path: Path, free_port: int
) -> None:
    path = write(
        tmp_path,
        """
        async def test_wrong_answer(ws):
            await ws.send("apples")
            await ws.expect({"type": "tick"}, timeout=0.5)
        """,
    )
    report = run_file(path, recording_server.url("/echo"))
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert result.message.startswith('expected a JSON message containing {"type": "tick"}')
    assert "← 'apples'" in result.message
    refused = run_file(path, f"ws://127.0.0.1:{free_port}/")
    (result,) = refused.results
    assert result.outcome is Outcome.ERROR
    assert result.message.startswith(f"could not connect to ws://127.0.0.1:{free_port}/")


def test_recv_says_the_server_closed(recording_server: RecordingServer, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        async def test_closed(ws):
            await ws.recv(timeout=5)
        """,
    )
    report = run_file(path, recording_server.url("/close?code=4000&reason=bye"))
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "closed by the server with 4000 (private use) 'bye'" in result.message


def test_a_log_filter_matches_as_the_filter_bar_does_and_says_what_it_wanted() -> None:
    sent = Message(1, Direction.OUT, True, b"price: 42", conn=1)
    got = Message(2, Direction.IN, False, b"\xde\xad\xbe\xef", conn=2)
    assert matches(LogFilter(text="PRICE"), sent)  # case-insensitive, like the bar
    assert not matches(LogFilter(text="price", directions=frozenset({"received"})), sent)
    assert matches(LogFilter(text="deadbeef"), got)  # binary by its hex
    assert not matches(LogFilter(connections=frozenset({1})), got)
    wanted = LogFilter(text=r"\d+", regex=True, kinds=frozenset({"text"}))
    assert describe_matcher(wanted) == (
        "a message the log's filter shows for regex '\\\\d+'; types text"
    )
