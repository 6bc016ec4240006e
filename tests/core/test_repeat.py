"""Repeat sending's schedule (issue 22): K times, until stopped, a failed send ends it, and a
late loop does not burst to catch up."""

from __future__ import annotations

import asyncio
import itertools

from helpers.asyncwait import run, until

from wsinspector.core.websocket.repeat import Repeater, RepeatPlan, check_plan


def test_sends_k_times_then_ends() -> None:
    sent: list[int] = []
    ended: list[tuple[int, str]] = []

    async def main() -> None:
        repeater = Repeater(RepeatPlan(1, 5), lambda: "", sent.append, lambda *e: ended.append(e))
        repeater.start()
        await until(lambda: ended, 5)
        assert not repeater.running

    run(main)
    assert sent == [1, 2, 3, 4, 5]
    assert ended == [(5, "")]


def test_until_stopped_and_a_failed_send_ends_it() -> None:
    ended: list[tuple[int, str]] = []

    async def main() -> None:
        repeater = Repeater(
            RepeatPlan(1, None), lambda: "", lambda _n: None, lambda *e: ended.append(e)
        )
        repeater.start()
        await until(lambda: repeater.sent >= 3, 5)
        repeater.stop()
        await until(lambda: ended, 5)
        outcomes = iter(["", "", "Not sent: the connection closed"])
        failing = Repeater(
            RepeatPlan(1, 100), lambda: next(outcomes), lambda _n: None, lambda *e: ended.append(e)
        )
        failing.start()
        await until(lambda: len(ended) == 2, 5)

    run(main)
    assert ended[0][1] == "stopped" and ended[0][0] >= 3
    assert ended[1] == (2, "Not sent: the connection closed")


def test_a_blocked_loop_does_not_bring_a_burst() -> None:
    stamps: list[float] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def send() -> str:
            stamps.append(loop.time())
            if len(stamps) == 2:
                # The loop is blocked for 30 ticks' time (a stand-in for a busy window).
                deadline = loop.time() + 0.3
                while loop.time() < deadline:
                    pass
            return ""

        repeater = Repeater(RepeatPlan(10, 6), send, lambda _n: None, lambda *_e: None)
        repeater.start()
        await until(lambda: len(stamps) == 6, 5)

    run(main)
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps[2:])]
    assert min(gaps) >= 0.005  # no catching up: the sends after the block keep their interval


def test_plans_in_words() -> None:
    assert check_plan(RepeatPlan(0, None)) == "The interval is 1 to 3600000 ms"
    assert check_plan(RepeatPlan(5, 0)) == "Send it at least once"
    assert RepeatPlan(5, 3).words() == "every 5 ms, 3 times"
    assert RepeatPlan(5, None).words() == "every 5 ms until stopped"
