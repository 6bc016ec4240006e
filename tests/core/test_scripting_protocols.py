"""`ws.protocol` in test files: Socket.IO's emit with an acknowledgement and GraphQL's
subscribe, against the Node servers of tests/node (socket.io v4, graphql-ws)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from helpers.asyncwait import run
from helpers.node import node_server
from helpers.servers import RecordingServer

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.scripting.runner import Outcome, Target, run_files
from wsinspector.core.websocket.options import ConnectionOptions

SOCKETIO_TESTS = textwrap.dedent(
    """
    async def test_emit_with_ack(ws):
        welcome = await ws.protocol.expect("event", "welcome")
        assert welcome.value["hello"] == "world"
        answer = await ws.protocol.emit("echo", 1, "two", ack=True)
        assert answer == {"echoed": [1, "two"]}

    async def test_emit_then_the_server_event(ws):
        assert await ws.protocol.emit("echo", {"a": 1}) is None
        echoed = await ws.protocol.expect("event", "echoed")
        assert echoed.value == {"a": 1}

    async def test_a_wrong_ack_fails_in_words(ws):
        assert await ws.protocol.emit("echo", 3, ack=True) == {"echoed": [4]}
    """
)

GRAPHQL_TESTS = textwrap.dedent(
    """
    async def test_subscribe(ws):
        await ws.protocol.subscribe(
            "subscription ($n: Int!) { countdown(from: $n) }", {"n": 3}
        )
        values = [(await ws.protocol.expect("next")).value for _ in range(3)]
        assert values == [{"data": {"countdown": n}} for n in (3, 2, 1)]
        await ws.protocol.expect("complete")

    async def test_plain_send_of_a_query(ws):
        await ws.protocol.send({"body": "{ hello }"})
        assert (await ws.protocol.expect("next")).value == {"data": {"hello": "world"}}
    """
)


def run_tests(
    tmp_path: Path, source: str, options: ConnectionOptions
) -> dict[str, tuple[Outcome, str]]:
    path = tmp_path / "protocol_test.py"
    path.write_text(source)
    report = run(lambda: run_files([path], Target(options), EventLog(None)))
    assert report.load_errors == []
    return {r.name: (r.outcome, r.message) for r in report.results}


def test_socketio_emit_and_acknowledgement_from_a_test_file(tmp_path: Path) -> None:
    with node_server("socketio_server.js") as port:
        options = ConnectionOptions(f"http://127.0.0.1:{port}", protocol="socketio")
        outcomes = run_tests(tmp_path, SOCKETIO_TESTS, options)
    assert outcomes["test_emit_with_ack"] == (Outcome.PASSED, "")
    assert outcomes["test_emit_then_the_server_event"] == (Outcome.PASSED, "")
    outcome, words = outcomes["test_a_wrong_ack_fails_in_words"]
    assert outcome is Outcome.FAILED
    assert "{'echoed': [3]}" in words and "{'echoed': [4]}" in words


def test_graphql_subscribe_from_a_test_file(tmp_path: Path) -> None:
    with node_server("graphql_server.js") as port:
        options = ConnectionOptions(f"ws://127.0.0.1:{port}/graphql", protocol="graphql")
        outcomes = run_tests(tmp_path, GRAPHQL_TESTS, options)
    assert outcomes == {
        "test_subscribe": (Outcome.PASSED, ""),
        "test_plain_send_of_a_query": (Outcome.PASSED, ""),
    }


def test_a_plain_websocket_has_no_protocol_and_says_so(
    tmp_path: Path, recording_server: RecordingServer
) -> None:
    source = "async def test_p(ws):\n    ws.protocol\n"
    outcomes = run_tests(tmp_path, source, ConnectionOptions(recording_server.url("/echo")))
    outcome, words = outcomes["test_p"]
    assert outcome is Outcome.ERROR and "speaks plain WebSocket" in words


def test_the_socketio_example_of_the_scripting_doc_passes(tmp_path: Path) -> None:
    """docs/scripting.md's protocol examples are fenced ```py (the plain ones, ```python, run
    against an echo server in test_scripting_docs.py)."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"
    (source,) = re.findall(r"```py\n(.*?)```", doc.read_text(), re.DOTALL)
    with node_server("socketio_server.js") as port:
        options = ConnectionOptions(f"http://127.0.0.1:{port}", protocol="socketio")
        outcomes = run_tests(tmp_path, source, options)
    assert outcomes == {"test_socketio_echo": (Outcome.PASSED, "")}
