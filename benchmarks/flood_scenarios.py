"""The flood benchmark's scenarios: what each child process measures, with the harness's
clients and clocks (flood_harness.py). `asyncio`: the bare client and the core Session (1, 2);
`memory`: resident bytes per message and the log files' timings; `qt`: the bare client under
qasync, the whole app with and without recording (3), the Close button, the window's export
and one 16 MiB message; `memory-app`: memory with the whole app.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flood_harness import (
    TICK_MS,
    Result,
    StateWatch,
    Ticks,
    app_allocator,
    bare_close_run,
    bare_run,
    close_window,
    connect_window,
    core_run,
    find,
    flood_uri,
    flood_window,
    log_model,
    log_summary,
    log_view,
    now,
    open_window,
    percentile,
    private_data_dir,
    rss_bytes,
    run_timeout,
    say,
    start_qt_app,
    status_label,
    wait_ended,
    wait_until,
)
from server_cpu import ServerCpu

if TYPE_CHECKING:  # Qt is imported by the Qt child only
    from PySide6.QtWidgets import QTableView

    from wsinspector.qt import MainWindow
    from wsinspector.qt.workspace.logmodel import LogModel

BIG_SIZE = 16 * 2**20
CLOSE_CLICK_AFTER = 1.0  # seconds of flood before the Close button is clicked


# =============================================================================================
# Child: plain asyncio (1 and 2)
# =============================================================================================


def child_asyncio(args: argparse.Namespace) -> Result:
    app_allocator()
    uri = flood_uri(args.port, args.messages, args.size)

    async def main() -> Result:
        bare: list[Result] = []
        core: list[Result] = []
        server = ServerCpu(args.port)
        for i in range(args.repeat):
            run = await server.measure(bare_run(uri, args.messages))
            bare.append(run)
            say(f"  [1 bare asyncio] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s")
            gc.collect()
            run = await core_run(uri, args.messages)
            core.append(run)
            say(f"  [2 core session] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s")
            gc.collect()
        closes: list[Result] = []
        for i in range(args.repeat):
            run = await bare_close_run(flood_uri(args.port, 0, args.size), CLOSE_CLICK_AFTER)
            closes.append(run)
            say(f"  [1 bare close] {i + 1}/{args.repeat}: closed in {run['closed_ms']:.1f} ms")
        return {"bare": bare, "core": core, "bare_close": closes}

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
    """1 under qasync (1q), 3 without and 3 with recording, alternating, --repeat times:
    (bare runs, app runs, app runs recording). The window's ratios are against 1q, the bare
    client in the window's own process a few seconds before it: same loop, same allocator,
    same heap, only the client differs (as the Socket.IO section compares c with a)."""
    uri = flood_uri(args.port, args.messages, args.size)
    server = ServerCpu(args.port)
    bare: list[Result] = []
    runs: list[Result] = []
    recorded: list[Result] = []
    for i in range(args.repeat):
        run = await server.measure(bare_run(uri, args.messages))
        bare.append(run)
        say(f"  [1q bare qasync] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s")
        gc.collect()
        run = await server.measure(app_run(uri, args.messages))
        runs.append(run)
        say(
            f"  [3 app] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s, "
            f"{run['rows']:,} rows, loop lag p99 {percentile(run['lag_ms'], 99):.1f} ms"
            if run["lag_ms"]
            else f"  [3 app] run {i + 1}/{args.repeat}: {run['rate']:,.0f} msg/s"
        )
        gc.collect()
        run = await server.measure(app_run(uri, args.messages, record=True))
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
    import qasync

    import wsinspector.qt  # noqa: F401  # an import error fails the child before any run
    from wsinspector.app import settle_process

    app = start_qt_app()
    settle_process(app)  # as wsinspector.app.main does before it builds the window
    with private_data_dir():
        return asyncio.run(qt_main(args), loop_factory=lambda: qasync.QEventLoop(app))


CHILDREN: dict[str, Callable[[argparse.Namespace], Result]] = {
    "asyncio": child_asyncio,
    "qt": child_qt,
    "memory": child_memory,
    "memory-app": child_qt,
}
