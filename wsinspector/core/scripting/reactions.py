"""Reactions: a script's `on_open(ws)` and `on_message(msg, ws)` run on a live connection.

A page switches them on with a loaded script; from then on each connection that opens gets
`on_open`, and each message the server sends gets `on_message`, one call after the other in
the order of the log (an answer to a challenge goes out before the next message is looked at).
The `ws` is the test files' TestSocket on the page's own session: what a reaction sends is a
row of the page's log like any other.

A reaction runs with the user's rights; whatever it raises is said through `output` and the
connection, the log and the window go on. What it prints goes to `output` too.

`ws.vars` are the page's variables as they are when each reaction starts (`variables()`), and
what a reaction sets or changes there is handed to `set_variables` when it ends (also when it
fails: a token extracted before the error is kept), so a later message's {{token}} has it.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import (
    ConnState,
    Direction,
    Event,
    HandshakeEvent,
    MessageEvent,
    StateEvent,
)
from wsinspector.core.scripting.loading import ScriptFile
from wsinspector.core.scripting.messages import Message
from wsinspector.core.scripting.socket import TestSocket
from wsinspector.core.websocket.session import Session

Output = Callable[[str], None]
Call = Callable[[], Coroutine[Any, Any, object]]
# Messages a reaction's ws keeps for its recv()/expect(), the newest.
INBOX_LIMIT = 1000


class Reactions:
    """Runs `script`'s reactions on the connections of `log` while `enabled`.

    `session_of()` gives the session now running on the log (the page's)."""

    def __init__(
        self,
        log: EventLog,
        session_of: Callable[[], Session | None],
        output: Output,
        variables: Callable[[], dict[str, str]] = dict,
        set_variables: Callable[[dict[str, str]], object] = lambda changed: None,
    ) -> None:
        self.log = log
        self.enabled = False
        self.script: ScriptFile | None = None
        self._session_of = session_of
        self._output = output
        self._variables = variables
        self._set_variables = set_variables
        self._ws: TestSocket | None = None
        self._handshake: HandshakeEvent | None = None
        self._queue: asyncio.Queue[Callable[[], Coroutine[Any, Any, object]]] | None = None
        self._tasks = TaskSet()
        self._worker: asyncio.Task[None] | None = None
        # Messages only while a script reacts to them (set_script): a flood pays nothing else.
        log.add_listener(self, messages=False)

    def set_script(self, script: ScriptFile | None) -> None:
        """Use this script's reactions from the next event on (None: none)."""
        self.script = script
        self.log.listen_to_messages(self, script is not None and "on_message" in script.reactions)
        if script is not None:
            # print() in the script goes to the page, not to a terminal nobody sees.
            script.module.__dict__["print"] = self._print

    def enable(self) -> None:
        """Switch on; a connection already open gets on_message from now (its on_open has
        passed)."""
        self.enabled = True
        session = self._session_of()
        if self._ws is None and session is not None and session.state is ConnState.OPEN:
            self._ws = self._socket(session)

    def detach(self) -> None:
        self.log.remove_listener(self)
        if self._ws is not None:
            self._ws.stop_listening()
        for task in self._tasks:
            task.cancel()

    # -- the log's listener ------------------------------------------------------------------

    def event_appended(self, log: EventLog, event: Event) -> None:
        if type(event) is HandshakeEvent and not event.proxy_hop:
            self._handshake = event
        elif type(event) is StateEvent and event.state is ConnState.OPEN:
            self._opened()
        elif (
            type(event) is StateEvent
            and event.state in (ConnState.CLOSED, ConnState.FAILED)
            and self._ws is not None
        ):
            self._ws.stop_listening()
            self._ws = None

    def messages_appended(self, log: EventLog) -> None:
        if not self._active("on_message") or self._ws is None:
            return
        event = log[-1]
        assert isinstance(event, MessageEvent)
        if event.direction is not Direction.IN:
            return
        message = Message.of(log.next_id - 1, event)
        function = self.script.reactions["on_message"]  # type: ignore[union-attr]
        ws = self._ws
        self._enqueue("on_message", ws, lambda: function(message, ws))

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass

    # -- running -------------------------------------------------------------------------------

    def _active(self, name: str) -> bool:
        return self.enabled and self.script is not None and name in self.script.reactions

    def _opened(self) -> None:
        session = self._session_of()
        if not self.enabled or self.script is None or session is None:
            return
        ws = self._ws = self._socket(session)
        if self._active("on_open"):
            function = self.script.reactions["on_open"]
            self._enqueue("on_open", ws, lambda: function(ws))

    def _socket(self, session: Session) -> TestSocket:
        # On a live page a flood must not pile up for a recv() that may never come.
        ws = TestSocket(session.options, self.log, {}, session=session, inbox_limit=INBOX_LIMIT)
        ws.handshake = self._handshake
        ws.listen()
        return ws

    def _enqueue(self, name: str, ws: TestSocket, call: Call) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._queue.put_nowait(lambda: self._run(name, ws, call))
        if self._worker is None or self._worker.done():
            self._worker = self._tasks.spawn(self._work(self._queue))

    async def _work(self, queue: asyncio.Queue[Callable[[], Coroutine[Any, Any, object]]]) -> None:
        while not queue.empty():
            run = await queue.get()
            await run()

    async def _run(self, name: str, ws: TestSocket, call: Call) -> None:
        ws.vars.clear()
        ws.vars.update(self._variables())
        before = dict(ws.vars)
        try:
            await call()
        except Exception as exc:
            # The script's own frames: where in *its* code it failed.
            path = str(self.script.path) if self.script is not None else ""
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
            where = f" (line {frames[-1].lineno})" if frames else ""
            self._output(f"{name} failed{where}: {type(exc).__name__}: {exc}")
        finally:
            changed = {
                str(key): str(value) for key, value in ws.vars.items() if before.get(key) != value
            }
            if changed:
                self._set_variables(changed)

    def _print(self, *values: object, sep: str | None = " ", **_ignored: object) -> None:
        self._output((sep if sep is not None else " ").join(str(v) for v in values))
