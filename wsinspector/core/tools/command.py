"""What the headless subcommands (`record`, `serve`, `test`, `replay`) share: their exit
statuses, the usage error, and one way to run: parse, plan (a usage error is said before
anything connects), then run the plan on a fresh event loop."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from wsinspector.core.app.errors import UserError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(UserError):
    """The command line can't be acted on; the message says why (exit status 2)."""


def run_command[P](
    argv: Sequence[str],
    command: argparse.ArgumentParser,
    plan: Callable[[argparse.Namespace], P],
    run: Callable[[argparse.Namespace, P], Coroutine[Any, Any, int]],
) -> int:
    """The subcommand's exit status: --help (0) and argparse's own usage errors (2) are
    already printed by argparse; a UsageError from `plan` is printed here, with the usage."""
    try:
        args = command.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        planned = plan(args)
    except UsageError as exc:
        command.print_usage(sys.stderr)
        print(f"{command.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(run(args, planned))
    except KeyboardInterrupt:  # a second Ctrl+C while closing
        return EXIT_FAILED
