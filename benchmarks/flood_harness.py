"""The flood benchmark's harness: the server process, the child processes, the clients and
what measures them (rates, percentiles, resident memory, the Qt event loop's ticks, the
window's state), for the scenarios in flood_scenarios.py to use.

The window is driven only through the objectNames the tests use, with the tests' own widget
finder (tests/helpers/widgets.py); after the window grows tabs, findChild() answers with the
first connection page's widgets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import math
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # Qt is imported by the Qt child only
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication, QLabel, QTableView

    from wsinspector.qt import MainWindow
    from wsinspector.qt.workspace.logmodel import LogModel

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
FLOOD = HERE / "flood.py"  # the children run it again, with --child
# The working tree's wsinspector, installed or not, and the tests' helpers (the widget finder).
for folder in (ROOT / "tests", ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from helpers.widgets import find as find  # noqa: E402  (re-exported to the scenarios)

TICK_MS = 10
NODE = HERE / "node"  # the Node `ws` server and the npm folder it installs `ws` into

# Whether the clients offer permessage-deflate (--deflate; the servers then accept it). A child
# sets it once from its arguments before it connects anything.
DEFLATE = False
# The window's size (--window-size; None: the app's default, DEFAULT_SIZE). Each repaint of the
# log costs about as many rows as it shows (README, issue 20's eighth pass), and the loop waits
# for a repaint whole.
WINDOW_SIZE: tuple[int, int] | None = None

Result = dict[str, Any]


def run_timeout(messages: int) -> float:
    """Generous bound for one flood run of `messages` messages."""
    return 30.0 + messages / 2_000


def now() -> float:
    return time.monotonic()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_bytes() -> int:
    """Current resident set size of this process."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource  # peak, not current: good enough where /proc is missing

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def flood_uri(port: int, messages: int, size: int) -> str:
    return f"ws://127.0.0.1:{port}/flood?n={messages}&size={size}"


@contextlib.contextmanager
def private_data_dir() -> Iterator[None]:
    """The windows of this child record into a capture of their own, not the user's, removed
    at the end: a run of floods writes gigabytes."""
    folder = tempfile.mkdtemp(prefix="flood-capture-")
    os.environ["WSINSPECTOR_DATA_DIR"] = folder
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def say(text: str) -> None:
    print(text, flush=True)


# =============================================================================================
# Measurements shared by the children
# =============================================================================================


async def bare_run(uri: str, expected: int) -> Result:
    """1: a bare websockets client counting messages."""
    from websockets.asyncio.client import connect

    count = 0
    first = 0.0
    async with (
        asyncio.timeout(run_timeout(expected)),
        connect(
            uri, compression="deflate" if DEFLATE else None, ping_interval=None, max_size=None
        ) as ws,
    ):
        async for _message in ws:
            if not count:
                first = now()
            count += 1
    return counted(count, expected, first)


def counted(count: int, expected: int, first: float) -> Result:
    """A client's run: `count` of `expected` messages, the first at `first`, the last now."""
    seconds = now() - first
    return {
        "messages": count,
        "expected": expected,
        "seconds": seconds,
        "rate": count / seconds if seconds > 0 else 0.0,
    }


async def bare_close_run(uri: str, after: float) -> Result:
    """The bare client's Close in an endless flood: read `after` seconds, then close() while
    reading on; how long until the connection is closed (the server's part of the figure)."""
    from websockets.asyncio.client import connect

    async with asyncio.timeout(after + 30):
        ws = await connect(
            uri, compression="deflate" if DEFLATE else None, ping_interval=None, max_size=None
        )

        async def drain() -> None:
            async for _message in ws:
                pass

        reader = asyncio.ensure_future(drain())
        await asyncio.sleep(after)
        clicked = now()
        await ws.close()
        closed = now()
        await reader
    return {"closed_ms": (closed - clicked) * 1000, "close_clean": ws.close_code == 1000}


def flood_window(log: Any) -> tuple[float, float]:
    """(mono of the first message, mono of the close) in an EventLog."""
    from wsinspector.core.log.events import CloseEvent, MessageEvent

    first = end = math.nan
    for event in log:
        if type(event) is MessageEvent:
            first = event.mono
            break
    for index in range(len(log) - 1, -1, -1):
        event = log[index]
        if type(event) is CloseEvent:
            end = event.mono
            break
    return first, end


def log_summary(log: Any, expected: int) -> Result:
    from wsinspector.core.log.events import CloseEvent

    first, end = flood_window(log)
    seconds = end - first
    received = log.counters.messages_in
    close = next((e for e in reversed(log) if type(e) is CloseEvent), None)
    return {
        "messages": received,
        "expected": expected,
        "events": len(log),
        "seconds": seconds,
        "rate": received / seconds if seconds > 0 else 0.0,
        "close_code": close.code if close else None,
        "close_clean": close.clean if close else None,
        "close_initiator": close.initiator if close else None,
    }


async def core_run(uri: str, expected: int) -> Result:
    """2: the core Session feeding an EventLog."""
    from wsinspector.core.log.eventlog import EventLog
    from wsinspector.core.websocket.options import ConnectionOptions
    from wsinspector.core.websocket.session import Session

    log = EventLog()
    options = ConnectionOptions(uri, compression=DEFLATE, ping_interval=None, max_message_size=None)
    session = Session(options, log)
    task = session.start()
    try:
        await asyncio.wait_for(asyncio.shield(task), run_timeout(expected))
    except TimeoutError:
        await session.close(timeout=5)
        raise
    result = log_summary(log, expected)
    result["state"] = session.state.value
    return result


def median_of(runs: list[Result], key: str = "rate") -> float:
    return statistics.median(run[key] for run in runs) if runs else math.nan


# =============================================================================================
# The window, driven by objectName
# =============================================================================================


def log_view(window: MainWindow) -> QTableView:
    """The message log table ("messageLog")."""
    from PySide6.QtWidgets import QTableView

    return find(window, QTableView, "messageLog")


def log_model(window: MainWindow) -> LogModel:
    """The message log's model: rows, data(), flush() and the EventLog behind it (.log)."""
    return cast("LogModel", log_view(window).model())


def status_label(window: MainWindow) -> QLabel:
    """The connection status label, whose dynamic property "state" is the connection state."""
    from PySide6.QtWidgets import QLabel

    return find(window, QLabel, "connectionStatusLabel")


def quiet_qt_messages(mode: Any, context: Any, message: str) -> None:
    """Qt message handler: everything goes to stderr but the offscreen platform's chatter."""
    # The offscreen platform says this for every window.
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def app_allocator() -> None:
    """The allocator the app's process runs with (HeapPrefaulter.start, as wsinspector.app's
    settle_process does), for the clients of a child without Qt: left to glibc's own
    thresholds a bare client's process can fall into giving its heap's top back after every
    256 KiB read and faulting it in again, and read at half its rate from then on
    (core/app/heap_prefault.py); the ceiling is the bare client at its best."""
    from wsinspector.core.app.heap_prefault import HeapPrefaulter

    HeapPrefaulter.start()


def start_qt_app() -> QApplication:
    """The QApplication of this child, quiet, and not quitting when a window closes."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from wsinspector.app import prepare_qt_environment

    prepare_qt_environment()  # as the app starts Qt
    qInstallMessageHandler(quiet_qt_messages)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    return app


class Ticks:
    """A 10 ms precise Qt timer recording when each tick really fires."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        append, clock = self.times.append, time.monotonic
        self.timer.timeout.connect(lambda: append(clock()))

    def start(self) -> None:
        self.times.clear()
        self.times.append(now())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def intervals(self, start: float, end: float) -> list[float]:
        """Seconds between consecutive ticks, for ticks that fired in [start, end]."""
        times = self.times
        return [b - a for a, b in itertools.pairwise(times) if start <= b <= end]


def watch_property(widget: QObject, name: str, record: Callable[[str], None]) -> QObject:
    """Call record(value) each time the dynamic property `name` of `widget` changes.

    An event filter on `widget` (and parented to it): it sees every DynamicPropertyChange
    synchronously, inside setProperty(), so no change is missed however fast they come.
    """
    from PySide6.QtCore import QDynamicPropertyChangeEvent, QEvent, QObject

    key = name.encode()

    class PropertyFilter(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.DynamicPropertyChange
                and isinstance(event, QDynamicPropertyChangeEvent)
                and event.propertyName().data() == key
            ):
                record(str(watched.property(name)))
            return False

    watcher = PropertyFilter(widget)
    widget.installEventFilter(watcher)
    return watcher


class StateWatch:
    """Every state the status label goes through: (time, its "state" property)."""

    def __init__(self, window: MainWindow) -> None:
        self.changes: list[tuple[float, str]] = []
        self.ended = asyncio.Event()  # the state went to closed or failed
        self._filter = watch_property(status_label(window), "state", self._on_state)

    def _on_state(self, state: str) -> None:
        self.changes.append((now(), state))
        if state in ("closed", "failed"):
            self.ended.set()

    def first(self, after: float, test: Callable[[str], bool]) -> float | None:
        """When the label first went, at or after `after`, to a state passing `test`."""
        for when, state in self.changes:
            if when >= after and test(state):
                return when
        return None


async def wait_until(test: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `test` every 5 ms; TimeoutError after `timeout` seconds."""
    deadline = now() + timeout
    while not test():
        if now() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.005)


async def open_window() -> MainWindow:
    """A new window, shown, following the log, with no pings or size limit; compression as
    --deflate says."""
    from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QSpinBox

    from wsinspector.qt import MainWindow
    from wsinspector.qt.window.remembered_layout import DEFAULT_SIZE

    window = MainWindow()
    window.resize(*(WINDOW_SIZE or DEFAULT_SIZE))
    window.show()
    find(window, QCheckBox, "followCheck").setChecked(True)
    find(window, QCheckBox, "compressionCheck").setChecked(DEFLATE)
    find(window, QDoubleSpinBox, "pingIntervalSpin").setValue(0)
    find(window, QSpinBox, "maxMessageSizeSpin").setValue(0)
    await asyncio.sleep(0.2)  # shown, laid out, painted once
    return window


def connect_window(window: MainWindow, uri: str) -> None:
    """Type the URI and click Connect; RuntimeError when the form refuses it."""
    from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

    find(window, QLineEdit, "uriEdit").setText(uri)
    button = find(window, QPushButton, "connectButton")
    if not button.isEnabled():
        raise RuntimeError("the Connect button is disabled")
    button.click()
    error = find(window, QLabel, "uriError").text()
    if error:
        raise RuntimeError(f"the form refused the URI: {error}")


async def close_window(window: MainWindow) -> None:
    """Close the window (it shuts its connection down first), wait for that, delete it."""
    done = asyncio.Event()
    window.closed_for_good.connect(done.set)
    window.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 10)
    window.deleteLater()
    await asyncio.sleep(0.05)
    gc.collect()


async def wait_ended(window: MainWindow, watch: StateWatch, timeout: float) -> None:
    """Wait until the connection is closed or failed; on timeout click Close and re-raise."""
    from PySide6.QtWidgets import QPushButton

    try:
        await asyncio.wait_for(watch.ended.wait(), timeout)
    except TimeoutError:
        find(window, QPushButton, "closeButton").click()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watch.ended.wait(), 10)
        raise


# =============================================================================================
# The server process and the children
# =============================================================================================


def node_server_command(deflate: bool) -> list[str]:
    """The command of the Node `ws` server, after installing `ws` into benchmarks/node/ with
    npm the first time; RuntimeError saying what is missing when node or npm is."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("--server node needs Node.js: `node` is not on the PATH")
    if not (NODE / "node_modules" / "ws").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "--server node needs npm to install `ws` into benchmarks/node/ once: "
                "`npm` is not on the PATH"
            )
        say("  installing the Node `ws` package into benchmarks/node/ (npm install, once)")
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm install in {NODE} failed: {done.stderr.strip()[-500:]}")
    return [node, str(NODE / "flood_server.js"), *(["--deflate"] if deflate else [])]


def start_server(kind: str, deflate: bool = False) -> tuple[subprocess.Popen[bytes], int]:
    if kind == "node":
        command = node_server_command(deflate)
    else:
        command = [sys.executable, str(HERE / "flood_server.py"), "--kind", kind]
        if deflate:
            command.append("--deflate")
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    deadline = now() + 30
    line = b""
    while now() < deadline and proc.poll() is None:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            break
    if not line.startswith(b"PORT "):
        stop_server(proc)
        raise RuntimeError(f"the {kind} server did not start (said {line!r})")
    return proc, int(line.split()[1])


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(Exception):
        if proc.stdin is not None:
            proc.stdin.close()  # the server's cue to exit
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_child(name: str, args: argparse.Namespace, port: int, timeout: float) -> Result:
    fd, out = tempfile.mkstemp(prefix=f"flood-{name}-", suffix=".json")
    os.close(fd)
    command = [
        sys.executable,
        str(FLOOD),
        "--child",
        name,
        "--port",
        str(port),
        "--out",
        out,
        "--messages",
        str(args.messages),
        "--size",
        str(args.size),
        "--repeat",
        str(args.repeat),
        "--memory-messages",
        str(args.memory_messages),
        "--socketio-messages",
        str(args.socketio_messages),
    ]
    if args.skip_big:
        command.append("--skip-big")
    if args.deflate:
        command.append("--deflate")
    if args.window_size:
        command += ["--window-size", args.window_size]
    if args.profile:
        command.append("--profile")
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.Popen(command, env=env)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return {"error": f"the {name} child timed out after {timeout:.0f} s"}
    try:
        text = Path(out).read_text()
        result: Result = json.loads(text) if text else {}
    except (OSError, ValueError):
        result = {}
    finally:
        with contextlib.suppress(OSError):
            os.unlink(out)
    if not result:
        result = {"error": f"the {name} child crashed (exit code {code})"}
    return result
