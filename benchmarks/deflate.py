"""A permessage-deflate flood into the core Session: rate and resident memory per message.

    python benchmarks/deflate.py [--messages 200000] [--size 100]

flood.py's servers never negotiate compression, yet most real servers do, and then every
received message is a compressed frame whose wire length the log keeps (issue 13). This
measures that path: a websockets server in its own process with compression on sends N
text messages; a bare websockets client and wsinspector's core Session (its EventLog)
receive them, alternating, and it prints messages per second for both, their ratio, and the
resident bytes each logged message costs (target: ≤ 400 B, as for flood.py's figure).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_BYTES_PER_MESSAGE = 400

SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from websockets.asyncio.server import serve

    async def handler(ws):
        count, size = (int(part) for part in ws.request.path.strip("/").split("/"))
        payload = ('{"seq":0,"pad":"' + "x" * size)[: size - 2] + '"}'
        for _ in range(count):
            await ws.send(payload)
        await ws.close()

    async def main():
        async with serve(handler, "127.0.0.1", 0, compression="deflate", max_size=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    asyncio.run(main())
    """
)


def rss_bytes() -> int:
    """Resident memory of this process now (Linux: /proc/self/statm)."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


async def bare(uri: str) -> tuple[int, float]:
    from websockets.asyncio.client import connect

    count = 0
    async with connect(uri, max_size=None, ping_interval=None) as ws:
        started = time.perf_counter()
        async for _message in ws:
            count += 1
    return count, count / (time.perf_counter() - started)


async def core(uri: str) -> tuple[int, float, float, int]:
    from wsinspector.core.log.eventlog import EventLog
    from wsinspector.core.websocket.options import ConnectionOptions
    from wsinspector.core.websocket.session import Session

    log = EventLog()
    session = Session(ConnectionOptions(uri, ping_interval=None, max_message_size=None), log)
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    await session.start()
    elapsed = time.perf_counter() - started
    gc.collect()
    received = log.counters.messages_in
    per_message = (rss_bytes() - before) / received if received else float("nan")
    return received, received / elapsed, per_message, len(log.frames)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        uri = f"ws://127.0.0.1:{port}/{args.messages}/{args.size}"
        bare_rates, core_rates, memory, kept = [], [], [], 0
        for run in range(args.repeat):
            count, rate = asyncio.run(bare(uri))
            assert count == args.messages, f"bare client got {count} of {args.messages}"
            bare_rates.append(rate)
            count, rate, per_message, kept = asyncio.run(core(uri))
            assert count == args.messages, f"core session got {count} of {args.messages}"
            core_rates.append(rate)
            memory.append(per_message)
            print(
                f"  run {run + 1}/{args.repeat}: bare {bare_rates[-1]:,.0f} msg/s,"
                f" core {rate:,.0f} msg/s, {per_message:.0f} B/message"
            )
        bare_rate, core_rate = statistics.median(bare_rates), statistics.median(core_rates)
        per_message = statistics.median(memory)
        verdict = "PASS" if per_message <= TARGET_BYTES_PER_MESSAGE else "FAIL"
        print(f"deflate flood, {args.messages:,} x {args.size} B, median of {args.repeat}:")
        print(f"  bare websockets client     {bare_rate:,.0f} msg/s")
        ratio = core_rate / bare_rate
        print(f"  core Session + EventLog    {core_rate:,.0f} msg/s  (ratio {ratio:.2f})")
        print(f"  messages with frames kept  {kept:,} (each compressed: its wire length)")
        print(
            f"  resident B per message     {per_message:.0f} B"
            f"  ≤ {TARGET_BYTES_PER_MESSAGE} B  {verdict}"
        )
        return 0
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
