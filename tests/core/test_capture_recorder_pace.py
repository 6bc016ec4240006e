"""The recorder hands a flood over in small slices: every BUSY_FLUSH_INTERVAL while messages
keep coming, every FLUSH_INTERVAL once they stop (an idle page wakes the loop seldom), and the
first message after a pause brings the next hand-over forward."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from helpers.servers import wait_for_async

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


def listens_to_messages(log: EventLog, recorder: Recorder) -> bool:
    return recorder in log._message_listeners


def messages(log: EventLog, count: int, *, at_once: bool) -> None:
    entries = [(1, True, True, b"tick %d" % n, time.time(), time.monotonic()) for n in range(count)]
    if at_once and not log.tells_messages:  # as the framer appends a read of a flood
        log.extend_received(entries, sum(len(entry[3]) for entry in entries))
    else:
        for entry in entries:
            log.append_message(*entry)


def test_a_flood_is_handed_over_often_and_an_idle_log_seldom(tmp_path: Path) -> None:
    store = CaptureStore.open(tmp_path / "capture.sqlite3")

    async def run() -> None:
        log = EventLog(None)
        recorder = store.start_recording(log, uri="ws://h/")
        assert next_hand_over(recorder) > BUSY_FLUSH_INTERVAL  # nothing came yet
        for at_once in (False, True):
            for round_ in range(3):
                messages(log, 1000, at_once=at_once)
                # The first message after a pause, and any before the next hand-over: soon.
                assert next_hand_over(recorder) <= BUSY_FLUSH_INTERVAL, (at_once, round_)
                everything = len(log)
                await wait_for_async(lambda: recorder.rows == everything)  # noqa: B023  # awaited here
                # A flood costs the recorder nothing per message: it listens no more.
                assert not listens_to_messages(log, recorder)
            timer = recorder._timer
            await wait_for_async(lambda: recorder._timer is not timer)  # noqa: B023  # nothing new
            assert BUSY_FLUSH_INTERVAL < next_hand_over(recorder) <= FLUSH_INTERVAL
            assert listens_to_messages(log, recorder)  # for the first message to come
        recorder.stop()
        assert await store.synced(5.0)
        assert len(store.session_events(recorder.session_id)) == 6000

    try:
        asyncio.run(run())
    finally:
        store.close()


def test_a_small_log_loses_nothing_to_the_capture_when_a_read_overflows_it(
    tmp_path: Path,
) -> None:
    """A read appended at once (the framer's bulk path) may hold more than the log keeps: the
    log drops its oldest then, and the recorder hands them over before they go."""
    store = CaptureStore.open(tmp_path / "capture.sqlite3")

    async def run() -> None:
        log = EventLog(40)
        recorder = store.start_recording(log, uri="ws://h/")
        for _ in range(3):
            messages(log, 100, at_once=True)
        assert log.dropped > 0
        recorder.stop()
        assert await store.synced(5.0)
        assert recorder.lost == 0
        assert len(store.session_events(recorder.session_id)) == 300

    try:
        asyncio.run(run())
    finally:
        store.close()
