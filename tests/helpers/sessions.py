"""Reading a Session's log and waiting for it to end, shared by the core tests."""

from __future__ import annotations

from helpers.asyncwait import until
from wsinspector.core.eventlog import EventLog
from wsinspector.core.events import Event
from wsinspector.core.session import Session


def of_type[E: Event](log: EventLog, cls: type[E]) -> list[E]:
    """The log's events of one kind, in order: what the window lists."""
    return [event for event in log if isinstance(event, cls)]


async def finished(session: Session, timeout: float = 5.0) -> None:
    """Wait until the session's task has ended (CLOSED or FAILED for good)."""
    task = session.task
    assert task is not None
    await until(task.done, timeout, message=lambda: f"(state {session.state.value})")
