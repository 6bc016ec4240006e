"""A flood through a relay: wsinspector's Relay (logging both legs) against a bare websockets relay.

    PYTHONPATH=. .venv/bin/python benchmarks/relay.py [--messages 100000] [--size 100] [--repeat 3]

A websockets server in its own process sends N text messages of S bytes as fast as it can
and closes; a websockets client in this process receives them through a relay, also in this
process: alternately a bare relay (recv, send: nothing else) and the core Relay with its
EventLog and no intercept rule. It prints the client's messages per second for both, median
of `--repeat` alternating runs, and their ratio (issue 23: at least 0.8).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import textwrap
import time

TARGET_RATIO = 0.8

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
        async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    asyncio.run(main())
    """
)


async def receive_all(address: str) -> tuple[int, float]:
    from websockets.asyncio.client import connect

    count = 0
    async with connect(address, max_size=None, ping_interval=None) as ws:
        started = time.perf_counter()
        async for _message in ws:
            count += 1
    return count, count / (time.perf_counter() - started)


async def bare_relay(upstream: str) -> tuple[int, float]:
    """The ceiling: a relay that does nothing but recv and send, both ways."""
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    async def pump(source: object, target: object) -> None:
        try:
            async for message in source:  # type: ignore[attr-defined]
                await target.send(message)  # type: ignore[attr-defined]
        except ConnectionClosed:
            pass

    async def handler(app: ServerConnection) -> None:
        async with connect(upstream, max_size=None, ping_interval=None) as up:
            down_task = asyncio.create_task(pump(up, app))
            up_task = asyncio.create_task(pump(app, up))
            await asyncio.wait({down_task, up_task}, return_when=asyncio.FIRST_COMPLETED)
            code = up.close_code or 1000
            await app.close(code if code not in (1005, 1006) else 1011)
            up_task.cancel()

    async with serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        return await receive_all(f"ws://127.0.0.1:{port}/")


async def core_relay(upstream: str) -> tuple[int, float]:
    from wsinspector.core.log.eventlog import EventLog
    from wsinspector.core.serving.relay import Relay
    from wsinspector.core.websocket.options import ConnectionOptions

    log = EventLog()
    options = ConnectionOptions(upstream, ping_interval=None, max_message_size=None)
    relay = Relay(options, log)
    address = await relay.start()
    try:
        count, rate = await receive_all(address)
    finally:
        await relay.stop()
    assert log.counters.messages_in == count, "every message relayed is in the log"
    return count, rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        upstream = f"ws://127.0.0.1:{port}/{args.messages}/{args.size}"
        bare_rates, core_rates = [], []
        for run in range(args.repeat):
            count, rate = asyncio.run(bare_relay(upstream))
            assert count == args.messages, f"bare relay passed {count} of {args.messages}"
            bare_rates.append(rate)
            count, rate = asyncio.run(core_relay(upstream))
            assert count == args.messages, f"core relay passed {count} of {args.messages}"
            core_rates.append(rate)
            bare_now = bare_rates[-1]
            print(f"  run {run + 1}/{args.repeat}: bare {bare_now:,.0f} msg/s, relay {rate:,.0f}")
        bare_rate, core_rate = statistics.median(bare_rates), statistics.median(core_rates)
        ratio = core_rate / bare_rate
        verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
        print(f"relay flood, {args.messages:,} x {args.size} B, median of {args.repeat}:")
        print(f"  bare websockets relay       {bare_rate:,.0f} msg/s")
        print(
            f"  core Relay + EventLog       {core_rate:,.0f} msg/s"
            f"  (ratio {ratio:.2f} ≥ {TARGET_RATIO}  {verdict})"
        )
        return 0 if ratio >= TARGET_RATIO else 1
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
