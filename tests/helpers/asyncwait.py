"""Bounded waiting for asyncio tests: poll a condition instead of sleeping a fixed time.

Everything here yields to the running loop between polls, so a client on the same loop keeps
working while the test waits. Every wait has a timeout; nothing waits forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsinspector.core.log.events import ConnState
    from wsinspector.core.websocket.session import Session

__all__ = ["DEFAULT_TIMEOUT", "run", "stays", "until", "wait_state"]

DEFAULT_TIMEOUT = 5.0


async def until(
    predicate: Callable[[], object],
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.005,
    message: str | Callable[[], str] = "",
) -> None:
    """Return as soon as ``predicate()`` is true; TimeoutError (with ``message``) after timeout."""
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(interval)
    except TimeoutError:
        text = message() if callable(message) else message
        raise TimeoutError(f"condition not met within {timeout} s {text}".rstrip()) from None


async def stays(predicate: Callable[[], object], duration: float, interval: float = 0.01) -> None:
    """Check that ``predicate()`` holds at every poll for ``duration`` seconds.

    For "nothing else happens" assertions (no further attempt, no reconnect): the loop keeps
    running meanwhile, so anything that was going to happen has its chance to.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration
    while True:
        assert predicate(), "condition stopped holding"
        if loop.time() >= deadline:
            return
        await asyncio.sleep(interval)


async def wait_state(
    session: Session, *states: ConnState, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Wait until ``session.state`` is one of ``states`` (the error names the states seen)."""

    def seen() -> str:
        from wsinspector.core.log.events import StateEvent

        trail = [e.state.value for e in session.log if isinstance(e, StateEvent)]
        return f"(waiting for {[s.value for s in states]}; states: {trail}; {session.last_error!r})"

    await until(lambda: session.state in states, timeout, message=seen)


def run[T](factory: Callable[[], Awaitable[T]], timeout: float = 15.0) -> T:
    """``asyncio.run`` the awaitable ``factory()`` makes, bounded by ``timeout`` as a whole."""

    async def main() -> T:
        async with asyncio.timeout(timeout):
            return await factory()

    return asyncio.run(main())
