"""Flood benchmark: how close wsinspector gets to a bare websockets client, and what it costs.

    QT_QPA_PLATFORM=offscreen python benchmarks/flood.py [options]
    sh packaging/dev.sh bench [options]

A loopback server in another process (benchmarks/flood_server.py, `--server ws|raw`, or Node's
`ws` in benchmarks/node/, `--server node`) sends N text messages of S bytes as fast as it can,
on a fresh connection for every run, compressed with permessage-deflate under --deflate. Measured:

  1. a bare websockets asyncio client counting messages (the ceiling of 2), and 1q, the same
     client under qasync, alternating with 3 in its child (the ceiling of 3 and the headline);
  2. wsinspector's core Session feeding its EventLog (plain asyncio, no Qt);
  3. the whole app: MainWindow shown offscreen, log view visible and following, qasync loop;

and, against a Node socket.io server (flood_socketio.py; --socketio-only, --skip-socketio), a
Socket.IO-decoded flood: a bare client, the core Session with its ProtocolDriver and the window
on a Socket.IO page recording, each against the bare client. With messages per second (median of
--repeat runs, first message to close), the ratios 2/1 and 3/1q, every message counted in the log
and the model; the event-loop lag during the app's flood (how late a 10 ms precise Qt timer
fires); how soon the Close button answers during a flood; resident memory per logged message
after --memory-messages messages (fresh process); the longest UI stall while one 16 MiB text
message arrives and while it is selected; and, over the memory run's log, the export (JSONL,
HAR, CSV), import (JSONL) and filter (substring, regex) timings; and the loop lag while the
window exports 1,000,000 messages.

Each group runs in a child process of this script (crash isolation, fresh memory); every wait
has a timeout. Prints a table (figure, value, target, PASS/FAIL), writes a JSON result file
and benchmarks/results/latest.json, and shows each figure's change against the previous
latest.json. Exits 0 whatever the figures say; non-zero only on a crash or a missing message.

This file is the command (options, the run, the result file); the rest is in flood_harness.py
(server, children, clients, clocks), flood_scenarios.py (what each child measures) and
flood_report.py (targets, the table, the diff).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path

import flood_harness
from flood_harness import (
    RESULTS,
    Result,
    run_child,
    run_timeout,
    say,
    start_server,
    stop_server,
)
from flood_report import describe_code, describe_machine, evaluate, print_diff
from flood_scenarios import CHILDREN
from flood_socketio import child_socketio, child_socketio_qt, server_context

CHILDREN = CHILDREN | {"socketio": child_socketio, "socketio-qt": child_socketio_qt}


def run_as_child(args: argparse.Namespace) -> int:
    func = CHILDREN[args.child]
    flood_harness.DEFLATE = args.deflate
    if args.window_size:
        flood_harness.WINDOW_SIZE = window_size(args.window_size)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        result = func(args)
    except BaseException as exc:
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        if profiler is not None:
            profiler.disable()
            import pstats

            RESULTS.mkdir(parents=True, exist_ok=True)
            path = RESULTS / f"profile-{args.child}.prof"
            profiler.dump_stats(path)
            say(f"  [profile] {path}; top functions by own time:")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    Path(args.out).write_text(json.dumps(result, default=str))
    return 1 if "error" in result else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Flood benchmark: bare websockets vs wsinspector's core vs the whole app.",
    )
    parser.add_argument(
        "--server",
        choices=("ws", "raw", "node"),
        default="ws",
        help="server kind (node: Node's ws, installed into benchmarks/node/ with npm once)",
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="clients offer permessage-deflate and the server compresses every message",
    )
    parser.add_argument("--messages", type=int, default=200_000, help="N per rate run")
    parser.add_argument("--size", type=int, default=100, help="message size in bytes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per rate (median)")
    parser.add_argument(
        "--memory-messages", type=int, default=1_000_000, help="messages for the memory figure"
    )
    parser.add_argument("--skip-memory", action="store_true", help="no memory measurement")
    parser.add_argument(
        "--memory-app", action="store_true", help="also measure memory with the whole app"
    )
    parser.add_argument("--skip-big", action="store_true", help="no 16 MiB message test")
    parser.add_argument(
        "--window-size",
        help="the window's size, WIDTHxHEIGHT (default: the app's default size)",
    )
    parser.add_argument(
        "--socketio-messages",
        type=int,
        default=100_000,
        help="events per Socket.IO flood run (a Node socket.io server; needs node and npm)",
    )
    parser.add_argument("--skip-socketio", action="store_true", help="no Socket.IO-decoded flood")
    parser.add_argument(
        "--socketio-only", action="store_true", help="only the Socket.IO-decoded flood"
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="result file (default benchmarks/results/flood-<timestamp>.json)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run each child under cProfile (figures are then slower than real)",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.messages, args.size, args.repeat, args.memory_messages, args.socketio_messages) < 1:
        parser.error(
            "--messages, --size, --repeat, --memory-messages and --socketio-messages"
            " must be positive"
        )
    try:
        if args.window_size:
            window_size(args.window_size)
    except ValueError:
        parser.error(f"--window-size: WIDTHxHEIGHT, as 1920x1080 (got {args.window_size!r})")
    return args


def window_size(text: str) -> tuple[int, int]:
    """WIDTHxHEIGHT as numbers: (1920, 1080) for "1920x1080"; ValueError for anything else."""
    width, height = (int(part) for part in text.lower().split("x"))
    if width < 1 or height < 1:
        raise ValueError(text)
    return width, height


def run_socketio(args: argparse.Namespace) -> Result:
    """The Socket.IO-decoded flood's two children, against their own Node server."""
    per_run = run_timeout(args.socketio_messages)
    try:
        with server_context() as port:
            say(f"\n  Socket.IO flood server (Node socket.io) on 127.0.0.1:{port}\n")
            plain = run_child("socketio", args, port, 2 * args.repeat * per_run + 30)
            qt_budget = 2 * args.repeat * per_run + args.repeat * 10 + 60
            return {
                "socketio": plain,
                "socketio_qt": run_child("socketio-qt", args, port, qt_budget),
            }
    except RuntimeError as exc:  # no node, npm or packages: the section says so
        say(f"\n  Socket.IO flood skipped: {exc}")
        return {"socketio": {"skipped": str(exc)}}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return run_as_child(args)

    started = dt.datetime.now()
    machine = describe_machine()
    code = describe_code()
    say("wsinspector flood benchmark")
    say(
        f"  machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable)"
        f", {machine['os']}"
    )
    say(
        f"  Python {machine['python']}, PySide6 {machine['pyside6']}, "
        f"qasync {machine['qasync']}, websockets {machine['websockets']}"
    )
    if not args.socketio_only:
        say(
            f"  server: {args.server} (own process); {args.messages:,} x {args.size} B per run, "
            f"{args.repeat} runs each" + (", permessage-deflate" if args.deflate else "")
        )
    say(f"  window: {args.window_size or "the app's default size"}")
    if not args.skip_socketio:
        say(
            f"  Socket.IO: Node socket.io server (own process); {args.socketio_messages:,} events"
            f" of ~{args.size} B per run, {args.repeat} runs each"
        )
    dirty = " + uncommitted changes in wsinspector/" if code["dirty"] else ""
    say(f"  code: {code['commit']}{dirty}")

    results: Result = {}
    if not args.socketio_only and not run_floods(args, results):
        return 2
    if not args.skip_socketio:
        results.update(run_socketio(args))
    return finish(args, results, started, machine, code)


def run_floods(args: argparse.Namespace, results: Result) -> bool:
    """The plain WebSocket floods (1, 2, 3), memory and the rest, against --server; False
    when the server did not start."""
    per_run = run_timeout(args.messages)
    try:
        server, port = start_server(args.server, args.deflate)
    except RuntimeError as exc:
        say(f"\nERROR {exc}")
        return False
    try:
        say(f"  server on 127.0.0.1:{port}\n")
        results["asyncio"] = run_child("asyncio", args, port, 2 * args.repeat * per_run + 30)
        qt_budget = 2 * args.repeat * per_run + args.repeat * 70 + 2 * run_timeout(0) + 120
        results["qt"] = run_child("qt", args, port, qt_budget)
        if not args.skip_memory:
            memory_budget = run_timeout(args.memory_messages) + 60
            results["memory"] = run_child("memory", args, port, memory_budget)
        if args.memory_app:
            memory_budget = run_timeout(args.memory_messages) + 60
            results["memory_app"] = run_child("memory-app", args, port, memory_budget)
    finally:
        stop_server(server)
    return True


def finish(
    args: argparse.Namespace, results: Result, started: dt.datetime, machine: Result, code: Result
) -> int:
    """The table, the result files and the change since the last run; the exit status."""
    report = evaluate(results, args)
    say("\n" + report.table())
    for error in report.errors:
        say(f"\nERROR {error}")
    for missing in report.missing:
        say(f"\nMISSING MESSAGES {missing}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = args.json or RESULTS / f"flood-{started:%Y%m%d-%H%M%S}.json"
    latest = RESULTS / "latest.json"
    previous = None
    with contextlib.suppress(OSError, ValueError):
        previous = json.loads(latest.read_text())
    document = {
        "timestamp": started.isoformat(timespec="seconds"),
        "machine": machine | {"qt": results.get("qt", {}).get("qt")},
        "code": code,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "figures": report.figures,
        "table": [list(row) for row in report.rows],
        "runs": results,
        "errors": report.errors,
        "missing": report.missing,
    }
    text = json.dumps(document, indent=1, default=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if path.resolve() != latest.resolve():
        latest.write_text(text)
    say(f"\nResults: {path} (and {latest})")
    print_diff(previous, report.figures)
    return 1 if report.errors or report.missing else 0


if __name__ == "__main__":
    sys.exit(main())
