"""Flood benchmark: how close wsinspector gets to a bare websockets client, and what it costs.

    QT_QPA_PLATFORM=offscreen python benchmarks/flood.py [options]
    sh packaging/dev.sh bench [options]

A loopback server in another process (benchmarks/flood_server.py, `--server ws|raw`) sends N
text messages of S bytes as fast as it can, on a fresh connection for every run. Measured:

  1. a bare websockets asyncio client counting messages (the ceiling), also under qasync;
  2. wsinspector's core Session feeding its EventLog (plain asyncio, no Qt);
  3. the whole app: MainWindow shown offscreen, log view visible and following, qasync loop;

with messages per second (median of --repeat runs, first message to close), the ratios 2/1
and 3/1, every message counted in the log and the model; the event-loop lag during the app's
flood (how late a 10 ms precise Qt timer fires); how soon the Close button answers during a
flood; resident memory per logged message after --memory-messages messages (fresh process);
the longest UI stall while one 16 MiB text message arrives and while it is selected; and, over
the memory run's log, the export (JSONL, HAR, CSV), import (JSONL) and filter (substring,
regex) timings; and the loop lag while the window exports 1,000,000 messages.

Each group runs in a child process of this script (crash isolation, fresh memory); every wait
has a timeout. Prints a table (figure, value, target, PASS/FAIL), writes a JSON result file
and benchmarks/results/latest.json, and shows each figure's change against the previous
latest.json. Exits 0 whatever the figures say; non-zero only on a crash or a missing message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import itertools
import json
import math
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # Qt is imported by the Qt child only
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication, QLabel, QTableView, QWidget

    from wsinspector.qt import MainWindow
    from wsinspector.qt.workspace.logmodel import LogModel

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the working tree's wsinspector, installed or not

BIG_SIZE = 16 * 2**20
TICK_MS = 10
CLOSE_CLICK_AFTER = 1.0  # seconds of flood before the Close button is clicked

# Targets from the issue.
TARGET_RATIO_APP = 0.8
TARGET_LAG_P99_MS = 50.0
TARGET_RATIO_RECORDING = 0.9  # recording on / off, alternating runs of one child
TARGET_CLOSE_ANSWER_MS = 100.0
TARGET_MEMORY_BYTES = 400.0
TARGET_BIG_STALL_MS = 200.0
# Export, import and filter over the memory run's log (issue: "at a million events").
TARGET_EXPORT_JSONL_S = 2.0
TARGET_EXPORT_HAR_S = 4.0
TARGET_EXPORT_CSV_S = 2.0
TARGET_IMPORT_JSONL_S = 5.0
TARGET_FILTER_S = 0.3
TARGET_REGEX_S = 1.5
PREVIEW_LIMIT = 201  # formatting.preview(): 200 characters plus "…"

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
        connect(uri, compression=None, ping_interval=None, max_size=None) as ws,
    ):
        async for _message in ws:
            if not count:
                first = now()
            count += 1
    end = now()
    seconds = end - first
    return {
        "messages": count,
        "expected": expected,
        "seconds": seconds,
        "rate": count / seconds if seconds > 0 else 0.0,
    }


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
    options = ConnectionOptions(uri, compression=False, ping_interval=None, max_message_size=None)
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
# Child: plain asyncio (1 and 2)
# =============================================================================================


def child_asyncio(args: argparse.Namespace) -> Result:
    uri = flood_uri(args.port, args.messages, args.size)

    async def main() -> Result:
        bare: list[Result] = []
        core: list[Result] = []
        for i in range(args.repeat):
            run = await bare_run(uri, args.messages)
            bare.append(run)
            say(f"  [1 bare asyncio] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s")
            gc.collect()
            run = await core_run(uri, args.messages)
            core.append(run)
            say(f"  [2 core session] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s")
            gc.collect()
        return {"bare": bare, "core": core}

    return asyncio.run(main())


# =============================================================================================
# Child: memory (core, fresh process)
# =============================================================================================


def event_object_bytes(log: Any) -> int:
    """What one logged message costs in Python objects, by sys.getsizeof."""
    from wsinspector.core.log.events import MessageEvent

    event = next(e for e in log if type(e) is MessageEvent)
    pointer = 8  # the list slot
    return (
        sys.getsizeof(event)
        + sys.getsizeof(event.data)
        + sys.getsizeof(event.wall)
        + sys.getsizeof(event.mono)
        + pointer
    )


def child_memory(args: argparse.Namespace) -> Result:
    from wsinspector.core.log.eventlog import EventLog
    from wsinspector.core.websocket.options import ConnectionOptions
    from wsinspector.core.websocket.session import Session

    messages = args.memory_messages
    uri = flood_uri(args.port, messages, 100)

    async def main() -> Result:
        log = EventLog()
        options = ConnectionOptions(
            uri, compression=False, ping_interval=None, max_message_size=None
        )
        session = Session(options, log)
        gc.collect()
        before = rss_bytes()
        task = session.start()
        await asyncio.wait_for(asyncio.shield(task), run_timeout(messages))
        del session, task
        gc.collect()
        after = rss_bytes()
        result = log_summary(log, messages)
        received = result["messages"]
        result.update(
            rss_before=before,
            rss_after=after,
            bytes_per_message=(after - before) / received if received else math.nan,
            object_bytes_per_message=event_object_bytes(log),
        )
        say(
            f"  [memory core] {received:,} messages: "
            f"{result['bytes_per_message']:.0f} B/message resident"
        )
        result.update(log_file_timings(log))
        return result

    return asyncio.run(main())


def log_file_timings(log: Any) -> Result:
    """Seconds to export the log (JSONL, HAR, CSV), import the JSONL back, and filter it."""
    from wsinspector.core.log.filtering import LogFilter, compile_filter, filter_indexes
    from wsinspector.core.storage.logfiles import export_log, import_log

    timings: Result = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("jsonl", "har", "csv"):
            path = Path(folder) / f"log.{fmt}"
            started = now()
            export_log(log, path)
            timings[f"export_{fmt}_s"] = now() - started
            say(f"  [log files] export {fmt}: {timings[f'export_{fmt}_s']:.2f} s")
        started = now()
        imported = import_log(Path(folder) / "log.jsonl")
        timings["import_jsonl_s"] = now() - started
        timings["imported_events"] = len(imported)
        del imported
    for key, log_filter in (
        ("filter_s", LogFilter(text="NEEDLE-not-there")),
        ("regex_s", LogFilter(text=r"seq[0-9]+ZZZ", regex=True)),
    ):
        predicate = compile_filter(log_filter)
        started = now()
        found = filter_indexes(log, predicate)
        timings[key] = now() - started
        say(f"  [filter] {key}: {timings[key]:.3f} s, {len(found):,} rows")
    return timings


# =============================================================================================
# Child: Qt (bare under qasync, 3, loop lag, Close button, 16 MiB, memory with the app)
# =============================================================================================
#
# The window is driven only through the objectNames the tests use (find() below); after the
# window grows tabs, findChild() answers with the first connection page's widgets.


def find[W: QWidget](window: QWidget, kind: type[W], name: str) -> W:
    """The window's widget of this kind and objectName; it must exist."""
    widget = window.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name!r}"
    return widget


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


def start_qt_app() -> QApplication:
    """The QApplication of this child, quiet, and not quitting when a window closes."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

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
    """A new window, shown, following the log, with no compression, pings or size limit."""
    from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QSpinBox

    from wsinspector.qt import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    find(window, QCheckBox, "followCheck").setChecked(True)
    find(window, QCheckBox, "compressionCheck").setChecked(False)
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


RATE_SEEN: dict[str, Any] = {"visible": False, "peak": 0.0}


async def watch_rate(window: MainWindow) -> None:
    """While the flood runs: are rateLabel and the sparkline shown, and the peak rate shown."""
    from PySide6.QtWidgets import QLabel, QWidget

    RATE_SEEN.update(visible=False, peak=0.0)
    label = find(window, QLabel, "rateLabel")
    sparkline = find(window, QWidget, "rateSparkline")
    visible = True
    while True:
        visible = visible and label.isVisible() and sparkline.isVisible()
        RATE_SEEN["visible"] = visible
        shown = label.text().split(" msg/s", 1)[0].lstrip("↓ ").replace(",", "")
        with contextlib.suppress(ValueError):
            RATE_SEEN["peak"] = max(RATE_SEEN["peak"], float(shown))
        await asyncio.sleep(0.25)


async def app_run(uri: str, expected: int, *, record: bool = False) -> Result:
    """3: the whole app; also the loop lag during the flood. `record`: the page records the
    connection into the capture (the app's default) and every message must reach it."""
    from PySide6.QtWidgets import QCheckBox

    window = await open_window()
    find(window, QCheckBox, "recordCheck").setChecked(record)
    watch = StateWatch(window)
    ticks = Ticks()
    ticks.start()
    try:
        connect_window(window, uri)
        # The rate label and its sparkline are on screen through the flood (issue 13: they
        # must cost it nothing measurable); checked while it runs, and what they showed.
        rate_seen = asyncio.ensure_future(watch_rate(window))
        await wait_ended(window, watch, run_timeout(expected))
        ended = now()
        ticks.stop()
        rate_seen.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await rate_seen
        view = log_view(window)
        model = log_model(window)
        log = model.log
        # The model inserts on its own 50 ms timer: how long until it has every row?
        try:
            await wait_until(lambda: model.rowCount() == len(log), 5, "the model")
            caught_up = now() - ended
        except TimeoutError:
            caught_up = math.nan
        model.flush()
        result = log_summary(log, expected)
        result["rows"] = model.rowCount()
        result["rows_catch_up_ms"] = caught_up * 1000
        first, end = flood_window(log)
        lags = [max(0.0, gap * 1000 - TICK_MS) for gap in ticks.intervals(first, end)]
        result["lag_ms"] = lags
        if record:
            result.update(await captured_summary(window, ended))
        await asyncio.sleep(0.1)
        bar = view.verticalScrollBar()
        result["followed"] = bar.value() == bar.maximum()
        result["view_visible"] = view.isVisible()
        result["rate_visible"] = RATE_SEEN["visible"]
        result["rate_peak_msgs"] = RATE_SEEN["peak"]
        return result
    finally:
        ticks.stop()
        await close_window(window)


async def captured_summary(window: MainWindow, ended: float) -> Result:
    """What the capture holds of the run: messages in its newest session, and how long after
    the close the writer had committed them."""
    capture = window.capture
    if capture is None:
        return {"captured": 0, "capture_error": "no capture database"}
    capture.sync(30)
    committed = now() - ended
    newest = capture.sessions()[0]
    return {
        "captured": newest.messages_in,
        "capture_commit_ms": committed * 1000,
        "capture_error": capture.write_error,
    }


async def close_button_run(uri: str) -> Result:
    """How soon the Close button answers in the middle of a flood."""
    from PySide6.QtWidgets import QPushButton

    window = await open_window()
    watch = StateWatch(window)
    ticks = Ticks()
    ticks.start()
    try:
        connect_window(window, uri)
        model = log_model(window)
        log = model.log
        await wait_until(lambda: log.counters.messages_in > 0, 30, "the first message")
        await asyncio.sleep(CLOSE_CLICK_AFTER)
        received_at_click = log.counters.messages_in
        state_at_click = str(status_label(window).property("state"))
        close_button = find(window, QPushButton, "closeButton")
        clicked = now()
        close_button.click()
        await wait_ended(window, watch, 30)
        ticks.stop()
        answered = watch.first(clicked, lambda state: state != "open")
        closed = watch.first(clicked, lambda state: state in ("closed", "failed"))
        model.flush()
        result = log_summary(log, 0)
        lags = [max(0.0, gap * 1000 - TICK_MS) for gap in ticks.intervals(clicked, now())]
        result.update(
            state_at_click=state_at_click,
            messages_at_click=received_at_click,
            answer_ms=(answered - clicked) * 1000 if answered else math.nan,
            closed_ms=(closed - clicked) * 1000 if closed else math.nan,
            rows=model.rowCount(),
            states=[(round((t - clicked) * 1000, 1), state) for t, state in watch.changes],
            lag_after_click_max_ms=max(lags, default=math.nan),
        )
        return result
    finally:
        ticks.stop()
        await close_window(window)


def big_message_row(model: LogModel) -> int | None:
    """The row of the 16 MiB message once the model shows it, else None."""
    from wsinspector.core.log.events import MessageEvent

    log = model.log
    for index in range(min(len(log), model.rowCount())):
        event = log[index]
        if type(event) is MessageEvent and event.size == BIG_SIZE:
            return index
    return None


def select_row(view: QTableView, row: int) -> None:
    """Make `row` the log view's current and only selected row, as a click does."""
    from PySide6.QtCore import QItemSelectionModel

    index = view.model().index(row, 0)
    view.setCurrentIndex(index)
    view.selectionModel().select(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


async def big_run(port: int) -> Result:
    """One 16 MiB text message: the longest stall receiving it and selecting it."""
    from PySide6.QtWidgets import QWidget

    window = await open_window()
    watch = StateWatch(window)
    ticks = Ticks()
    view = log_view(window)
    model = log_model(window)
    row: int | None = None

    def shown() -> bool:
        nonlocal row
        row = big_message_row(model) if row is None else row
        return row is not None

    ticks.start()
    try:
        started = now()
        connect_window(window, f"ws://127.0.0.1:{port}/big?size={BIG_SIZE}")
        await wait_until(shown, 60, "the 16 MiB row")
        shown_at = now()
        assert row is not None
        receive_gaps = ticks.intervals(started, shown_at)
        await wait_ended(window, watch, 30)
        await asyncio.sleep(0.3)
        selecting = now()
        select_row(view, row)
        select_call = now() - selecting
        await asyncio.sleep(0.6)
        select_gaps = ticks.intervals(selecting, now())
        ticks.stop()
        preview = model.data(model.index(row, 5)) or ""
        detail_view: Any = find(window, QWidget, "messageDetailView")
        detail = detail_view.text()
        return {
            "size": BIG_SIZE,
            "receive_ms": (shown_at - started) * 1000,
            "receive_stall_ms": max(receive_gaps, default=0.0) * 1000,
            "select_call_ms": select_call * 1000,
            "select_stall_ms": max(select_gaps, default=0.0) * 1000,
            "preview_chars": len(preview),
            "detail_chars": len(detail),
            "detail_mode": detail_view.mode(),
            "close_code": log_summary(model.log, 1)["close_code"],
        }
    finally:
        ticks.stop()
        await close_window(window)


EXPORT_LAG_EVENTS = 1_000_000


async def export_lag_run(events: int) -> Result:
    """The loop lag while the window exports a log of `events` 100-byte messages as the app
    does (ExportRunner: one chunk per turn of the event loop), to JSONL, CSV and HAR."""
    from wsinspector.core.storage.logfiles import LogFormat
    from wsinspector.qt.workspace.log_export import ExportRunner

    window = await open_window()
    ticks = Ticks()
    result: Result = {"events": events}
    try:
        log = log_model(window).log
        payload = b'{"type":"tick","pad":"' + b"x" * 76 + b'"}'  # 100 bytes
        wall = time.time()
        for index in range(events):
            log.append_message(1, True, True, payload, wall + index * 1e-5, index * 1e-5)
        await asyncio.sleep(0.5)  # the model has taken the rows in
        with tempfile.TemporaryDirectory() as folder:
            for fmt in (LogFormat.JSONL, LogFormat.CSV, LogFormat.HAR):
                runner = ExportRunner()
                done = asyncio.Event()
                runner.finished.connect(lambda *_, done=done: done.set())
                runner.failed.connect(lambda *_, done=done: done.set())
                ticks.start()
                started = now()
                runner.start(log, str(Path(folder) / f"log.{fmt.value}"), fmt, redact=True)
                await asyncio.wait_for(done.wait(), 120)
                ended = now()
                ticks.stop()
                lags = [max(0.0, gap * 1000 - TICK_MS) for gap in ticks.intervals(started, ended)]
                result[fmt.value] = {
                    "seconds": ended - started,
                    "lag_p99_ms": percentile(lags, 99),
                    "lag_max_ms": max(lags, default=math.nan),
                }
                say(
                    f"  [export in the window] {fmt.value}: {ended - started:.2f} s, loop lag"
                    f" p99 {percentile(lags, 99):.1f} ms, max {max(lags, default=math.nan):.1f} ms"
                )
        return result
    finally:
        ticks.stop()
        await close_window(window)


async def memory_app_run(port: int, messages: int) -> Result:
    """Resident memory per logged message with the whole app (fresh process)."""
    window = await open_window()
    watch = StateWatch(window)
    try:
        gc.collect()
        before = rss_bytes()
        connect_window(window, flood_uri(port, messages, 100))
        await wait_ended(window, watch, run_timeout(messages))
        model = log_model(window)
        model.flush()
        await asyncio.sleep(0.2)
        gc.collect()
        after = rss_bytes()
        result = log_summary(model.log, messages)
        received = result["messages"]
        result.update(
            rss_before=before,
            rss_after=after,
            rows=model.rowCount(),
            bytes_per_message=(after - before) / received if received else math.nan,
        )
        say(
            f"  [memory app] {received:,} messages: "
            f"{result['bytes_per_message']:.0f} B/message resident"
        )
        return result
    finally:
        await close_window(window)


async def rate_runs(
    args: argparse.Namespace,
) -> tuple[list[Result], list[Result], list[Result]]:
    """1 under qasync (first round only) and 3 without and with recording, alternating,
    --repeat times: (bare runs, app runs, app runs recording)."""
    uri = flood_uri(args.port, args.messages, args.size)
    bare: list[Result] = []
    runs: list[Result] = []
    recorded: list[Result] = []
    for i in range(args.repeat):
        if i == 0:  # extra information: one run is enough
            run = await bare_run(uri, args.messages)
            bare.append(run)
            say(f"  [1 bare qasync] run 1/1: {run['rate']:,.0f} msg/s")
            gc.collect()
        run = await app_run(uri, args.messages)
        runs.append(run)
        say(
            f"  [3 app] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s, "
            f"{run['rows']:,} rows, loop lag p99 {percentile(run['lag_ms'], 99):.1f} ms"
            if run["lag_ms"]
            else f"  [3 app] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s"
        )
        gc.collect()
        run = await app_run(uri, args.messages, record=True)
        recorded.append(run)
        say(
            f"  [3 app, recording] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s, "
            f"{run['captured']:,} in the capture"
            + (f", loop lag p99 {percentile(run['lag_ms'], 99):.1f} ms" if run["lag_ms"] else "")
        )
    return bare, runs, recorded


async def close_runs(args: argparse.Namespace) -> list[Result]:
    """The Close button in an endless flood, --repeat times."""
    clicks: list[Result] = []
    for i in range(args.repeat):
        run = await close_button_run(flood_uri(args.port, 0, args.size))
        clicks.append(run)
        say(
            f"  [close button] click {i + 1}/{args.repeat}: answered in "
            f"{run['answer_ms']:.1f} ms, closed in {run['closed_ms']:.1f} ms"
        )
    return clicks


async def qt_main(args: argparse.Namespace) -> Result:
    """Every Qt measurement of this child (or only memory with the app, for memory-app)."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    out: Result = {"qt": qVersion(), "pyside6": pyside_version}
    if args.child == "memory-app":
        out["memory_app"] = await memory_app_run(args.port, args.memory_messages)
        return out
    out["bare_qasync"], out["app"], out["app_recording"] = await rate_runs(args)
    out["close"] = await close_runs(args)
    out["export_lag"] = await export_lag_run(EXPORT_LAG_EVENTS)
    if not args.skip_big:
        out["big"] = await big_run(args.port)
        say(
            f"  [16 MiB] receive stall {out['big']['receive_stall_ms']:.0f} ms, "
            f"select stall {out['big']['select_stall_ms']:.0f} ms"
        )
    return out


def child_qt(args: argparse.Namespace) -> Result:
    """The Qt child: the measurements of qt_main() on a qasync loop, offscreen by default."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The windows record into a capture of their own, not the user's.
    os.environ["WSINSPECTOR_DATA_DIR"] = tempfile.mkdtemp(prefix="flood-capture-")
    import qasync

    import wsinspector.qt  # noqa: F401  # an import error fails the child before any run

    app = start_qt_app()
    return asyncio.run(qt_main(args), loop_factory=lambda: qasync.QEventLoop(app))


# =============================================================================================
# Child dispatch
# =============================================================================================

CHILDREN: dict[str, Callable[[argparse.Namespace], Result]] = {
    "asyncio": child_asyncio,
    "qt": child_qt,
    "memory": child_memory,
    "memory-app": child_qt,
}


def run_as_child(args: argparse.Namespace) -> int:
    func = CHILDREN[args.child]
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


# =============================================================================================
# The parent: server process, children, report
# =============================================================================================


def start_server(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "flood_server.py"), "--kind", kind],
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
        str(Path(__file__).resolve()),
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
    ]
    if args.skip_big:
        command.append("--skip-big")
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


def describe_machine() -> Result:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    def version(*names: str) -> str:
        for name in names:
            with contextlib.suppress(metadata.PackageNotFoundError):
                return metadata.version(name)
        return "?"

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": version("PySide6-Essentials", "PySide6"),
        "qasync": version("qasync"),
        "websockets": version("websockets"),
    }


def describe_code() -> Result:
    """The commit measured, and whether wsinspector/ had uncommitted changes."""

    def git(*command: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                ["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
            if done.returncode == 0:
                return done.stdout.strip()
        return ""

    return {
        "commit": git("rev-parse", "--short", "HEAD") or "?",
        "dirty": bool(git("status", "--porcelain", "--", "wsinspector")),
    }


class Report:
    """Figures (flat, for the JSON file and the diff) and the table rows."""

    def __init__(self) -> None:
        self.figures: dict[str, float | None] = {}
        self.rows: list[tuple[str, str, str, str]] = []
        self.missing: list[str] = []
        self.errors: list[str] = []

    def add(
        self,
        key: str,
        label: str,
        value: float | None,
        fmt: str,
        target: str = "",
        ok: bool | None = None,
    ) -> None:
        if isinstance(value, float) and math.isnan(value):
            value = None
        self.figures[key] = value
        if value is None:
            shown, verdict = "n/a", "FAIL" if target else ""
        else:
            shown = fmt.format(value)
            verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append((label, shown, target, verdict))

    def text(self, label: str, value: str, target: str = "", verdict: str = "") -> None:
        self.rows.append((label, value, target, verdict))

    def section(self, title: str) -> None:
        self.rows.append((title, "", "", "§"))

    def table(self) -> str:
        widths = [max(len(row[i]) for row in self.rows if row[3] != "§") for i in range(3)]
        widths = [
            max(w, len(h)) for w, h in zip(widths, ("Figure", "Value", "Target"), strict=True)
        ]
        line = f"{'Figure':<{widths[0]}}  {'Value':>{widths[1]}}  {'Target':<{widths[2]}}  Result"
        out = [line, "-" * len(line)]
        for label, value, target, verdict in self.rows:
            if verdict == "§":
                out.append(f"{label}")
                continue
            out.append(
                f"{label:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {verdict}"
            )
        return "\n".join(out)


def count_check(report: Report, key: str, label: str, runs: list[Result], rows: bool) -> None:
    """Every run must have logged every message (and, for the app, shown every event)."""
    missing = 0
    for run in runs:
        missing += max(0, run["expected"] - run["messages"])
        if run["messages"] > run["expected"]:
            missing += run["messages"] - run["expected"]  # counted wrong is as bad
        if rows:
            missing += abs(run["events"] - run["rows"])
    total = sum(run["expected"] for run in runs)
    report.add(key, label, float(missing), "{:,.0f} of " + f"{total:,}", "0 missing", missing == 0)
    if missing:
        report.missing.append(f"{label}: {missing}")


def evaluate(results: Result, args: argparse.Namespace) -> Report:
    report = Report()
    n, size = args.messages, args.size
    asyncio_part = results.get("asyncio", {})
    qt_part = results.get("qt", {})
    for name, part in results.items():
        if isinstance(part, dict) and "error" in part:
            report.errors.append(f"{name}: {part['error']}")

    bare = asyncio_part.get("bare", [])
    core = asyncio_part.get("core", [])
    app = qt_part.get("app", [])
    bare_rate = median_of(bare)
    core_rate = median_of(core)
    app_rate = median_of(app)
    report.section(f"Throughput: {n:,} x {size} B text, {args.server} server, median of runs")
    report.add("bare_rate", "1 bare websockets client (asyncio)", bare_rate, "{:,.0f}/s", "ceiling")
    report.add(
        "bare_qasync_rate",
        "  bare client under qasync (info, 1 run)",
        median_of(qt_part.get("bare_qasync", [])),
        "{:,.0f}/s",
    )
    report.add("core_rate", "2 core Session + EventLog", core_rate, "{:,.0f}/s")
    report.add("app_rate", "3 whole app (window, qasync)", app_rate, "{:,.0f}/s")
    ratio_core = core_rate / bare_rate if bare_rate else math.nan
    ratio_app = app_rate / bare_rate if bare_rate else math.nan
    report.add("ratio_core", "ratio 2/1", ratio_core, "{:.2f}")
    report.add(
        "ratio_app",
        "ratio 3/1",
        ratio_app,
        "{:.2f}",
        f"≥ {TARGET_RATIO_APP}",
        ratio_app >= TARGET_RATIO_APP,
    )
    if core:
        count_check(report, "core_missing", "2 messages missing from the log", core, rows=False)
    if app:
        count_check(report, "app_missing", "3 messages missing (log + model rows)", app, rows=True)
        report.text(
            "3 log view visible and following",
            "yes" if all(r["followed"] and r["view_visible"] for r in app) else "NO",
        )
        report.text(
            "3 rate label and sparkline visible",
            "yes" if all(r.get("rate_visible") for r in app) else "NO",
        )
        peak = max(r.get("rate_peak_msgs", 0.0) for r in app)
        report.text("3 rate label's peak during the flood", f"{peak:,.0f} msg/s")
        catch_up = max(r["rows_catch_up_ms"] for r in app)
        report.add("rows_catch_up_ms", "3 model has all rows, after close", catch_up, "{:.0f} ms")

    recorded = qt_part.get("app_recording", [])
    if recorded:
        report.section("Recording every message into the capture (app, alternating runs)")
        recording_rate = median_of(recorded)
        report.add("app_recording_rate", "3 whole app, recording", recording_rate, "{:,.0f}/s")
        ratio_recording = recording_rate / app_rate if app_rate else math.nan
        report.add(
            "ratio_recording",
            "ratio recording / not recording",
            ratio_recording,
            "{:.2f}",
            f"≥ {TARGET_RATIO_RECORDING}",
            ratio_recording >= TARGET_RATIO_RECORDING,
        )
        recording_lags = [lag for run in recorded for lag in run.get("lag_ms", [])]
        p99 = percentile(recording_lags, 99) if recording_lags else math.nan
        report.add(
            "recording_lag_p99_ms",
            "loop lag during flood p99, recording",
            p99,
            "{:.1f} ms",
            "≤ 50 ms",
            p99 <= TARGET_LAG_P99_MS,
        )
        missing = sum(abs(run["expected"] - run.get("captured", 0)) for run in recorded)
        total = sum(run["expected"] for run in recorded)
        report.add(
            "capture_missing",
            "messages missing from the capture",
            float(missing),
            "{:,.0f} of " + f"{total:,}",
            "0 missing",
            missing == 0,
        )
        if missing:
            report.missing.append(f"messages missing from the capture: {missing}")
        report.add(
            "capture_commit_ms",
            "  capture committed after the close, worst (info)",
            max(run.get("capture_commit_ms", math.nan) for run in recorded),
            "{:.0f} ms",
        )

    report.section("Responsiveness (app)")
    lags = [lag for run in app for lag in run.get("lag_ms", [])]
    if lags:
        p50, p99, worst = percentile(lags, 50), percentile(lags, 99), max(lags)
    else:
        p50 = p99 = worst = math.nan
    report.add("lag_p50_ms", "loop lag during flood p50", p50, "{:.1f} ms")
    report.add("lag_p99_ms", "loop lag during flood p99", p99, "{:.1f} ms", "≤ 50 ms", p99 <= 50)
    report.add("lag_max_ms", "loop lag during flood max", worst, "{:.1f} ms")
    clicks = qt_part.get("close", [])
    answers = [click["answer_ms"] for click in clicks]
    answer = max(answers) if answers else math.nan
    report.add(
        "close_answer_ms",
        f"Close button answers (leaves open), worst of {len(clicks)}",
        answer,
        "{:.1f} ms",
        f"≤ {TARGET_CLOSE_ANSWER_MS:.0f} ms",
        answer <= TARGET_CLOSE_ANSWER_MS,
    )
    report.add(
        "close_answer_median_ms",
        "  median (info)",
        statistics.median(answers) if answers else None,
        "{:.1f} ms",
    )
    report.add(
        "close_closed_ms",
        "Close button → closed, median",
        median_of(clicks, "closed_ms"),
        "{:.1f} ms",
    )
    if clicks:
        clean = sum(1 for click in clicks if click.get("close_clean"))
        report.text(
            "  closing handshakes completed (info)",
            f"{clean} of {len(clicks)}" + ("" if clean == len(clicks) else " (close_timeout)"),
        )

    report.section("Memory")
    if args.skip_memory:
        report.text("resident bytes per logged 100 B message", "skipped", "≤ 400 B")
    else:
        memory = results.get("memory", {})
        per = memory.get("bytes_per_message", math.nan)
        report.add(
            "memory_bytes_per_message",
            f"core: resident B per 100 B message ({args.memory_messages:,})",
            per,
            "{:.0f} B",
            f"≤ {TARGET_MEMORY_BYTES:.0f} B",
            per <= TARGET_MEMORY_BYTES,
        )
        report.add(
            "memory_object_bytes",
            "  Python objects per message (getsizeof, info)",
            memory.get("object_bytes_per_message"),
            "{:.0f} B",
        )
        if memory:
            count_check(report, "memory_missing", "  messages missing", [memory], rows=False)
    if args.memory_app:
        memory_app = results.get("memory_app", {}).get("memory_app", {})
        per = memory_app.get("bytes_per_message", math.nan)
        report.add(
            "memory_app_bytes_per_message",
            "app: resident B per 100 B message",
            per,
            "{:.0f} B",
            f"≤ {TARGET_MEMORY_BYTES:.0f} B",
            per <= TARGET_MEMORY_BYTES,
        )

    report.section("One 16 MiB text message (app)")
    if args.skip_big:
        report.text("16 MiB message", "skipped", "")
    else:
        big = qt_part.get("big", {})
        target = f"≤ {TARGET_BIG_STALL_MS:.0f} ms"
        stall = big.get("receive_stall_ms", math.nan)
        report.add(
            "big_receive_stall_ms",
            "longest stall while it arrives",
            stall,
            "{:.0f} ms",
            target,
            stall <= TARGET_BIG_STALL_MS,
        )
        report.add(
            "big_receive_ms", "  connect → row shown (info)", big.get("receive_ms"), "{:.0f} ms"
        )
        stall = big.get("select_stall_ms", math.nan)
        report.add(
            "big_select_stall_ms",
            "longest stall selecting it",
            stall,
            "{:.0f} ms",
            target,
            stall <= TARGET_BIG_STALL_MS,
        )
        report.add(
            "big_select_call_ms",
            "  select call itself (info)",
            big.get("select_call_ms"),
            "{:.0f} ms",
        )
        chars = big.get("preview_chars", math.nan)
        report.add(
            "big_preview_chars",
            "list row Data column (preview)",
            chars,
            "{:,.0f} chars",
            f"≤ {PREVIEW_LIMIT} chars",
            chars <= PREVIEW_LIMIT,
        )
        detail = big.get("detail_chars", math.nan)
        report.add(
            "big_detail_chars",
            f"detail view loads lazily ({big.get('detail_mode', '?')} mode)",
            detail,
            "{:,.0f} chars",
            f"< {BIG_SIZE:,}",
            detail < BIG_SIZE,
        )

    report.section(f"Export, import and filter ({args.memory_messages:,} events)")
    memory = results.get("memory", {})
    for key, label, target in (
        ("export_jsonl_s", "export to JSONL", TARGET_EXPORT_JSONL_S),
        ("export_har_s", "export to HAR", TARGET_EXPORT_HAR_S),
        ("export_csv_s", "export to CSV", TARGET_EXPORT_CSV_S),
        ("import_jsonl_s", "import the JSONL", TARGET_IMPORT_JSONL_S),
        ("filter_s", "substring filter", TARGET_FILTER_S),
        ("regex_s", "regex filter", TARGET_REGEX_S),
    ):
        value = memory.get(key)
        report.add(
            key,
            label,
            value,
            "{:.2f} s",
            f"≤ {target:g} s",
            None if value is None else value <= target,
        )
    export_lag = qt_part.get("export_lag", {})
    for fmt in ("jsonl", "csv", "har"):
        run = export_lag.get(fmt, {})
        p99 = run.get("lag_p99_ms")
        report.add(
            f"export_lag_{fmt}_p99_ms",
            f"loop lag p99 while the window exports {fmt.upper()}",
            p99,
            "{:.1f} ms",
            f"≤ {TARGET_LAG_P99_MS:.0f} ms",
            None if p99 is None else p99 <= TARGET_LAG_P99_MS,
        )
    return report


def print_diff(previous: Result | None, figures: dict[str, float | None]) -> None:
    if not previous:
        say("\nNo previous benchmarks/results/latest.json to compare with.")
        return
    old_figures = previous.get("figures", {})
    say(f"\nChange since the last run ({previous.get('timestamp', '?')}):")
    for key, new in figures.items():
        old = old_figures.get(key)
        if old is None and new is None:
            continue
        if isinstance(old, int | float) and isinstance(new, int | float) and old:
            change = f"  ({(new - old) / abs(old) * 100:+.1f}%)"
        else:
            change = ""
        say(f"  {key}: {fmt_number(old)} → {fmt_number(new)}{change}")


def fmt_number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    return str(value)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Flood benchmark: bare websockets vs wsinspector's core vs the whole app.",
    )
    parser.add_argument("--server", choices=("ws", "raw"), default="ws", help="server kind")
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
    if args.messages < 1 or args.size < 1 or args.repeat < 1 or args.memory_messages < 1:
        parser.error("--messages, --size, --repeat and --memory-messages must be positive")
    return args


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
    say(
        f"  server: {args.server} (own process); {args.messages:,} x {args.size} B per run, "
        f"{args.repeat} runs each"
    )
    dirty = " + uncommitted changes in wsinspector/" if code["dirty"] else ""
    say(f"  code: {code['commit']}{dirty}")

    results: Result = {}
    per_run = run_timeout(args.messages)
    server, port = start_server(args.server)
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
