"""SIGKILL in the middle of a recorded flood, many times: the capture stays sound and keeps
everything but (at most) the last second before each kill."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers.servers import RecordingServer, wait_for
from websockets.asyncio.server import ServerConnection

from wsinspector.core.app.paths import data_dir
from wsinspector.core.storage.capture import CaptureStore

ROOT = Path(__file__).resolve().parents[2]
KILLS = 10
# The flood's pace: steady, well within what the recording client keeps up with, so that
# what the server sent a second before the kill had reached the client.
BURST = 50
BURST_SECONDS = 0.01
# The issue allows the last second to be lost; the recorder hands events over every 0.25 s,
# so this test holds it to a tighter bound, which a recorder that waited for full batches
# (8192 messages: 1.6 s of this flood) would miss.
LOSS_SECONDS = 0.6


class Flood:
    """Sends "seq" texts in bursts; remembers when each burst was sent (wall clock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[int, float]] = []  # (first seq of a burst, time.time() after it)

    async def __call__(self, connection: ServerConnection, record: object) -> None:
        seq = 0
        loop = asyncio.get_running_loop()
        next_burst = loop.time()
        try:
            while True:
                for _ in range(BURST):
                    await connection.send(f"{seq}")
                    seq += 1
                with self.lock:
                    self.sent.append((seq, time.time()))
                next_burst += BURST_SECONDS
                await asyncio.sleep(max(0.0, next_burst - loop.time()))
        except Exception:  # the client was killed
            return

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()

    def sent_before(self, moment: float) -> int:
        """How many messages had been sent by `moment`."""
        with self.lock:
            return max((count for count, at in self.sent if at <= moment), default=0)

    def total(self) -> int:
        with self.lock:
            return self.sent[-1][0] if self.sent else 0


def test_sigkill_during_a_recorded_flood_loses_at_most_the_last_second() -> None:
    flood = Flood()
    rng = random.Random(20261127)
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    path = data_dir() / "capture.sqlite3"
    with RecordingServer(behaviour=flood) as server:
        for kill in range(KILLS):
            flood.reset()
            process = subprocess.Popen(
                [sys.executable, "-m", "wsinspector", "record", server.url("/flood")],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                # A random moment of the flood, after 0.7 to 1.5 s of it.
                wanted = rng.randrange(70, 150) * BURST
                wait_for(
                    lambda wanted=wanted, process=process: (
                        flood.total() >= wanted or process.poll() is not None
                    ),
                    timeout=30,
                )
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                killed_at = time.time()
                process.send_signal(signal.SIGKILL)
                process.wait(10)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                if process.stderr is not None:
                    process.stderr.close()
            must_have = flood.sent_before(killed_at - LOSS_SECONDS)

            with sqlite3.connect(path) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            connection.close()
            store = CaptureStore.open(path)
            try:
                assert store.set_aside is None, store.problem
                sessions = store.sessions()
                assert len(sessions) == kill + 1
                newest = sessions[0]
                events = store.session_events(newest.id)
                texts = [int(e.data) for e in events if getattr(e, "text", False)]  # type: ignore[attr-defined]
            finally:
                store.close()
            # What was recorded is the flood from its start, in order, without holes …
            assert texts == list(range(len(texts))), f"kill {kill}: holes or disorder"
            # … and reaches at least what was sent a second before the kill.
            assert len(texts) >= must_have, (
                f"kill {kill}: {len(texts)} messages recorded, {must_have} sent more than"
                f" {LOSS_SECONDS} s before the kill (wanted {wanted})"
            )
