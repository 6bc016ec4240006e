"""Opening and closing a Session, reading its log and waiting for it to end, shared by the
core tests."""

from __future__ import annotations

import asyncio
from typing import Any

from helpers.asyncwait import until, wait_state
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Event
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session


def options_for(uri: str, **kwargs: Any) -> ConnectionOptions:
    """Options for a loopback test: no keepalive noise, short timeouts."""
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("open_timeout", 5.0)
    kwargs.setdefault("close_timeout", 1.0)
    return ConnectionOptions(uri, **kwargs)


async def open_session(target: str | ConnectionOptions, **kwargs: Any) -> Session:
    """A started session, once it is open: to `target` (a URI, with options_for(uri,
    **kwargs), or the options themselves)."""
    options = options_for(target, **kwargs) if isinstance(target, str) else target
    session = Session(options, EventLog())
    session.start()
    await wait_state(session, ConnState.OPEN, ConnState.FAILED)
    assert session.state is ConnState.OPEN, session.last_error
    return session


async def close_session(session: Session) -> None:
    """Close `session` cleanly, within 5 s."""
    async with asyncio.timeout(5):
        await session.close()
    assert session.state is ConnState.CLOSED


def of_type[E: Event](log: EventLog, cls: type[E]) -> list[E]:
    """The log's events of one kind, in order: what the window lists."""
    return [event for event in log if isinstance(event, cls)]


async def finished(session: Session, timeout: float = 5.0) -> None:
    """Wait until the session's task has ended (CLOSED or FAILED for good)."""
    task = session.task
    assert task is not None
    await until(task.done, timeout, message=lambda: f"(state {session.state.value})")
