"""`wsinspector replay`: a recording (a .jsonl file, a session of the capture) sent again to
the same server and to a changed one, from the command line."""

from __future__ import annotations

import json
import time
from pathlib import Path

from helpers.asyncwait import run
from helpers.cli import run_cli
from helpers.servers import RecordingServer
from websockets.asyncio.server import ServerConnection

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction
from wsinspector.core.scripting.messages import Message
from wsinspector.core.scripting.replay_diff import compare, side_by_side
from wsinspector.core.scripting.runner import Outcome, Target, run_test
from wsinspector.core.scripting.socket import TestSocket
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.capture.policy import RecordingPolicy, RecordingTarget
from wsinspector.core.storage.logfiles import export_log
from wsinspector.core.websocket.options import ConnectionOptions


async def answering(connection: ServerConnection, record: object) -> None:
    """Answers each message with JSON holding the time; on /v2 the answer to "b" changed."""
    changed = connection.request is not None and connection.request.path == "/v2"
    async for message in connection:
        word = str(message)
        reply = word.upper() if not (changed and word == "b") else "B, but changed"
        await connection.send(json.dumps({"reply": reply, "ts": time.time()}))


async def conversation(ws: TestSocket) -> None:
    for word in ("a", "b", "c"):
        await ws.send(word)
        await ws.expect({"reply": word.upper()})


def record_session(url: str, out: Path) -> int:
    """Record one conversation into the capture (as a page or `record` does) and `out`."""

    async def go() -> int:
        store = CaptureStore.open_default()
        log = EventLog(None)
        policy = RecordingPolicy(store, log, lambda: RecordingTarget(url))
        result = await run_test(
            Path("x.py"), "t", conversation, Target(ConnectionOptions(url)), log
        )
        assert result.outcome is Outcome.PASSED, result.message
        policy.detach()
        await store.synced()
        store.close()
        export_log(log, out)
        assert policy.session_id is not None
        return policy.session_id

    return run(go)


def test_a_recording_replays_the_same_and_against_a_changed_server_shows_the_difference(
    tmp_path: Path,
) -> None:
    out = tmp_path / "session.jsonl"
    with RecordingServer(behaviour=answering) as server:
        session_id = record_session(server.url("/"), out)
        same = run_cli("replay", out, server.url("/"), "--ignore-field", "ts")
        assert same.returncode == 0, same.stdout + same.stderr
        assert "Same answers: 3 messages." in same.stdout
        assert same.stdout.splitlines()[-1] == "NO-QT"
        # The recorded gaps are waited unless --no-wait; without ignoring the time, it differs.
        stamped = run_cli("replay", out, server.url("/"), "--no-wait")
        assert stamped.returncode == 1
        assert "Different answers: 3 differ" in stamped.stdout
        changed = run_cli(
            "replay", str(session_id), server.url("/v2"), "--ignore-field", "ts", "--no-wait"
        )
    assert changed.returncode == 1, changed.stdout + changed.stderr
    lines = changed.stdout.splitlines()
    assert '-{"reply": "B"}' in lines
    assert '+{"reply": "B, but changed"}' in lines
    assert ' {"reply": "A"}' in lines  # context around the difference
    assert "Different answers: 1 differ (3 recorded, 3 replayed)." in changed.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run_cli("replay", tmp_path / "none.jsonl", "ws://127.0.0.1:1/")
    assert missing.returncode == 2
    assert "can't read" in missing.stderr
    assert run_cli("replay", "12", "ws://127.0.0.1:1/").returncode == 2  # no such session
    assert run_cli("replay", "x.jsonl").returncode == 2  # neither URI nor profile


def message(text: str, direction: Direction = Direction.IN) -> Message:
    return Message(0, direction, True, text.encode())


def test_unordered_comparison_and_ignored_fields_at_any_depth() -> None:
    recorded = [message('{"a": 1, "id": 5}'), message('{"b": {"id": 6, "x": 2}}'), message("hi")]
    replayed = [message("hi"), message('{"b": {"x": 2, "id": 9}}'), message('{"id": 7, "a": 1}')]
    assert not compare(recorded, replayed, ignored={"id"}).same
    assert compare(recorded, replayed, ordered=False, ignored={"id"}).same
    different = compare(recorded, replayed[:2], ordered=False, ignored={"id"})
    assert different.diff[2:] == ('-{"a": 1}',)
    assert different.differing == 1


def test_side_by_side_lines_up_the_answers_by_the_comparison_rules() -> None:
    recorded = [message("a"), message('{"v": 1, "ts": 1}'), message("c")]
    replayed = [message("a"), message('{"v": 2, "ts": 2}'), message("c"), message("d")]
    rows = [
        (p.recorded.text if p.recorded else None, p.replayed.text if p.replayed else None, p.same)
        for p in side_by_side(recorded, replayed, ignored={"ts"})
    ]
    assert rows == [
        ("a", "a", True),
        ('{"v": 1, "ts": 1}', '{"v": 2, "ts": 2}', False),
        ("c", "c", True),
        (None, "d", False),
    ]
    same = side_by_side(recorded[::-1], recorded, ordered=False)
    assert all(pair.same for pair in same) and len(same) == 3
