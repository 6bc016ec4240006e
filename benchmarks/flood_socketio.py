"""The flood benchmark's decoded-protocol rows: a Socket.IO flood against a bare client.

A real Node socket.io v4 server (tests/node/socketio_flood_server.js, started as the tests
start it, tests/helpers/node.py) emits N `tick` events of about S bytes on each connection,
then disconnects; Engine.IO pings every 500 ms through the flood. Measured, alternating:

  a. a bare websockets client reading the server's raw WebSocket messages; it does only what
     keeps it connected: the namespace connect (`40`) after the open packet and a pong (`3`)
     for every ping (`2`);
  a2. the same done by the fastest reader Python can be (fastest_reader.py), for information:
     the server serves a client that keeps up at a higher cost per event;
  b. the core Session with a ProtocolDriver running Socket.IO (plain asyncio, no Qt);
  c. the whole window on a Socket.IO page with its defaults (recording into the capture, log
     following), qasync loop;

a, b and a2 in one child process (`socketio`), a (under qasync) and c in another (`socketio-qt`);
each ratio is against the bare runs of its own child. Rates count the `tick` events, from the
first to the close; every event must reach the log (and the capture), and the connection
must end with the server's disconnect, never a ping timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
from typing import TYPE_CHECKING, Any

from fastest_reader import fastest_run
from flood_harness import (
    TICK_MS,
    Result,
    StateWatch,
    Ticks,
    app_allocator,
    close_window,
    counted,
    find,
    log_model,
    median_of,
    now,
    open_window,
    percentile,
    private_data_dir,
    run_timeout,
    say,
    start_qt_app,
    wait_ended,
    wait_until,
)
from server_cpu import ServerCpu, server_row

if TYPE_CHECKING:
    from flood_report import Report

    from wsinspector.core.log.eventlog import EventLog

SERVER_SCRIPT = "socketio_flood_server.js"
# Issue 20: "a Socket.IO-decoded flood once that exists, at ≥ 0.8" of a bare client.
TARGET_RATIO_SOCKETIO = 0.8
EVENT_PREFIX = b'42["tick"'


def socketio_url(port: int, messages: int, size: int) -> str:
    """The page's URL as a user types it; the flood's size in the query."""
    return f"http://127.0.0.1:{port}/socket.io/?n={messages}&size={size}"


def wire_url(port: int, messages: int, size: int) -> str:
    """The websocket transport's URL, as the protocol makes it (socketio_uri)."""
    from wsinspector.core.protocols.socketio import socketio_uri

    return socketio_uri(socketio_url(port, messages, size))


# =============================================================================================
# The server, in the parent
# =============================================================================================


def server_context() -> Any:
    """A context manager yielding the port of the Node Socket.IO flood server; RuntimeError
    when Node, npm or the packages can't be had (the rows are then skipped)."""
    from helpers.node import node_server

    return node_server(SERVER_SCRIPT)


# =============================================================================================
# The measurements, in the children
# =============================================================================================


async def bare_run(port: int, expected: int, size: int) -> Result:
    """a: a bare websockets client: counts the events, answers pings, connects the namespace."""
    from websockets.asyncio.client import connect

    count = pings = 0
    first = 0.0
    async with (
        asyncio.timeout(run_timeout(expected)),
        connect(
            wire_url(port, expected, size), compression=None, ping_interval=None, max_size=None
        ) as ws,
    ):
        async for message in ws:
            head = message[:2]
            if head == "42":
                if not count:
                    first = now()
                count += 1
            elif head[:1] == "2":
                pings += 1
                await ws.send("3" + str(message[1:]))
            elif head[:1] == "0":
                await ws.send("40")
    return {**counted(count, expected, first), "pings": pings}


def flood_summary(log: EventLog, expected: int) -> Result:
    """The events in a log, the time from the first to the close, pings answered, the end."""
    from wsinspector.core.log.events import CloseEvent, MessageEvent, NoteEvent

    first = end = math.nan
    count = pings = pongs = 0
    for entry in log.entries():
        if type(entry) is tuple:
            incoming, data = entry[1], entry[3]
            if incoming and data.startswith(EVENT_PREFIX):
                count += 1
            elif incoming and data[:1] == b"2":
                pings += 1
            elif not incoming and data[:1] == b"3":
                pongs += 1
    for event in log:
        if type(event) is MessageEvent and event.data.startswith(EVENT_PREFIX):
            first = event.mono
            break
    close = next((e for e in reversed(log) if type(e) is CloseEvent), None)
    if close is not None:
        end = close.mono
    seconds = end - first
    return {
        "messages": count,
        "expected": expected,
        "events": len(log),
        "messages_in": log.counters.messages_in,
        "seconds": seconds,
        "rate": count / seconds if seconds > 0 else 0.0,
        "pings": pings,
        "pongs": pongs,
        "close_code": close.code if close else None,
        "close_initiator": close.initiator if close else None,
        "notes": [e.text for e in log if type(e) is NoteEvent][:5],  # why it ended, if early
    }


async def core_run(port: int, expected: int, size: int) -> Result:
    """b: the core Session with a ProtocolDriver decoding Socket.IO."""
    from wsinspector.core.log.eventlog import EventLog
    from wsinspector.core.protocols.driver import start_session
    from wsinspector.core.websocket.options import ConnectionOptions

    log = EventLog()
    options = ConnectionOptions(
        socketio_url(port, expected, size),
        compression=False,
        ping_interval=None,
        max_message_size=None,
        protocol="socketio",
    )
    session, driver = start_session(options, log)
    assert session.task is not None and driver is not None
    try:
        await asyncio.wait_for(asyncio.shield(session.task), run_timeout(expected))
    except TimeoutError:
        await session.close(timeout=5)
        raise
    finally:
        await driver.stop()
    return flood_summary(log, expected)


async def window_run(port: int, expected: int, size: int) -> Result:
    """c: the whole window on a Socket.IO page, recording (the defaults); the loop lag too."""
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton

    window = await open_window()
    find(window, QCheckBox, "recordCheck").setChecked(True)
    combo = find(window, QComboBox, "protocolCombo")
    combo.setCurrentIndex(combo.findData("socketio"))
    watch = StateWatch(window)
    ticks = Ticks()
    ticks.start()
    try:
        find(window, QLineEdit, "uriEdit").setText(socketio_url(port, expected, size))
        find(window, QPushButton, "connectButton").click()
        await wait_ended(window, watch, run_timeout(expected))
        ended = now()
        ticks.stop()
        model = log_model(window)
        log = model.log
        await wait_until(lambda: model.rowCount() == len(log), 5, "the model")
        result = flood_summary(log, expected)
        result["rows"] = model.rowCount()
        first = next(
            (e.mono for e in log if getattr(e, "data", b"").startswith(EVENT_PREFIX)), math.nan
        )
        gaps = ticks.intervals(first, ended)
        result["lag_ms"] = [max(0.0, gap * 1000 - TICK_MS) for gap in gaps]
        capture = window.capture
        if capture is not None:
            capture.sync(30)
            result["captured"] = capture.sessions()[0].messages_in
        return result
    finally:
        ticks.stop()
        await close_window(window)


def child_socketio(args: argparse.Namespace) -> Result:
    """a and b, alternating, on plain asyncio."""
    app_allocator()
    n, size = args.socketio_messages, args.size

    async def main() -> Result:
        server = ServerCpu(args.port)
        bare: list[Result] = []
        core: list[Result] = []
        fastest: list[Result] = []
        for i in range(args.repeat):
            bare.append(await server.measure(bare_run(args.port, n, size)))
            say(f"  [sio a bare] run {i + 1}/{args.repeat}: {bare[-1]['rate']:,.0f} events/s")
            gc.collect()
            core.append(await server.measure(core_run(args.port, n, size)))
            say(f"  [sio b core] run {i + 1}/{args.repeat}: {core[-1]['rate']:,.0f} events/s")
            gc.collect()
            url = wire_url(args.port, n, size)
            fastest.append(await server.measure(fastest_run(url, n, EVENT_PREFIX)))
            say(
                f"  [sio a2 fastest reader] run {i + 1}/{args.repeat}: "
                f"{fastest[-1]['rate']:,.0f} events/s"
            )
            gc.collect()
        return {"bare": bare, "core": core, "fastest": fastest}

    return asyncio.run(main())


def child_socketio_qt(args: argparse.Namespace) -> Result:
    """a under qasync and c, alternating."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync

    n, size = args.socketio_messages, args.size

    async def main() -> Result:
        server = ServerCpu(args.port)
        bare: list[Result] = []
        app: list[Result] = []
        for i in range(args.repeat):
            bare.append(await server.measure(bare_run(args.port, n, size)))
            say(f"  [sio a bare qasync] run {i + 1}/{args.repeat}: {bare[-1]['rate']:,.0f}/s")
            gc.collect()
            app.append(await server.measure(window_run(args.port, n, size)))
            lag = app[-1]["lag_ms"]
            say(
                f"  [sio c window] run {i + 1}/{args.repeat}: {app[-1]['rate']:,.0f} events/s"
                + (f", loop lag p99 {percentile(lag, 99):.1f} ms" if lag else "")
            )
            gc.collect()
        return {"bare": bare, "app": app}

    import wsinspector.qt  # noqa: F401  # imported before the freeze, as the app has it
    from wsinspector.app import settle_process

    app = start_qt_app()
    settle_process(app)  # as wsinspector.app.main does before it builds the window
    with private_data_dir():
        return asyncio.run(main(), loop_factory=lambda: qasync.QEventLoop(app))


# =============================================================================================
# The report's section
# =============================================================================================


def missing_of(runs: list[Result], *, window: bool = False) -> int:
    """Events not logged (or logged twice), rows the model lacks, messages the capture lacks."""
    missing = 0
    for run in runs:
        missing += abs(run["expected"] - run["messages"])
        if window:
            missing += abs(run["events"] - run["rows"])
            missing += abs(run["messages_in"] - run.get("captured", 0))
    return missing


def socketio_section(report: Report, results: Result, args: argparse.Namespace) -> None:
    """a, b and c: rates, the ratios to a with their target, nothing lost, pings answered."""
    report.section(
        f"Socket.IO flood: {args.socketio_messages:,} events of ~{args.size} B, Node socket.io"
        " v4 server, median of runs"
    )
    if args.skip_socketio:
        report.text("Socket.IO flood", "skipped", "")
        return
    plain = results.get("socketio", {})
    qt_part = results.get("socketio_qt", {})
    if "skipped" in plain:
        report.text("Socket.IO flood", "skipped", "", "")
        report.text(f"  ({plain['skipped']})", "", "")
        return
    bare, core = plain.get("bare", []), plain.get("core", [])
    bare_qt, app = qt_part.get("bare", []), qt_part.get("app", [])
    bare_rate, bare_qt_rate = median_of(bare), median_of(bare_qt)
    core_rate, app_rate = median_of(core), median_of(app)
    report.add("sio_bare_rate", "a bare websockets client (asyncio)", bare_rate, "{:,.0f}/s")
    report.add("sio_bare_qasync_rate", "  a under qasync (c's child)", bare_qt_rate, "{:,.0f}/s")
    report.add("sio_core_rate", "b core Session + ProtocolDriver", core_rate, "{:,.0f}/s")
    report.add("sio_app_rate", "c window, Socket.IO page, recording", app_rate, "{:,.0f}/s")
    server_row(report, "sio_server_us_bare", "  the server's CPU per event, a (info)", bare_qt)
    server_row(report, "sio_server_us_app", "  the server's CPU per event, c (info)", app)
    # What the server does with a client that keeps up (fastest_reader.py): fewer events.
    fastest = plain.get("fastest", [])
    report.add(
        "sio_fastest_rate",
        "  a2 fastest reader: counts events only (info)",
        median_of(fastest),
        "{:,.0f}/s",
    )
    server_row(report, "sio_server_us_fastest", "  the server's CPU per event, a2 (info)", fastest)
    target = f"≥ {TARGET_RATIO_SOCKETIO}"
    ratio_core = core_rate / bare_rate if bare_rate else math.nan
    ratio_app = app_rate / bare_qt_rate if bare_qt_rate else math.nan
    report.add(
        "sio_ratio_core",
        "ratio b/a",
        ratio_core,
        "{:.2f}",
        target,
        ratio_core >= TARGET_RATIO_SOCKETIO,
    )
    report.add(
        "sio_ratio_app",
        "HEADLINE ratio c/a (window with defaults)",
        ratio_app,
        "{:.2f}",
        target,
        ratio_app >= TARGET_RATIO_SOCKETIO,
    )
    lags = [lag for run in app for lag in run.get("lag_ms", [])]
    report.add(
        "sio_lag_p99_ms",
        "c loop lag during flood p99",
        percentile(lags, 99) if lags else math.nan,
        "{:.1f} ms",
    )
    total = sum(run["expected"] for run in core + app)
    missing = missing_of(core) + missing_of(app, window=True)
    report.add(
        "sio_missing",
        "b, c events missing (log, rows, capture)",
        float(missing),
        "{:,.0f} of " + f"{total:,}",
        "0 missing",
        missing == 0,
    )
    if missing:
        report.missing.append(f"Socket.IO flood: {missing}")
    # A client that stops answering pings is dropped mid-flood: its events then go missing.
    report.text(
        "  pings answered by b, c (info)",
        f"{sum(run.get('pongs', 0) for run in core + app)} of "
        f"{sum(run.get('pings', 0) for run in core + app)}",
    )
