"""Reactions on a live connection: a server's challenge answered by `on_message`, output and
errors said, and nothing done while they are switched off."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from helpers.asyncwait import run, until
from helpers.servers import RecordingServer
from helpers.sessions import close_session, options_for
from websockets.asyncio.server import ServerConnection

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent
from wsinspector.core.scripting.loading import load_script
from wsinspector.core.scripting.reactions import Reactions
from wsinspector.core.websocket.session import Session

SCRIPT = textwrap.dedent(
    """
    async def on_open(ws):
        print("opened with", ws.status)

    async def on_message(msg, ws):
        if "challenge" in msg.text:
            await ws.send({"answer": msg.json()["challenge"] * 2})
        elif msg.text == "boom":
            raise ValueError("not a message I know")
    """
)


async def challenger(connection: ServerConnection, record: object) -> None:
    await connection.send(json.dumps({"challenge": 21}))
    answer = await connection.recv()
    if json.loads(answer) != {"answer": 42}:
        await connection.close(4003, "wrong answer")
        return
    await connection.send("welcome")
    await connection.send("boom")
    await connection.send("still here")
    async for _ in connection:
        pass


def texts(log: EventLog, direction: Direction) -> list[str]:
    return [
        e.data.decode() for e in log if isinstance(e, MessageEvent) and e.direction is direction
    ]


def test_on_message_answers_a_challenge_and_an_error_is_said_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "reactions.py"
    path.write_text(SCRIPT)
    output: list[str] = []

    async def go() -> EventLog:
        log = EventLog()
        holder: list[Session] = []
        reactions = Reactions(log, lambda: holder[0] if holder else None, output.append)
        reactions.set_script(load_script(path))
        reactions.enabled = True
        with RecordingServer(behaviour=challenger) as server:
            session = Session(options_for(server.url("/")), log)
            holder.append(session)
            session.start()
            await until(lambda: "still here" in texts(log, Direction.IN))
            await until(lambda: len(output) == 2)
            assert session.state is ConnState.OPEN
            await close_session(session)
        reactions.detach()
        return log

    log = run(go)
    assert texts(log, Direction.OUT) == ['{"answer": 42}']
    assert output[0] == "opened with 101"
    assert output[1] == "on_message failed (line 9): ValueError: not a message I know"


def test_switched_off_nothing_runs(tmp_path: Path) -> None:
    path = tmp_path / "reactions.py"
    path.write_text(SCRIPT)
    output: list[str] = []

    async def go() -> tuple[EventLog, int | None]:
        log = EventLog()
        holder: list[Session] = []
        reactions = Reactions(log, lambda: holder[0] if holder else None, output.append)
        reactions.set_script(load_script(path))
        with RecordingServer(behaviour=challenger) as server:
            session = Session(options_for(server.url("/")), log)
            holder.append(session)
            session.start()
            await until(lambda: texts(log, Direction.IN) == ['{"challenge": 21}'])
            await session.send_text('{"answer": 0}')
            await until(lambda: session.state is ConnState.CLOSED)
        reactions.detach()
        return log, server.last.close_code

    log, _ = run(go)
    assert texts(log, Direction.OUT) == ['{"answer": 0}']
    assert output == []


VARIABLES = textwrap.dedent(
    """
    async def on_open(ws):
        await ws.send("hello " + ws.vars["user"])

    async def on_message(msg, ws):
        if msg.text.startswith("token:"):
            ws.vars["token"] = msg.text[len("token:"):]
            raise RuntimeError("after the token")   # what was set before an error is kept
        elif msg.text == "again":
            await ws.send("token is {{token}}")
    """
)


async def token_giver(connection: ServerConnection, record: object) -> None:
    hello = await connection.recv()
    await connection.send(f"token:{hello}-42")
    await connection.send("again")
    async for _ in connection:
        pass


def test_reactions_see_the_page_variables_and_what_they_set_reaches_the_page(
    tmp_path: Path,
) -> None:
    path = tmp_path / "variables.py"
    path.write_text(VARIABLES)
    page_vars = {"user": "ada"}
    output: list[str] = []

    async def go() -> EventLog:
        log = EventLog()
        holder: list[Session] = []
        reactions = Reactions(
            log,
            lambda: holder[0] if holder else None,
            output.append,
            lambda: dict(page_vars),
            page_vars.update,
        )
        reactions.set_script(load_script(path))
        reactions.enabled = True
        with RecordingServer(behaviour=token_giver) as server:
            session = Session(options_for(server.url("/")), log)
            holder.append(session)
            session.start()
            await until(lambda: len(texts(log, Direction.OUT)) == 2)
            await close_session(session)
        reactions.detach()
        return log

    log = run(go)
    assert page_vars == {"user": "ada", "token": "hello ada-42"}
    assert texts(log, Direction.OUT) == ["hello ada", "token is hello ada-42"]
    assert output == ["on_message failed (line 8): RuntimeError: after the token"]
