"""The capture database at a million messages: recording rate, opening, search.

    python benchmarks/capture.py [--messages 1000000] [--fts]

Fills a fresh capture in a temporary folder through the real Recorder and writer thread
(messages appended to an EventLog as a flood would), then measures:
- writer alone: messages per second of the writer thread, a filled log handed over at once;
- record: messages per second appended to a log and through the writer, to the last commit;
- open: CaptureStore.session_events() of the million-message session and reading rows at the
  start, middle and end, with the memory it adds (RSS);
- search: store.search() for a word in one message (the whole capture is scanned) and for
  a word in no message.
With --fts it also measures the alternative: an FTS5 trigram index kept on the text payloads
(a contentless table filled in the same transactions), its cost to the recording rate and
its search time, to choose between the two (see core/storage/capture/search.py).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.storage.capture import CaptureStore

WORDS = "alpha beta gamma delta price tick order trade symbol quote bid ask volume".split()  # noqa: SIM905


def payloads(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for number in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        out.append(
            f'{{"seq":{number},"type":"tick","text":"{words}","value":{rng.random():.6f}}}'.encode()
        )
    return out


def rss_mb() -> float:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def record(store: CaptureStore, data: list[bytes]) -> float:
    log = EventLog(None)
    recorder = store.start_recording(log, uri="ws://bench/", until_end=False)
    now = time.time()
    start = time.perf_counter()
    append = log.append_message
    for number, payload in enumerate(data):
        append(1, number % 2 == 0, True, payload, now, 0.0)
    recorder.stop(wait=600)
    return len(data) / (time.perf_counter() - start)


def writer_alone(store: CaptureStore, data: list[bytes]) -> float:
    """Messages per second of the writer thread by itself: the log is filled first, then
    handed over at once; timed from the hand-over to the last commit."""
    log = EventLog(None)
    now = time.time()
    append = log.append_message
    for number, payload in enumerate(data):
        append(1, number % 2 == 0, True, payload, now, 0.0)
    recorder = store.start_recording(log, uri="ws://bench/", until_end=False, from_id=log.first_id)
    start = time.perf_counter()
    recorder.stop(wait=600)
    return len(data) / (time.perf_counter() - start)


def fts_record(path: Path, data: list[bytes], index: bool) -> float:
    """Rows written the way the writer writes them, with or without a trigram index."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute(
        "CREATE TABLE events (key INTEGER PRIMARY KEY, event_id INTEGER, conn INTEGER,"
        " incoming INTEGER, text INTEGER, payload BLOB, wall REAL, mono REAL, record TEXT)"
    )
    if index:
        connection.execute(
            "CREATE VIRTUAL TABLE events_fts USING fts5(payload, content='', tokenize='trigram')"
        )
    start = time.perf_counter()
    batch = 8192
    for first in range(0, len(data), batch):
        part = data[first : first + batch]
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO events VALUES (?, ?, 1, 1, 1, ?, 0.0, 0.0, NULL)",
            ((first + i, first + i, p) for i, p in enumerate(part)),
        )
        if index:
            connection.executemany(
                "INSERT INTO events_fts (rowid, payload) VALUES (?, ?)",
                ((first + i, p.decode()) for i, p in enumerate(part)),
            )
        connection.execute("COMMIT")
    rate = len(data) / (time.perf_counter() - start)
    if index:
        for needle in ('seq":777777,', "no such word here"):
            begin = time.perf_counter()
            rows = connection.execute(
                "SELECT rowid FROM events_fts WHERE events_fts MATCH ? LIMIT 200",
                ('"' + needle.replace('"', '""') + '"',),
            ).fetchall()
            print(
                f"  fts search {needle!r}: {len(rows)} hits in"
                f" {1000 * (time.perf_counter() - begin):.0f} ms"
            )
    connection.close()
    print(f"  file: {os.path.getsize(path) / 2**20:.0f} MiB")
    return rate


def window_open(folder: Path, session: int) -> None:
    """MainWindow.open_captured_session() of the big session: time to the first paint, to the
    last row scrolled into view, and the memory it adds."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["WSINSPECTOR_DATA_DIR"] = str(folder)
    os.environ["WSINSPECTOR_CONFIG_DIR"] = str(folder / "config")
    from PySide6.QtWidgets import QApplication

    from wsinspector.qt import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    before = rss_mb()
    begin = time.perf_counter()
    page = window.open_captured_session(session)
    app.processEvents()
    shown = time.perf_counter() - begin
    page.log_view.scrollToBottom()
    app.processEvents()
    page.log_view.scrollToTop()
    app.processEvents()
    scrolled = time.perf_counter() - begin
    rows = page.model.rowCount()
    print(
        f"window: {rows:,} rows shown in {1000 * shown:.0f} ms, scrolled to the end and back"
        f" by {1000 * scrolled:.0f} ms, +{rss_mb() - before:.1f} MB"
    )
    assert window.capture is not None
    window.capture.close()
    window.capture = None
    window.hide()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--fts", action="store_true", help="also measure an FTS5 trigram index")
    parser.add_argument(
        "--window",
        action="store_true",
        help="also open the session in the window (offscreen) and scroll it",
    )
    args = parser.parse_args()
    data = payloads(args.messages)
    with tempfile.TemporaryDirectory() as folder:
        store = CaptureStore.open(Path(folder) / "capture.sqlite3")
        rate = writer_alone(store, data)
        print(f"writer alone: {rate:,.0f} messages/s (the log filled first)")
        store.delete_session(store.sessions()[0].id)
        rate = record(store, data)
        print(f"record: {rate:,.0f} messages/s appended and written (both threads)")
        print(f"  file: {os.path.getsize(store.path) / 2**20:.0f} MiB")
        session = store.sessions()[0].id
        before = rss_mb()
        begin = time.perf_counter()
        events = store.session_events(session)
        for index in (0, len(events) // 2, len(events) - 1):
            events[index]
        opened = time.perf_counter() - begin
        print(
            f"open: {len(events):,} events in {1000 * opened:.0f} ms, +{rss_mb() - before:.1f} MB"
        )
        for needle in ('SEQ":777777,', "no such word here"):
            begin = time.perf_counter()
            hits = store.search(needle, 200)
            took = time.perf_counter() - begin
            print(f"search {needle!r}: {len(hits)} hits in {1000 * took:.0f} ms")
        store.close()
        if args.window:
            window_open(Path(folder), session)
        if args.fts:
            for index in (False, True):
                path = Path(folder) / f"fts-{index}.sqlite3"
                rate = fts_record(path, data, index)
                label = "with a trigram index" if index else "without an index"
                print(f"plain inserts {label}: {rate:,.0f} rows/s")
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
