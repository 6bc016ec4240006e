"""Replaying a recording: its client messages sent again, in order and with their gaps, and
what the server answers now, to compare with what it answered then (replay_diff.py).

A recording is a .jsonl or .har file, or a session of the capture. Its first connection that
exchanged messages is the one replayed (a recording with reconnects holds several).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wsinspector.core.app.errors import UserError
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, Event, MessageEvent
from wsinspector.core.scripting.messages import Message
from wsinspector.core.scripting.runner import for_tests
from wsinspector.core.scripting.socket import TestSocket
from wsinspector.core.websocket.options import ConnectionOptions

if TYPE_CHECKING:
    from wsinspector.core.storage.capture import CaptureStore

# How long to wait, after the last message sent, for answers the recording had and that are
# yet to come.
DEFAULT_ANSWER_TIMEOUT = 5.0


class RecordingError(UserError):
    """The recording can't be read or holds nothing to replay."""


@dataclass(frozen=True, slots=True)
class Recording:
    """One connection's messages, in order, with their times (`Event.mono`)."""

    source: str
    messages: tuple[tuple[float, Message], ...]

    @property
    def sent(self) -> list[tuple[float, Message]]:
        return [(t, m) for t, m in self.messages if m.direction is Direction.OUT]

    @property
    def answers(self) -> list[Message]:
        return [m for _, m in self.messages if m.direction is Direction.IN]


def recording_of(events: Sequence[Event], source: str) -> Recording:
    """The first connection with messages in `events`; RecordingError when there is none."""
    conn: int | None = None
    found: list[tuple[float, Message]] = []
    for index, event in enumerate(events):
        if type(event) is not MessageEvent:
            continue
        if conn is None:
            conn = event.conn
        if event.conn == conn:
            found.append((event.mono, Message.of(index + 1, event)))
    if not any(m.direction is Direction.OUT for _, m in found):
        raise RecordingError(f"{source} holds no message sent by the client: nothing to replay")
    return Recording(source, tuple(found))


def load_recording(source: str) -> Recording:
    """SOURCE as the command line names it: a file, or a capture session's id."""
    if source.isdigit():
        from wsinspector.core.storage.capture import CaptureFileError, CaptureStore

        try:
            store = CaptureStore.open_default()
        except CaptureFileError as exc:
            raise RecordingError(f"the capture can't be opened: {exc}") from None
        try:
            return session_recording(store, int(source))
        finally:
            store.close()
    from wsinspector.core.storage.logfiles import LogFileError, import_log

    path = Path(source)
    try:
        log = import_log(path)
    except OSError as exc:
        raise RecordingError(f"can't read {source}: {exc.strerror or exc}") from None
    except LogFileError as exc:
        raise RecordingError(f"{source}: {exc}") from None
    return recording_of(log, source)


def session_recording(store: CaptureStore, session_id: int) -> Recording:
    """A session of the capture as a recording; RecordingError when it is gone or has
    nothing to replay."""
    try:
        events = store.session_events(session_id)
    except KeyError:
        raise RecordingError(f"no recorded session {session_id} in the History") from None
    return recording_of(list(events), f"session {session_id}")


async def replay(
    recording: Recording,
    options: ConnectionOptions,
    log: EventLog,
    *,
    speed: float = 1.0,
    wait: bool = True,
    answer_timeout: float = DEFAULT_ANSWER_TIMEOUT,
    on_sent: Callable[[Message], None] = lambda message: None,
) -> list[Message]:
    """Send the recording's client messages and collect the answers; ConnectFailed when the
    connection does not open. Returns the messages the server sent, in order."""
    ws = TestSocket(for_tests(options), log)
    answers: list[Message] = []
    loop = asyncio.get_running_loop()
    try:
        await ws.open()
        started = loop.time()
        first = recording.messages[0][0]
        for recorded_at, message in recording.sent:
            if wait:
                delay = started + (recorded_at - first) / speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            await ws.send(message.data if message.binary else message.text)
            on_sent(message)
        expected = len(recording.answers)
        deadline = loop.time() + answer_timeout
        while len(answers) < expected and not ws.closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                answers.append(await ws.recv(timeout=remaining))
            except AssertionError:
                break
        answers.extend(ws.pending())  # more than the recording had
    finally:
        await ws.finish()
    return answers
