"""Rates from samples of the log's counters: controlled timestamps, then a real timed burst."""

from __future__ import annotations

import asyncio
import time

from helpers.asyncwait import run, until, wait_state
from websockets.asyncio.server import ServerConnection, serve

from wsinspector.core.log.eventlog import Counters, EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.core.log.rates import RateMeter, Rates
from wsinspector.core.log.wording import rate_words
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session


def test_rates_over_the_window_with_controlled_timestamps() -> None:
    meter = RateMeter(window=2.0, step=1.0, history_seconds=3.0)
    counters = Counters()
    assert meter.rates() == Rates()
    for tick in range(13):  # 4 samples a second for 3 s: 100 msgs/s in, 10 out
        now = 100.0 + tick * 0.25
        counters.messages_in = 25 * tick
        counters.bytes_in = 2500 * tick
        counters.messages_out = tick * 10 // 4
        counters.bytes_out = tick * 20
        meter.sample(now, counters, rtt=0.002 if tick == 6 else None)
    rates = meter.rates()
    assert rates.messages_in == 100.0 and rates.bytes_in == 10_000.0
    assert rates.bytes_out == 80.0
    assert abs(rates.messages_out - 10.0) <= 0.5
    assert meter.last_rtt == 0.002
    # One history point per second, each with the rate over its second.
    assert [p.time for p in meter.history] == [101.0, 102.0, 103.0]
    assert [p.rates.messages_in for p in meter.history] == [100.0, 100.0, 100.0]
    assert [p.rtt for p in meter.history] == [None, 0.002, 0.002]
    # Nothing arrives for longer than the window: the rate falls to zero.
    meter.sample(106.0, counters)
    meter.sample(106.25, counters)
    assert meter.rates().messages_in == 0.0
    # The log was cleared: counters start again at zero, the meter starts again too.
    meter.sample(106.5, Counters())
    meter.sample(107.0, Counters(messages_in=5))
    assert meter.rates().messages_in == 10.0
    assert len(meter.history) == 3  # history_seconds / step points at most


def test_rate_words() -> None:
    words = rate_words(Rates(1234.4, 2.0, 2048.0, 10.0), 0.0012)
    assert words == "↓ 1,234 msg/s · 2.0 KiB/s   ↑ 2 msg/s · 10 B/s   RTT 1.2 ms"
    assert rate_words(Rates(), None).endswith("RTT none yet")


def test_rate_of_a_timed_burst_sampled_on_a_timer() -> None:
    """A server sends 20 messages of 50 bytes every 50 ms for 1 s (about 400 msgs/s); a 4 Hz
    sampler on the same loop reads the log's counters, never each message."""

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # "go"
        for _ in range(20):
            for _ in range(20):
                await ws.send("x" * 50)
            await asyncio.sleep(0.05)
        await ws.wait_closed()

    async def body() -> tuple[list[Rates], Session]:
        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            log = EventLog()
            session = Session(ConnectionOptions(f"ws://127.0.0.1:{port}/", ping_interval=None), log)
            session.start()
            await wait_state(session, ConnState.OPEN)
            meter = RateMeter(window=0.5)
            seen: list[Rates] = []

            async def sampler() -> None:
                while True:
                    meter.sample(time.monotonic(), log.counters, session.last_rtt)
                    seen.append(meter.rates())
                    await asyncio.sleep(0.25)

            task = asyncio.create_task(sampler())
            await session.send_text("go")
            await until(lambda: log.counters.messages_in == 400)
            # Past the window the rate falls back to nothing (waited on: the sampler's phase
            # against the burst's end varies by a sampling period).
            quiet = len(seen)
            await until(lambda: len(seen) > quiet and seen[-1].messages_in == 0.0, timeout=2.0)
            task.cancel()
            await session.close()
        return seen, session

    seen, session = run(body)
    peak = max(r.messages_in for r in seen)
    # Loopback timing is loose on a shared machine: the order of magnitude is what counts.
    assert 150 <= peak <= 1200, [round(r.messages_in) for r in seen]
    assert all(abs(r.bytes_in - 50 * r.messages_in) < 1e-6 for r in seen)
    assert seen[-1].messages_in == 0.0
    assert session.log.counters.messages_in == 400
