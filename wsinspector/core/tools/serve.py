"""`wsinspector serve`: a server page's server without a window, from the core only.

    wsinspector serve --profile NAME [--env NAME] [--listen HOST:PORT]

Listens with the profile's server settings (saved from a server page: host and port, path,
subprotocols, compression, TLS, rules and rejected paths), answers with its rules, their
{{variables}} filled from the environment and the profile, and prints one line per event
(a client's handshake, messages, closes) in the log's words. SIGTERM and Ctrl+C close every
client with 1001 (going away) and exit 0; 1 when it can't listen; 2 for a usage error
(an unknown profile or environment, rules that can't work), said before listening.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from wsinspector.core.app.errors import UserError
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Event
from wsinspector.core.log.wording import transcript_line
from wsinspector.core.serving.rules import RuleBook
from wsinspector.core.serving.server import Server
from wsinspector.core.serving.settings import ServerSettings, parse_listen, settings_from_json
from wsinspector.core.tools.command import EXIT_FAILED, EXIT_OK, UsageError, run_command

# The log a headless server keeps: lines are printed as they come, so little is needed.
CAPACITY = 10_000


@dataclass(frozen=True, slots=True)
class ServePlan:
    settings: ServerSettings
    variables: dict[str, str]


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="wsinspector serve",
        description="Listen for WebSocket clients with a saved server profile, without a window.",
        epilog="exit status: 0 stopped by SIGTERM or Ctrl+C (clients closed with 1001); "
        "1 could not listen; 2 a usage error, said before listening.",
    )
    command.add_argument("--profile", required=True, help="the saved profile to serve")
    command.add_argument("--env", help="the environment whose variables fill {{name}}")
    command.add_argument("--listen", help="HOST:PORT instead of the profile's (port 0: a free one)")
    return command


def plan_from_args(args: argparse.Namespace) -> ServePlan:
    from wsinspector.core.storage.profiles import ProfileStore

    store = ProfileStore()
    profiles = store.profiles()
    found = [profile for profile in profiles if profile.name == args.profile]
    if not found:
        known = ", ".join(sorted(profile.name for profile in profiles)) or "none saved yet"
        raise UsageError(f"no profile named “{args.profile}”; known profiles: {known}")
    profile = found[0]
    environments = store.load_environments()
    if args.env is not None and args.env not in environments.names():
        known = ", ".join(environments.names()) or "none defined"
        raise UsageError(f"no environment named “{args.env}”; known environments: {known}")
    try:
        settings = settings_from_json(profile.server)
        if args.listen:
            host, port = parse_listen(args.listen)
            settings = replace(settings, host=host, port=port)
    except (UserError, ValueError) as exc:
        raise UsageError(f"profile “{args.profile}”: {exc}") from None
    variables = {**profile.variables, **environments.variables(args.env)}
    try:
        RuleBook(settings.rules, variables)
    except UserError as exc:
        raise UsageError(f"profile “{args.profile}”: {exc}") from None
    return ServePlan(settings, variables)


class _Printer:
    """Prints each event as a transcript line."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def event_appended(self, log: EventLog, event: Event) -> None:
        self._write(transcript_line(event))

    def messages_appended(self, log: EventLog) -> None:
        self._write(transcript_line(log[-1]))

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass


async def serve_until_stopped(
    plan: ServePlan,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve until SIGTERM, SIGINT or `stop` is set."""

    def write(line: str) -> None:
        print(line, file=out, flush=True)

    log = EventLog(CAPACITY)
    log.add_listener(_Printer(write))
    server = Server(plan.settings, log, variables=plan.variables)
    try:
        await server.start()
    except (OSError, UserError) as exc:
        print(f"wsinspector serve: error: can't listen: {exc}", file=err, flush=True)
        return EXIT_FAILED
    if server.fingerprint:
        write(f"certificate SHA-256 fingerprint: {server.fingerprint}")
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stopping.set)
            handled.append(signum)
    try:
        await stopping.wait()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        await server.stop(1001, "going away")
    return EXIT_OK


def main(argv: Sequence[str]) -> int:
    return run_command(
        argv, parser(), plan_from_args, lambda _args, plan: serve_until_stopped(plan)
    )
