"""Running a test file: every `async def test_*(ws)` against a fresh connection, in order.

One EventLog holds the whole run (each test's connection gets its own number in it), so the
run exports as one ordinary log and each result points at its messages by event ids.
A test passes when it returns, fails on an AssertionError (a failed assert, or a ScriptFailure
of ws.recv/expect/ping), and errors on anything else, its connection failing included.
"""

from __future__ import annotations

import asyncio
import enum
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.scripting.loading import ScriptFile, ScriptLoadError, load_script
from wsinspector.core.scripting.protocol import script_socket
from wsinspector.core.scripting.socket import ConnectFailed, TestSocket
from wsinspector.core.websocket.options import ConnectionOptions

# A test that runs longer than this is stopped and errors (it may be waiting on nothing).
DEFAULT_TEST_TIMEOUT = 60.0
# Messages a failure report lists, the last ones exchanged.
LAST_MESSAGES = 5


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test's result: `message` the words of its failure or error (the assertion's own
    words and values), `detail` the traceback, `last_messages` the last ones exchanged, and
    its events in the run's log from `first_id` to `last_id`."""

    __test__ = False

    file: Path
    name: str
    outcome: Outcome
    seconds: float
    message: str = ""
    detail: str = ""
    last_messages: tuple[str, ...] = ()
    first_id: int = 0
    last_id: int = 0


@dataclass(slots=True)
class RunReport:
    results: list[TestResult] = field(default_factory=list)
    # Files that could not be loaded: (path, why); each counts as an error.
    load_errors: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.load_errors and all(r.outcome is Outcome.PASSED for r in self.results)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)


@dataclass(frozen=True, slots=True)
class Target:
    """Where tests connect: the options (a profile's, resolved, or a URI's) and variables."""

    options: ConnectionOptions
    variables: dict[str, str] = field(default_factory=dict)


def for_tests(options: ConnectionOptions) -> ConnectionOptions:
    """A test's connection never reconnects: a drop is something the test should see."""
    return replace(options, reconnect=replace(options.reconnect, enabled=False))


async def run_files(
    paths: Sequence[Path],
    target: Target,
    log: EventLog,
    *,
    on_result: Callable[[TestResult], None] = lambda result: None,
    test_timeout: float = DEFAULT_TEST_TIMEOUT,
) -> RunReport:
    """Load and run every file's tests in order; each result is also handed to `on_result`
    as soon as it is known."""
    report = RunReport()
    for path in paths:
        try:
            script = load_script(path)
        except ScriptLoadError as exc:
            report.load_errors.append((path, str(exc)))
            continue
        for result in await run_script(script, target, log, on_result, test_timeout):
            report.results.append(result)
    return report


async def run_script(
    script: ScriptFile,
    target: Target,
    log: EventLog,
    on_result: Callable[[TestResult], None] = lambda result: None,
    test_timeout: float = DEFAULT_TEST_TIMEOUT,
) -> list[TestResult]:
    results = []
    for name, function in script.tests:
        result = await run_test(script.path, name, function, target, log, test_timeout)
        on_result(result)
        results.append(result)
    return results


async def run_test(
    path: Path,
    name: str,
    function: Callable[[TestSocket], Awaitable[object]],
    target: Target,
    log: EventLog,
    test_timeout: float = DEFAULT_TEST_TIMEOUT,
) -> TestResult:
    try:
        ws = script_socket(for_tests(target.options), log, target.variables)
    except ConnectFailed as exc:
        return TestResult(path, name, Outcome.ERROR, 0.0, str(exc), "", (), log.next_id, 0)
    started = time.monotonic()
    outcome = Outcome.PASSED
    message = detail = ""
    try:
        async with asyncio.timeout(test_timeout):
            await ws.open()
            await function(ws)
    except AssertionError as exc:
        outcome = Outcome.FAILED
        message = str(exc) or "assert failed"
        detail = _traceback(exc, path)
    except ConnectFailed as exc:
        outcome, message = Outcome.ERROR, str(exc)
    except TimeoutError as exc:
        outcome = Outcome.ERROR
        message = f"the test did not end within {test_timeout:g} s"
        detail = _traceback(exc, path)
    except Exception as exc:
        outcome = Outcome.ERROR
        message = f"{type(exc).__name__}: {exc}"
        detail = _traceback(exc, path)
    finally:
        await ws.finish()
    seconds = time.monotonic() - started
    last: tuple[str, ...] = ()
    if outcome is not Outcome.PASSED:
        last = tuple(m.preview() for m in ws.exchanged()[-LAST_MESSAGES:])
    return TestResult(
        path, name, outcome, seconds, message, detail, last, ws.first_id, log.next_id - 1
    )


def _traceback(exc: BaseException, path: Path) -> str:
    """The traceback from the test file's own frames on (the runner's are noise)."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [frame for frame in frames if frame.filename == str(path)]
    shown = traceback.format_list(mine or frames)
    return "".join(shown) + "".join(traceback.format_exception_only(exc))
