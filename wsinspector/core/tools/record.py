"""`wsinspector record`: one connection recorded without a window, from the core only.

    wsinspector record (--profile NAME | URI) [--env NAME] [--duration S] [--out FILE]
                       [--no-capture] [--include-secrets] [--fail-on-close-code CODES]

Connects (reconnecting as the profile says), records into the capture database (the History
lists the session like any other) and/or writes the events to FILE (.jsonl or .har) at the
end, prints one line per state change and a summary. SIGTERM and Ctrl+C close the connection
cleanly with 1001 (going away); --duration closes it with 1000 after S seconds.

Exit status (EXIT_STATUS_HELP, also in --help and the README): 0 when the connection closed
cleanly, by either side and with any code; 1 when it failed or ended abnormally (refused,
rejected, dropped, gave up reconnecting, a close the other side never answered, or a close
code named by --fail-on-close-code); 2 for a usage error, said before connecting. Errors go
to stderr; the state lines and the summary to stdout. No Qt is imported on this path: it runs
where no display exists.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from wsinspector.core.app.crashlog import Crash, CrashReporter
from wsinspector.core.app.errors import UserError
from wsinspector.core.log.eventlog import DEFAULT_CAPACITY, EventLog
from wsinspector.core.log.events import CloseEvent, ConnState, Event, StateEvent
from wsinspector.core.protocols.base import Composed
from wsinspector.core.protocols.driver import start_session
from wsinspector.core.protocols.registry import create as create_protocol
from wsinspector.core.protocols.registry import prepare as prepare_options
from wsinspector.core.protocols.registry import resolve as resolve_options
from wsinspector.core.text.formatting import format_time
from wsinspector.core.tools.command import EXIT_FAILED, EXIT_OK, UsageError, run_command
from wsinspector.core.tools.record_wording import (
    record_crash_words,
    record_summary_words,
    unanswered_close_words,
)
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import proxy_choice
from wsinspector.core.websocket.state import ConnectionState

# The close a signal sends: the client is going away (RFC 6455 7.4.1).
SIGNAL_CLOSE = (1001, "going away")
DURATION_CLOSE = (1000, "recording time is up")


EXIT_STATUS_HELP = (
    "exit status: 0 the connection closed cleanly (both close frames exchanged), by either "
    "side and with any close code (1000, 1001, 1011, 4001, …); 1 it failed or ended "
    "abnormally: refused, rejected, dropped, gave up reconnecting, a close the other side "
    "never answered, or a close code named by --fail-on-close-code; 2 a usage error, said "
    "before connecting."
)


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """What to record and where: the resolved options, the profile's name ("" for a URI),
    the profile's on-connect protocol messages, their {{variables}} filled."""

    options: ConnectionOptions
    profile: str = ""
    duration: float | None = None
    out: Path | None = None
    capture: bool = True
    redact: bool = True
    fail_on_close_codes: frozenset[int] = frozenset()
    on_connect: tuple[Composed, ...] = ()


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="wsinspector record",
        description="Record one WebSocket connection without a window: into the capture "
        "database (the History lists it) and/or a .jsonl or .har file.",
        epilog=EXIT_STATUS_HELP,
    )
    command.add_argument("uri", nargs="?", help="ws:// or wss:// URI to connect to")
    command.add_argument("--profile", metavar="NAME", help="connect with the saved profile NAME")
    command.add_argument(
        "--env", metavar="NAME", help="with --profile: the environment for its {{variables}}"
    )
    command.add_argument(
        "--proxy",
        metavar="URL",
        help="connect through this proxy (http://, https://, socks5://, socks5h://, socks4://, "
        "user:password@ allowed); 'none' connects directly; without it the profile's setting, "
        "else the system's (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY)",
    )
    command.add_argument(
        "--duration", metavar="S", type=float, help="close with 1000 after S seconds"
    )
    command.add_argument(
        "--out", metavar="FILE", type=Path, help="also write the events to FILE (.jsonl or .har)"
    )
    command.add_argument(
        "--no-capture",
        action="store_true",
        help="do not record into the capture database (then --out is needed)",
    )
    command.add_argument(
        "--include-secrets",
        action="store_true",
        help="keep secret header and query values instead of <redacted> (the file is "
        "written readable by you only, 0600)",
    )
    command.add_argument(
        "--fail-on-close-code",
        metavar="CODES",
        default="",
        help="exit 1 when the connection closes with one of these codes, e.g. 1011,4001 "
        "(a clean close exits 0 otherwise, whatever its code)",
    )
    return command


def plan_from_args(args: argparse.Namespace) -> RecordPlan:
    """The plan the command line asks for; UsageError naming what is wrong."""
    from wsinspector.core.websocket.validation import check_options

    if bool(args.uri) == bool(args.profile):
        raise UsageError("give either a URI or --profile NAME")
    if args.env and not args.profile:
        raise UsageError("--env goes with --profile")
    if args.duration is not None and not args.duration > 0:
        raise UsageError("--duration must be a number of seconds above 0")
    if args.no_capture and args.out is None:
        raise UsageError("--no-capture records nothing without --out FILE")
    if args.out is not None:
        from wsinspector.core.storage.logfiles import LogFormat, format_for_path

        try:
            fmt = format_for_path(args.out)
        except ValueError as exc:
            raise UsageError(f"--out: {exc}") from None
        if fmt not in (LogFormat.JSONL, LogFormat.HAR):
            raise UsageError("--out: record writes .jsonl or .har files")
        _check_writable(args.out)
    fail_on = _close_codes(args.fail_on_close_code)
    profile = ""
    on_connect: tuple[Composed, ...] = ()
    if args.profile:
        options, on_connect = _profile_plan(args.profile, args.env)
        profile = args.profile
    else:
        options = ConnectionOptions(args.uri.strip())
    if args.proxy is not None:
        mode, url = proxy_choice(args.proxy)
        options = replace(options, proxy_mode=mode, proxy_url=url)
    try:
        # Protocol settings that can't be read are the user's to fix before connecting.
        create_protocol(options)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    errors = check_options(prepare_options(options))
    if errors:
        raise UsageError("; ".join(f"{error.field}: {error.message}" for error in errors))
    return RecordPlan(
        options,
        profile,
        args.duration,
        args.out,
        capture=not args.no_capture,
        redact=not args.include_secrets,
        fail_on_close_codes=fail_on,
        on_connect=on_connect,
    )


def _check_writable(out: Path) -> None:
    """Said before connecting: a recording that can't be written would be lost at the end."""
    folder = out.parent
    if not folder.is_dir():
        raise UsageError(f"--out: there is no folder {str(folder)!r} to write {out.name!r} in")
    if out.is_dir():
        raise UsageError(f"--out: {str(out)!r} is a folder; name a .jsonl or .har file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--out: the folder {str(folder)!r} is not writable for you")


def _close_codes(text: str) -> frozenset[int]:
    codes: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1000 <= int(part) <= 4999:
            raise UsageError(
                f"--fail-on-close-code: {part!r} is not a close code (1000 to 4999); "
                "give codes separated by commas, e.g. 1011,4001"
            )
        codes.add(int(part))
    return frozenset(codes)


def _profile_options(name: str, environment: str | None) -> ConnectionOptions:
    """The profile's options, {{variables}} filled (`test` and `replay` use these too)."""
    return _profile_plan(name, environment, on_connect=False)[0]


def _profile_plan(
    name: str, environment: str | None, *, on_connect: bool = True
) -> tuple[ConnectionOptions, tuple[Composed, ...]]:
    """The profile's options and on-connect protocol messages, {{variables}} filled."""
    from wsinspector.core.storage.profiles import ProfileStore
    from wsinspector.core.storage.profiles.outgoing import prepare_on_connect
    from wsinspector.core.storage.profiles.secrets import ENVIRONMENTS_KEY_PREFIX
    from wsinspector.core.storage.profiles.variables import resolve

    store = ProfileStore()
    profiles = store.profiles()
    found = [profile for profile in profiles if profile.name == name]
    if not found:
        known = ", ".join(sorted(profile.name for profile in profiles)) or "none saved yet"
        raise UsageError(f"no profile named “{name}”; known profiles: {known}")
    profile = found[0]
    # A secret that can't be read loads as "": connecting would send it empty.
    unread = store.unread_secrets(profile.id)
    if unread is not None:
        raise UsageError(unread.words(f"profile “{name}”"))
    environments = store.load_environments()
    if environment is not None and environment not in environments.names():
        known = ", ".join(environments.names()) or "none defined"
        raise UsageError(f"no environment named “{environment}”; known environments: {known}")
    unread = store.unread_secrets(ENVIRONMENTS_KEY_PREFIX)
    prefix = f"environment/{environment}/"
    if unread is not None and environment is not None:
        mine = tuple(field for field in unread.fields if field.startswith(prefix))
        if mine:
            raise UsageError(replace(unread, fields=mine).words(f"environment “{environment}”"))
    env_vars = environments.variables(environment)
    options, errors = resolve(profile.options, env_vars, profile.variables)
    if errors:
        raise UsageError("; ".join(f"{error.field}: {error.message}" for error in errors))
    if not on_connect:
        return options, ()
    greetings = prepare_on_connect(profile.messages, options.protocol, env_vars, profile.variables)
    if isinstance(greetings, str):
        raise UsageError(greetings)
    return options, greetings


class _StatePrinter:
    """Prints a line for each state change, in the window's words (ConnectionState.status_text)."""

    def __init__(self, connection: ConnectionState, write: Callable[[str], None]) -> None:
        self._connection = connection
        self._write = write
        self.last_close: CloseEvent | None = None
        self.final: ConnState | None = None

    def event_appended(self, log: EventLog, event: Event) -> None:
        if type(event) is CloseEvent:
            self.last_close = event
        if type(event) is StateEvent:
            self.final = event.state
            self._write(f"{format_time(event.wall)}  {self._connection.status_text()}")

    def messages_appended(self, log: EventLog) -> None:
        pass  # registered with messages=False

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass


async def record(plan: RecordPlan, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the recording to its end; returns the exit status.

    An unexpected error (a task's, a callback's, a thread's, such as the capture writer's)
    is written to the crash log and said in one line on `err`, as the window's banner would:
    the recording goes on.
    """

    def write(line: str) -> None:
        print(line, file=out, flush=True)

    def complain(line: str) -> None:
        print(f"wsinspector record: {line}", file=err, flush=True)

    def say_crash(crash: Crash) -> None:
        print(
            record_crash_words(crash.where, crash.kind, crash.message, crash.log_path),
            file=err,
            flush=True,
        )

    crashes = CrashReporter()
    crashes.add_listener(say_crash)
    crashes.install(asyncio.get_running_loop())
    try:
        return await _record(plan, write, complain)
    finally:
        crashes.uninstall()


async def _record(
    plan: RecordPlan, write: Callable[[str], None], complain: Callable[[str], None]
) -> int:
    from wsinspector.core.storage.capture.policy import RecordingPolicy, RecordingTarget

    try:
        # A protocol's step over the network before the WebSocket (SignalR's negotiate).
        wire_options = await resolve_options(plan.options)
    except UserError as exc:
        complain(f"error: {exc}")
        return EXIT_FAILED
    store = None
    if plan.capture:
        from wsinspector.core.storage.capture import CaptureFileError, CaptureStore

        try:
            store = CaptureStore.open_default()
        except CaptureFileError as exc:
            complain(f"not recording into the capture: {exc}")
            if plan.out is None:
                return EXIT_FAILED
        else:
            if store.problem:
                complain(store.problem)
    # The whole session is needed for --out when there is no capture to read it back from.
    log = EventLog(DEFAULT_CAPACITY if store is not None else None)
    connection = ConnectionState(log)
    printer = _StatePrinter(connection, write)
    log.add_listener(printer, messages=False)
    connection.begin(plan.options)
    # What rides on the socket (Socket.IO, GraphQL, …) does its handshake and keepalive by
    # itself, as on a page; plain WebSocket has no driver.
    session, driver = start_session(wire_options, log, plan.on_connect)
    # The window's live pages record by the same rule: from the event that begins the
    # connection until it ends.
    target = RecordingTarget(plan.options.uri, plan.profile, plan.options)
    policy = RecordingPolicy(store, log, lambda: target, redact=plan.redact)
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []  # the close under way, once asked for

    def stop(code: int, reason: str) -> None:
        if stopping:
            return
        connection.stop_requested()
        stopping.append(loop.create_task(session.close(code, reason)))

    handled: list[signal.Signals] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop, *SIGNAL_CLOSE)
            handled.append(signum)
    timer = loop.call_later(plan.duration, stop, *DURATION_CLOSE) if plan.duration else None
    started = time.monotonic()
    try:
        task = session.task
        assert task is not None
        await task
    finally:
        if driver is not None:
            driver.detach()
        if timer is not None:
            timer.cancel()
        for signum in handled:
            loop.remove_signal_handler(signum)
    policy.detach()
    session_id = policy.session_id
    status, ended = _outcome(printer, connection, plan.fail_on_close_codes)
    written = ""
    if plan.out is not None:
        written = await _write_file(plan, log, store, session_id)
        if written.startswith("not written"):
            status = EXIT_FAILED
            complain(f"error: {written}")
    if store is not None:
        await asyncio.to_thread(store.close)
    if status != EXIT_OK:
        complain(f"error: {ended}")
    counters = log.counters
    write(
        record_summary_words(
            seconds=time.monotonic() - started,
            messages_in=counters.messages_in,
            messages_out=counters.messages_out,
            bytes_in=counters.bytes_in,
            bytes_out=counters.bytes_out,
            ended=ended,
            session_id=session_id,
            capture=str(store.path) if store is not None else "",
            written=written,
        )
    )
    return status


def _outcome(
    printer: _StatePrinter, connection: ConnectionState, fail_on: frozenset[int]
) -> tuple[int, str]:
    """The exit status and how the connection ended, in words (EXIT_STATUS_HELP's rules)."""
    words = connection.status_text() if connection.state_event else "failed"
    close = printer.last_close
    if printer.final is not ConnState.CLOSED:
        return EXIT_FAILED, words
    if connection.stopped_while is not None:
        return EXIT_OK, words  # stopped by us before the connection opened: nothing failed
    if close is None:
        return EXIT_FAILED, words
    if not close.clean:
        if close.initiator == "client" and close.sent_code is not None:
            return EXIT_FAILED, unanswered_close_words(close.sent_code)
        return EXIT_FAILED, words
    if close.code in fail_on:
        return EXIT_FAILED, f"{words} (a code named by --fail-on-close-code)"
    return EXIT_OK, "closed normally" if close.code in (1000, 1001) else words


async def _write_file(
    plan: RecordPlan, log: EventLog, store: object, session_id: int | None
) -> str:
    from wsinspector.core.storage.capture import CaptureStore
    from wsinspector.core.storage.logfiles import export_log

    assert plan.out is not None
    source: object = log
    if isinstance(store, CaptureStore) and session_id is not None:
        store.sync()
        source = store.session_events(session_id)  # the whole session, even past the log's
    try:
        count = await asyncio.to_thread(
            export_log,
            source,  # type: ignore[arg-type]
            plan.out,
            redact_secrets=plan.redact,
        )
    except (OSError, UserError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"not written to {plan.out}: {reason}"
    return f"{count:,} events written to {plan.out}"


def main(argv: Sequence[str]) -> int:
    return run_command(argv, parser(), plan_from_args, lambda _args, plan: record(plan))
