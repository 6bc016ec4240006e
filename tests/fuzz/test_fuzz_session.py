"""The core Session against seeded hostile servers (tests/fuzz/scenarios.py), with an oracle.

For every seed:

* nothing unhandled: the session task ends without an exception, the loop's exception handler
  is never called, nothing is logged at WARNING or above;
* no hang: the session ends on its own within a bound, or (a server that holds the connection
  open without a fault) the user's close ends it within its timeout;
* nothing left running: once it has ended, no task of the session is pending, and none starts
  again (websockets' keepalive, issue 11 defect 4);
* nothing lost: every message the server sent complete before its first fault is in the log,
  in order, before the connection's close event (defect 3);
* order: no ping, pong, message or close of a connection precedes its handshake (defect 6);
* words: every error, failure and close reason is a sentence, never Python's
  ("ValueError: …", a traceback).

CI runs a fixed set of seeds (FUZZ_SEEDS_CI, about 15 s on the 2-core CI machine). More seeds:

    sh packaging/dev.sh fuzz 2000 [FIRST]        # seeds FIRST .. FIRST+1999 (FIRST: 0)
    WSINSPECTOR_FUZZ_SEEDS=500 WSINSPECTOR_FUZZ_FIRST=10000 pytest tests/fuzz -q

A failing seed's report prints the server's bytes, write by write (Scenario.dump()).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Any

import pytest
from helpers.asyncwait import stays, until
from helpers.scripted import ScriptedServer
from helpers.sessions import of_type

from fuzz.scenarios import CLOSE_TIMEOUT, LIMIT, Scenario, build
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    Direction,
    ErrorEvent,
    Event,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

FUZZ_SEEDS_CI = 120
SEEDS = int(os.environ.get("WSINSPECTOR_FUZZ_SEEDS", FUZZ_SEEDS_CI))
FIRST = int(os.environ.get("WSINSPECTOR_FUZZ_FIRST", 0))

# A session must end by itself within this (open timeout, redirects, close timeout, slack).
ENDS_WITHIN = 6.0
# What Python's own words look like: "ValueError: …", "KeyError", a traceback.
PYTHON_WORDS = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback|<class ")


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def words_of(log: EventLog, session: Session) -> list[str]:
    texts = [session.last_error]
    for event in log:
        if isinstance(event, ErrorEvent):
            texts.append(event.message)
        elif isinstance(event, StateEvent):
            texts.append(event.error)
        elif isinstance(event, CloseEvent):
            texts += [event.reason, event.sent_reason, event.received_reason]
    return [text for text in texts if text]


async def play(scenario: Scenario) -> tuple[Session, list[dict[str, Any]]]:
    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    me = asyncio.current_task()

    def others() -> set[asyncio.Task[Any]]:
        return {task for task in asyncio.all_tasks() if task is not me}

    with ScriptedServer(scenario.script) as server:
        options = ConnectionOptions(
            server.url(),
            open_timeout=scenario.open_timeout,
            close_timeout=CLOSE_TIMEOUT,
            ping_interval=0.03,  # keepalive runs, and must stop with the connection
            ping_timeout=1.0,
            max_message_size=LIMIT,
            on_connect_messages=("hello",) if scenario.heard_first else (),
        )
        session = Session(options, EventLog())
        task = session.start()
        expected = len(scenario.expected)
        if scenario.stays_open:
            # The server holds the connection without a fault: once everything arrived,
            # the user closes, which must end it within close()'s own bound.
            await until(
                lambda: (
                    task.done()
                    or (session.state is ConnState.OPEN and len(incoming(session.log)) >= expected)
                )
            )
            if not task.done():
                async with asyncio.timeout(3.0):
                    await session.close(timeout=1.0)
        await until(task.done, ENDS_WITHIN, message=f"(state {session.state.value})")
        assert task.exception() is None, repr(task.exception())
        # Everything of the session ends with it, and nothing starts again (keepalive).
        await until(lambda: not others(), 2.0, message=lambda: f"(still running: {others()})")
        if scenario.accepted:
            await stays(lambda: not others(), 0.08)
    return session, problems


def incoming(log: EventLog) -> list[MessageEvent]:
    return [e for e in of_type(log, MessageEvent) if e.direction is Direction.IN]


def check(scenario: Scenario, session: Session) -> None:
    log = session.log
    events: list[Event] = list(log)
    assert session.state in (ConnState.CLOSED, ConnState.FAILED)
    # Words, never Python's.
    for text in words_of(log, session):
        assert not PYTHON_WORDS.search(text), text
    if session.state is ConnState.FAILED:
        assert session.last_error, "a failure without words"
    if scenario.refused:
        assert session.state is ConnState.FAILED
        assert "timed out" not in session.last_error, session.last_error
    handshakes = of_type(log, HandshakeEvent)
    accepted = [h for h in handshakes if h.accepted]
    if not scenario.accepted:
        assert not accepted and not incoming(log)
        return
    assert len(accepted) == 1, [h.status_line for h in handshakes]
    (handshake,) = accepted
    start = events.index(handshake)
    # Nothing of the connection before its handshake.
    for index, event in enumerate(events):
        if isinstance(event, ControlEvent | MessageEvent | CloseEvent):
            assert index > start, f"{event} before the handshake"
            assert event.conn == handshake.conn
    # Every complete message before the first fault, in order, before the close; and
    # nothing of what came after the fault or the close frame (it is there to be ignored).
    got = [(m.text, m.data) for m in incoming(log)]
    want = scenario.expected
    assert got == want, (
        f"{len(got)} messages logged, {len(want)} sent before the fault; first difference "
        f"at {next((i for i, (g, w) in enumerate(zip(got, want, strict=False)) if g != w), None)}"
    )
    closes = of_type(log, CloseEvent)
    assert len(closes) == 1, closes
    received = incoming(log)
    if received:
        assert events.index(closes[0]) > events.index(received[-1])


@pytest.mark.parametrize("seed", range(FIRST, FIRST + SEEDS), ids=lambda seed: f"seed{seed}")
def test_hostile_server(seed: int) -> None:
    scenario = build(seed)
    recorder = Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        session, problems = asyncio.run(play_bounded(scenario))
        assert problems == [], problems
        assert recorder.records == [], [r.getMessage() for r in recorder.records]
        check(scenario, session)
    except BaseException as exc:
        # The server's bytes, so that the seed can be replayed and read.
        exc.add_note(scenario.dump())
        raise
    finally:
        root.removeHandler(recorder)


async def play_bounded(scenario: Scenario) -> tuple[Session, list[dict[str, Any]]]:
    async with asyncio.timeout(20.0):
        return await play(scenario)
