"""Event-loop lag over a long flood: the window with its defaults (recording, log following).

    QT_QPA_PLATFORM=offscreen python benchmarks/flood_lag.py [--server raw] [--deflate]
        [--messages 1000000] [--size 100] [--runs 3]

flood.py's floods last under a second: its 10 ms probe ticks some 70 times, so the "p99" it
reports is the flood's worst tick or next to it. Here one flood of --messages (1,000,000 by
default, 3-4 s) gives 300 and more ticks, so p99 is the fourth worst of them and the stalls
that come back (the capture writer's, a full garbage collection) show in it. Each run is a
fresh process, started as flood.py's Qt child starts (the app's imports, then settle_process);
the same server (flood_harness.start_server) serves them all. Prints one JSON line per run:
messages per second, the lag p50, p95, p99 and max in ms, the ticks, and how many messages
the log and the capture miss (0, always). To compare two trees, run it in each, alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import flood_harness as harness
from flood_harness import percentile, private_data_dir, start_qt_app, start_server, stop_server

HERE = Path(__file__).resolve().parent


def run_one(port: int, messages: int, size: int) -> dict[str, object]:
    """In a child: one recording window through one flood."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from flood_scenarios import app_run

    import wsinspector.qt  # noqa: F401  # imported before the freeze, as the app has it
    from wsinspector.app import settle_process

    app = start_qt_app()
    settle_process(app)  # as wsinspector.app.main does before it builds the window
    uri = harness.flood_uri(port, messages, size)
    with private_data_dir():
        result = asyncio.run(
            app_run(uri, messages, record=True), loop_factory=lambda: qasync.QEventLoop(app)
        )
    lags = result["lag_ms"]
    return {
        "rate": round(result["rate"]),
        "lag_p50_ms": round(percentile(lags, 50), 1),
        "lag_p95_ms": round(percentile(lags, 95), 1),
        "lag_p99_ms": round(percentile(lags, 99), 1),
        "lag_max_ms": round(max(lags, default=0.0), 1),
        "ticks": len(lags),
        "missing_in_log": messages - int(result["messages"]),
        "missing_in_capture": messages - int(result.get("captured", 0)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("ws", "raw", "node"), default="raw")
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    harness.DEFLATE = args.deflate
    if args.child_port:
        print(json.dumps(run_one(args.child_port, args.messages, args.size)), flush=True)
        return 0
    server, port = start_server(args.server, args.deflate)
    try:
        for _ in range(args.runs):
            command = [sys.executable, str(Path(__file__)), "--child-port", str(port)]
            command += ["--server", args.server, "--messages", str(args.messages)]
            command += ["--size", str(args.size)] + (["--deflate"] if args.deflate else [])
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            lines = done.stdout.strip().splitlines()
            if done.returncode or not lines:
                print(f"the run failed ({done.returncode}):\n{done.stderr}", file=sys.stderr)
                return 1
            print(lines[-1], flush=True)
    finally:
        stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
