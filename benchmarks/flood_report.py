"""The flood benchmark's report: the targets, each figure checked against its target in a
table (figure, value, target, PASS/FAIL), the machine and commit measured, and the change of
every figure since the previous run.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import subprocess
from importlib import metadata
from typing import Any

from flood_harness import ROOT, Result, median_of, percentile, say
from flood_scenarios import BIG_SIZE
from flood_socketio import socketio_section
from server_cpu import server_row

# Targets from the issue.
TARGET_RATIO_APP = 0.8  # the app with the Record box off (earlier headline, kept beside)
# Issue 20: the window as users get it (recording on, log following, rate label live).
TARGET_RATIO_DEFAULTS = 0.9
TARGET_FLOOD_LAG_P99_MS = 16.0
TARGET_FLOOD_LAG_MAX_MS = 50.0
TARGET_CLOSE_CLOSED_MS = 300.0
TARGET_LAG_P99_MS = 50.0
TARGET_RATIO_RECORDING = 0.9  # recording on / off, alternating runs of one child
TARGET_CLOSE_ANSWER_MS = 100.0
TARGET_MEMORY_BYTES = 300.0  # issue 20: resident memory per logged message
TARGET_BIG_STALL_MS = 200.0
# Export, import and filter over the memory run's log (issue: "at a million events").
TARGET_EXPORT_JSONL_S = 2.0
TARGET_EXPORT_HAR_S = 4.0
TARGET_EXPORT_CSV_S = 2.0
TARGET_IMPORT_JSONL_S = 5.0
TARGET_FILTER_S = 0.3
TARGET_REGEX_S = 1.5
PREVIEW_LIMIT = 201  # formatting.preview(): 200 characters plus "…"


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
    """Every figure of the runs against its target, section by section."""
    report = Report()
    qt_part = results.get("qt", {})
    for name, part in results.items():
        if isinstance(part, dict) and "error" in part:
            report.errors.append(f"{name}: {part['error']}")
    if args.socketio_only:
        socketio_section(report, results, args)
        return report
    app_rate = throughput(report, results, args)
    recording(report, qt_part, app_rate)
    socketio_section(report, results, args)
    responsiveness(report, qt_part, results.get("asyncio", {}).get("bare_close", []))
    memory_use(report, results, args)
    big_message(report, qt_part, args)
    log_files(report, results, args)
    return report


def throughput(report: Report, results: Result, args: argparse.Namespace) -> float:
    """1, 2 and 3: rates, ratios and counts; the app's rate, for the recording ratio."""
    n, size = args.messages, args.size
    asyncio_part = results.get("asyncio", {})
    qt_part = results.get("qt", {})
    bare = asyncio_part.get("bare", [])
    core = asyncio_part.get("core", [])
    app = qt_part.get("app", [])
    bare_rate = median_of(bare)
    core_rate = median_of(core)
    app_rate = median_of(app)
    # The window's ceiling: the bare client alternating with it in its own child (1q), as the
    # Socket.IO section has it; 1, in the asyncio child, is the ceiling of 2.
    bare_qt = qt_part.get("bare_qasync", [])
    bare_qt_rate = median_of(bare_qt)
    deflate = ", permessage-deflate" if getattr(args, "deflate", False) else ""
    report.section(
        f"Throughput: {n:,} x {size} B text, {args.server} server{deflate}, median of runs"
    )
    report.add("bare_rate", "1 bare websockets client (asyncio)", bare_rate, "{:,.0f}/s", "ceiling")
    report.add(
        "bare_qasync_rate",
        "1q the same under qasync, alternating with 3 (3's ceiling)",
        bare_qt_rate,
        "{:,.0f}/s",
    )
    # When the server is the bottleneck, it sets the ratios (server_cpu.py says why).
    server_row(
        report, "server_us_bare", "  the server's CPU per message serving 1q (info)", bare_qt
    )
    server_row(
        report,
        "server_us_defaults",
        "  the server's CPU per message serving the window, recording (info)",
        qt_part.get("app_recording", []),
    )
    # The headline: what users run (the Record box on by default), then Record off beside it.
    defaults_rate = median_of(qt_part.get("app_recording", []))
    ratio_defaults = defaults_rate / bare_qt_rate if bare_qt_rate else math.nan
    report.add(
        "ratio_defaults",
        "HEADLINE window with defaults (recording on) / 1q",
        ratio_defaults,
        "{:.2f}",
        f"≥ {TARGET_RATIO_DEFAULTS}",
        ratio_defaults >= TARGET_RATIO_DEFAULTS,
    )
    report.add(
        "ratio_record_off",
        "  beside it: Record box off / 1q",
        app_rate / bare_qt_rate if bare_qt_rate else math.nan,
        "{:.2f}",
    )
    report.add(
        "ratio_defaults_other_child",
        "  the headline against 1, another child's runs (info)",
        defaults_rate / bare_rate if bare_rate else math.nan,
        "{:.2f}",
    )
    report.add("core_rate", "2 core Session + EventLog", core_rate, "{:,.0f}/s")
    report.add("app_rate", "3 whole app (window, qasync)", app_rate, "{:,.0f}/s")
    ratio_core = core_rate / bare_rate if bare_rate else math.nan
    ratio_app = app_rate / bare_qt_rate if bare_qt_rate else math.nan
    report.add("ratio_core", "ratio 2/1", ratio_core, "{:.2f}")
    report.add(
        "ratio_app",
        "ratio 3/1q",
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

    return app_rate


def recording(report: Report, qt_part: Result, app_rate: float) -> None:
    """The app recording into the capture, against the app not recording."""
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


def responsiveness(report: Report, qt_part: Result, bare_closes: list[Result]) -> None:
    """The loop lag during the app's flood, as users run it (recording), and the Close button
    beside a bare client's close in the same flood (what the server takes to answer)."""
    recorded = qt_part.get("app_recording", [])
    report.section("Responsiveness (app with defaults: recording on)")
    lags = [lag for run in recorded for lag in run.get("lag_ms", [])]
    if lags:
        p50, p99, worst = percentile(lags, 50), percentile(lags, 99), max(lags)
    else:
        p50 = p99 = worst = math.nan
    report.add("lag_p50_ms", "loop lag during flood p50", p50, "{:.1f} ms")
    report.add(
        "lag_p99_ms",
        "loop lag during flood p99",
        p99,
        "{:.1f} ms",
        f"≤ {TARGET_FLOOD_LAG_P99_MS:.0f} ms",
        p99 <= TARGET_FLOOD_LAG_P99_MS,
    )
    report.add(
        "lag_max_ms",
        "loop lag during flood max",
        worst,
        "{:.1f} ms",
        f"≤ {TARGET_FLOOD_LAG_MAX_MS:.0f} ms",
        worst <= TARGET_FLOOD_LAG_MAX_MS,
    )
    off = [lag for run in qt_part.get("app", []) for lag in run.get("lag_ms", [])]
    report.add(
        "record_off_lag_p99_ms",
        "  Record box off: p99 (info)",
        percentile(off, 99) if off else math.nan,
        "{:.1f} ms",
    )
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
    closed = median_of(clicks, "closed_ms")
    report.add(
        "close_closed_ms",
        "Close button → closed, median",
        closed,
        "{:.1f} ms",
        f"≤ {TARGET_CLOSE_CLOSED_MS:.0f} ms",
        closed <= TARGET_CLOSE_CLOSED_MS,
    )
    if clicks:
        clean = sum(1 for click in clicks if click.get("close_clean"))
        report.text(
            "  closing handshakes completed (info)",
            f"{clean} of {len(clicks)}" + ("" if clean == len(clicks) else " (close_timeout)"),
        )
    if bare_closes:
        report.add(
            "bare_close_closed_ms",
            "  bare client's close() → closed, same flood, median (info)",
            median_of(bare_closes, "closed_ms"),
            "{:.1f} ms",
        )


def memory_use(report: Report, results: Result, args: argparse.Namespace) -> None:
    """Resident bytes per logged message, the core's and (--memory-app) the app's."""
    report.section("Memory")
    if args.skip_memory:
        report.text(
            "resident bytes per logged 100 B message", "skipped", f"≤ {TARGET_MEMORY_BYTES:.0f} B"
        )
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


def big_message(report: Report, qt_part: Result, args: argparse.Namespace) -> None:
    """One 16 MiB message: stalls, the row's preview, the lazy detail view."""
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


def log_files(report: Report, results: Result, args: argparse.Namespace) -> None:
    """Export, import and filter over the memory run's log; the window's export loop lag."""
    qt_part = results.get("qt", {})
    report.section(f"Export, import and filter ({args.memory_messages:,} events)")
    memory = results.get("memory", {})
    if args.skip_memory:
        # They run over the memory run's log: not measured, rather than failed.
        report.text("export, import and filter the log", "skipped", "")
    else:
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
