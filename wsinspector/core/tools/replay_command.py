"""`wsinspector replay`: send a recording's client messages to a server again and compare
its answers with the recorded ones.

    wsinspector replay SOURCE (--profile NAME [--env NAME] | URI) [--speed N] [--no-wait]
                              [--unordered] [--ignore-field NAME]... [--timeout S]

SOURCE is a .jsonl or .har file, or the id of a session in the History (the capture). The
client messages go in order, waiting the recorded gaps (divided by --speed; none with
--no-wait). The answers are compared in order (or as a multiset with --unordered), JSON fields
named by --ignore-field left out at any depth. Differences print as a unified diff (recorded
`-`, replayed `+`). Exit status: 0 the answers match; 1 they differ or the replay failed;
2 a usage error, said before connecting. No Qt on this path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.scripting.replay import (
    DEFAULT_ANSWER_TIMEOUT,
    Recording,
    RecordingError,
    load_recording,
    replay,
)
from wsinspector.core.scripting.replay_diff import compare
from wsinspector.core.scripting.socket import ConnectFailed
from wsinspector.core.tools.command import EXIT_FAILED, EXIT_OK, UsageError, run_command
from wsinspector.core.websocket.options import ConnectionOptions

EXIT_STATUS_HELP = (
    "exit status: 0 the server's answers match the recording; 1 they differ, or the "
    "connection failed; 2 a usage error, said before connecting."
)


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="wsinspector replay",
        description="Send a recording's client messages to a server again and compare its "
        "answers with the recorded ones.",
        epilog=EXIT_STATUS_HELP,
    )
    command.add_argument("source", metavar="SOURCE", help=".jsonl or .har file, or a session id")
    command.add_argument("uri", nargs="?", help="ws:// or wss:// URI to replay against")
    command.add_argument("--profile", metavar="NAME", help="connect with the saved profile NAME")
    command.add_argument(
        "--env", metavar="NAME", help="with --profile: the environment for its {{variables}}"
    )
    command.add_argument(
        "--speed", metavar="N", type=float, default=1.0, help="replay N times as fast"
    )
    command.add_argument(
        "--no-wait", action="store_true", help="send without waiting the recorded gaps"
    )
    command.add_argument(
        "--unordered", action="store_true", help="compare the answers in any order"
    )
    command.add_argument(
        "--ignore-field",
        metavar="NAME",
        action="append",
        default=[],
        help="leave this JSON field out of the comparison, at any depth (repeatable)",
    )
    command.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=DEFAULT_ANSWER_TIMEOUT,
        help="wait up to S seconds after the last message for the answers "
        f"(default {DEFAULT_ANSWER_TIMEOUT:g})",
    )
    return command


def plan_from_args(args: argparse.Namespace) -> tuple[Recording, ConnectionOptions]:
    from wsinspector.core.tools.record import _profile_options
    from wsinspector.core.websocket.validation import check_options

    if bool(args.uri) == bool(args.profile):
        raise UsageError("give either a URI or --profile NAME")
    if args.env and not args.profile:
        raise UsageError("--env goes with --profile")
    if not args.speed > 0:
        raise UsageError("--speed must be a number above 0")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a number of seconds above 0")
    try:
        recording = load_recording(args.source)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    if args.profile:
        options = _profile_options(args.profile, args.env)
    else:
        options = ConnectionOptions(args.uri.strip())
    errors = check_options(options)
    if errors:
        raise UsageError("; ".join(f"{error.field}: {error.message}" for error in errors))
    return recording, options


async def run_replay(
    args: argparse.Namespace, recording: Recording, options: ConnectionOptions
) -> int:
    def write(line: str) -> None:
        print(line, flush=True)

    sent = recording.sent
    write(
        f"Replaying {len(sent)} client message{'s' if len(sent) != 1 else ''} of "
        f"{recording.source} to {options.uri}"
    )
    try:
        answers = await replay(
            recording,
            options,
            EventLog(None),
            speed=args.speed,
            wait=not args.no_wait,
            answer_timeout=args.timeout,
        )
    except ConnectFailed as exc:
        print(f"wsinspector replay: error: {exc}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    result = compare(
        recording.answers, answers, ordered=not args.unordered, ignored=args.ignore_field
    )
    recorded = len(recording.answers)
    if result.same:
        write(f"Same answers: {recorded} message{'s' if recorded != 1 else ''}.")
        return EXIT_OK
    for line in result.diff:
        write(line)
    write(
        f"Different answers: {result.differing} differ ({recorded} recorded, "
        f"{len(answers)} replayed)."
    )
    return EXIT_FAILED


def main(argv: Sequence[str]) -> int:
    return run_command(argv, parser(), plan_from_args, lambda args, plan: run_replay(args, *plan))
