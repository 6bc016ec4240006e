"""The recorder hands a flood over in small slices: every BUSY_FLUSH_INTERVAL while messages
keep coming, every FLUSH_INTERVAL once they stop (an idle page wakes the loop seldom)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.capture.recorder import (
    BUSY_FLUSH_INTERVAL,
    FLUSH_INTERVAL,
    Recorder,
)


def next_hand_over(recorder: Recorder) -> float:
    """Seconds until the recorder's timer hands over again (its armed handle)."""
    timer = recorder._timer
    assert timer is not None
    return timer.when() - asyncio.get_running_loop().time()


async def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


def test_a_flood_is_handed_over_often_and_an_idle_log_seldom(tmp_path: Path) -> None:
    store = CaptureStore.open(tmp_path / "capture.sqlite3")

    async def run() -> None:
        log = EventLog(None)
        recorder = store.start_recording(log, uri="ws://h/")
        assert next_hand_over(recorder) > BUSY_FLUSH_INTERVAL  # nothing came yet
        for round_ in range(3):
            for n in range(1000):
                log.append_message(1, True, True, b"tick %d" % n, time.time(), time.monotonic())
            everything = len(log)
            await wait_for(lambda: recorder.rows == everything)  # noqa: B023  # awaited here
            # Messages came since the last hand-over: the next one is soon.
            assert next_hand_over(recorder) <= BUSY_FLUSH_INTERVAL, round_
        timer = recorder._timer
        await wait_for(lambda: recorder._timer is not timer)  # a hand-over with nothing new
        assert BUSY_FLUSH_INTERVAL < next_hand_over(recorder) <= FLUSH_INTERVAL
        recorder.stop()
        assert await store.synced(5.0)
        assert len(store.session_events(recorder.session_id)) == 3000

    try:
        asyncio.run(run())
    finally:
        store.close()
