"""`wsinspector test`: run test files against a server without a window, for a developer's
loop and for CI.

    wsinspector test FILE... (--profile NAME [--env NAME] | URI) [--junit FILE.xml]
                             [--out FILE.jsonl|.har] [--timeout S]

Every `async def test_*(ws)` of every FILE runs against a fresh connection (docs/scripting.md).
One line per test with its time, the failure's words and the last messages exchanged under a
failing one, then a summary. Exit status: 0 all passed; 1 any failed or errored (a file that
can't be loaded counts); 2 a usage error, said before connecting. No Qt on this path.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.scripting.runner import (
    DEFAULT_TEST_TIMEOUT,
    Outcome,
    RunReport,
    Target,
    TestResult,
    run_files,
)
from wsinspector.core.tools.command import EXIT_FAILED, EXIT_OK, UsageError, run_command
from wsinspector.core.tools.record import _check_writable, _profile_options
from wsinspector.core.websocket.options import ConnectionOptions

EXIT_STATUS_HELP = (
    "exit status: 0 every test passed; 1 a test failed or errored, or a file could not be "
    "loaded; 2 a usage error, said before connecting."
)


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="wsinspector test",
        description="Run Python test files (every `async def test_*(ws)`) against a WebSocket "
        "server, each test on a fresh connection. The `ws` API: docs/scripting.md.",
        epilog=EXIT_STATUS_HELP,
    )
    # Strings, not Paths: a URI given last must keep its "//".
    command.add_argument("files", nargs="+", metavar="FILE", help="test files")
    command.add_argument("--uri", help="ws:// or wss:// URI to connect to (or give it last)")
    command.add_argument("--profile", metavar="NAME", help="connect with the saved profile NAME")
    command.add_argument(
        "--env", metavar="NAME", help="with --profile: the environment for its {{variables}}"
    )
    command.add_argument("--junit", metavar="FILE.xml", type=Path, help="write JUnit XML")
    command.add_argument(
        "--out", metavar="FILE", type=Path, help="write every test's events to FILE (.jsonl/.har)"
    )
    command.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=DEFAULT_TEST_TIMEOUT,
        help=f"stop a test that runs longer than S seconds (default {DEFAULT_TEST_TIMEOUT:g})",
    )
    return command


def target_from_args(args: argparse.Namespace) -> Target:
    """Where the tests connect; UsageError naming what is wrong."""
    from wsinspector.core.websocket.validation import check_options

    names: list[str] = list(args.files)
    uri = args.uri
    if uri is None and names and "://" in names[-1]:
        uri = names.pop()
    files = [Path(name) for name in names]
    args.files = files
    if not files:
        raise UsageError("name at least one test FILE")
    if bool(uri) == bool(args.profile):
        raise UsageError("give either a URI or --profile NAME")
    if args.env and not args.profile:
        raise UsageError("--env goes with --profile")
    for path in files:
        if not path.is_file():
            raise UsageError(f"there is no file {str(path)!r}")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a number of seconds above 0")
    for option, path, kinds in (("--junit", args.junit, None), ("--out", args.out, "out")):
        if path is None:
            continue
        if kinds:
            from wsinspector.core.storage.logfiles import LogFormat, format_for_path

            try:
                fmt = format_for_path(path)
            except ValueError as exc:
                raise UsageError(f"--out: {exc}") from None
            if fmt not in (LogFormat.JSONL, LogFormat.HAR):
                raise UsageError("--out: test writes .jsonl or .har files")
        try:
            _check_writable(path)
        except UsageError as exc:
            raise UsageError(str(exc).replace("--out:", f"{option}:", 1)) from None
    variables: dict[str, str] = {}
    if args.profile:
        options = _profile_options(args.profile, args.env)
        variables = _profile_variables(args.profile, args.env)
    else:
        options = ConnectionOptions(uri.strip())
    errors = check_options(options)
    if errors:
        raise UsageError("; ".join(f"{error.field}: {error.message}" for error in errors))
    return Target(options, variables)


def _profile_variables(name: str, environment: str | None) -> dict[str, str]:
    """`ws.vars` to begin with: the environment's values over the profile's (as resolved)."""
    from wsinspector.core.storage.profiles import ProfileStore
    from wsinspector.core.storage.profiles.variables import merged

    store = ProfileStore()
    profile = next(p for p in store.profiles() if p.name == name)
    return merged(store.load_environments().variables(environment), profile.variables)


def result_line(result: TestResult) -> str:
    where = f"{result.file.name}::{result.name}"
    return f"{result.outcome.value.upper():6}  {where}  ({result.seconds:.2f} s)"


def failure_lines(result: TestResult) -> list[str]:
    """Under a failing test: its words (the assertion and values), the last messages."""
    lines = [f"    {line}" for line in result.message.splitlines()]
    if result.last_messages:
        lines.append("    last messages exchanged:")
        lines.extend(f"      {line}" for line in result.last_messages)
    return lines


def summary_line(report: RunReport, seconds: float) -> str:
    parts = [f"{report.count(Outcome.PASSED)} passed"]
    if report.count(Outcome.FAILED):
        parts.append(f"{report.count(Outcome.FAILED)} failed")
    errors = report.count(Outcome.ERROR) + len(report.load_errors)
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    return f"{', '.join(parts)} in {seconds:.2f} s"


async def run_tests(
    args: argparse.Namespace, target: Target, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    def write(line: str) -> None:
        print(line, file=out, flush=True)

    def on_result(result: TestResult) -> None:
        write(result_line(result))
        if result.outcome is not Outcome.PASSED:
            for line in failure_lines(result):
                write(line)

    # The whole run is kept for --out: it is written at the end.
    log = EventLog(None)
    started = time.monotonic()
    report = await run_files(
        args.files, target, log, on_result=on_result, test_timeout=args.timeout
    )
    for path, why in report.load_errors:
        write(f"ERROR   {path.name}: {why}")
    status = EXIT_OK if report.ok else EXIT_FAILED
    if args.junit is not None:
        from wsinspector.core.scripting.junit import write_junit

        try:
            write_junit(report, args.junit)
        except OSError as exc:
            print(f"wsinspector test: error: JUnit XML not written: {exc}", file=err)
            status = EXIT_FAILED
    if args.out is not None:
        from wsinspector.core.storage.logfiles import export_log

        try:
            await asyncio.to_thread(export_log, log, args.out, redact_secrets=True)
        except OSError as exc:
            print(f"wsinspector test: error: {args.out} not written: {exc}", file=err)
            status = EXIT_FAILED
    write(summary_line(report, time.monotonic() - started))
    return status


def main(argv: Sequence[str]) -> int:
    return run_command(argv, parser(), target_from_args, run_tests)
