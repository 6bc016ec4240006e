"""The History sidebar with real recordings: sessions recorded from a core Session against a
websockets server on 127.0.0.1 into a CaptureStore in the test's private data folder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from helpers.servers import RecordingServer
from helpers.ui import find, row_texts
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QLabel, QLineEdit, QTreeView
from pytestqt.qtbot import QtBot

from wsinspector.core.capture import CaptureStore
from wsinspector.core.eventlog import EventLog
from wsinspector.core.events import ConnState
from wsinspector.core.logfiles import import_log
from wsinspector.core.options import ConnectionOptions
from wsinspector.core.paths import data_dir
from wsinspector.core.session import Session
from wsinspector.qt.history_view import HistorySidebar

WAIT_MS = 5000


def run_on_loop(qtbot: QtBot, coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on the qasync loop while Qt spins (never a wait inside it)."""
    task = asyncio.get_running_loop().create_task(coroutine)
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    return task.result()


def record(
    qtbot: QtBot,
    store: CaptureStore,
    options: ConnectionOptions,
    messages: list[str],
    *,
    profile: str = "",
    close: tuple[int, str] = (1000, ""),
) -> int:
    """Connect, send `messages` (the echo server sends each back), close: one recorded session."""
    log = EventLog()
    recorder = store.start_recording(log, uri=options.uri, profile=profile, options=options)
    session = Session(options, log)
    session.start()
    qtbot.waitUntil(lambda: session.state is ConnState.OPEN, timeout=WAIT_MS)
    for text in messages:
        run_on_loop(qtbot, session.send_text(text))
    qtbot.waitUntil(lambda: log.counters.messages_in == len(messages), timeout=WAIT_MS)
    run_on_loop(qtbot, session.close(*close))
    qtbot.waitUntil(lambda: not recorder.recording, timeout=WAIT_MS)
    assert store.sync(5)
    return recorder.session_id


@pytest.fixture
def store(qloop: qasync.QEventLoop) -> Iterator[CaptureStore]:
    capture = CaptureStore.open_default()  # in the test's private WSINSPECTOR_DATA_DIR
    yield capture
    capture.close()


@pytest.fixture
def sidebar(store: CaptureStore, qtbot: QtBot) -> Iterator[HistorySidebar]:
    widget = HistorySidebar(store)
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    yield widget
    widget.shutdown()


def history_rows(sidebar: HistorySidebar) -> list[str]:
    """What the History shows, day rows and indented session rows, top to bottom."""
    view = find(sidebar, QTreeView, "historyView")
    model = view.model()
    rows = []
    for day in range(model.rowCount()):
        day_index = model.index(day, 0)
        rows.append(str(day_index.data()))
        for row in range(model.rowCount(day_index)):
            cells = [
                str(model.index(row, column, day_index).data() or "")
                for column in range(model.columnCount(day_index))
            ]
            rows.append("  " + " | ".join(cells))
    return rows


def session_index(sidebar: HistorySidebar, number: int) -> QModelIndex:
    """The `number`th session row of the History (0 = newest)."""
    model = find(sidebar, QTreeView, "historyView").model()
    day = model.index(0, 0)
    return model.index(number, 0, day)


def answers(*replies: bool) -> tuple[Callable[..., bool], list[str]]:
    asked: list[str] = []
    queue = list(replies)

    def confirm(_parent: object, question: str) -> bool:
        asked.append(question)
        return queue.pop(0)

    return confirm, asked


def test_history_lists_sessions_newest_first_with_counts_and_end(
    qtbot: QtBot, store: CaptureStore, recording_server: RecordingServer
) -> None:
    sidebar = HistorySidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.show()
    assert find(sidebar, QLabel, "historyEmptyLabel").isVisible()
    echo = recording_server.url("/echo")
    record(qtbot, store, ConnectionOptions(echo), ["one", "two", "three"], close=(4000, "bye"))
    record(qtbot, store, ConnectionOptions(echo), ["only"], profile="Local echo")
    # The History notices the recordings on its own (a cheap poll), newest first.
    qtbot.waitUntil(lambda: len(history_rows(sidebar)) == 3, timeout=WAIT_MS)
    rows = history_rows(sidebar)
    assert rows[0] == "Today"
    assert rows[1].startswith("  Local echo | ")
    assert "↓ 1 ↑ 1" in rows[1]
    assert "Closed by the client: 1000 normal closure" in rows[1]
    assert rows[2].startswith(f"  {echo} | ")
    assert "↓ 3 ↑ 3" in rows[2]
    assert "4000" in rows[2] and "“bye”" in rows[2]
    assert not find(sidebar, QLabel, "historyEmptyLabel").isVisible()
    sidebar.shutdown()


def test_search_finds_a_message_of_an_older_session(
    qtbot: QtBot, store: CaptureStore, sidebar: HistorySidebar, recording_server: RecordingServer
) -> None:
    echo = recording_server.url("/echo")
    older = record(qtbot, store, ConnectionOptions(echo), ["alpha", "the NEEDLE is here", "omega"])
    record(qtbot, store, ConnectionOptions(echo), ["nothing to see"])
    sidebar.refresh()
    opened: list[tuple[int, int]] = []
    sidebar.open_requested.connect(lambda session, row: opened.append((session, row)))
    qtbot.keyClicks(find(sidebar, QLineEdit, "historySearchEdit"), "needle")
    results = find(sidebar, QTreeView, "historySearchResults")
    assert results.isVisible() and not find(sidebar, QTreeView, "historyView").isVisible()
    # Sent and echoed back: two matches, both in the older session.
    qtbot.waitUntil(lambda: results.model().rowCount() == 2, timeout=WAIT_MS)
    rows = row_texts(results.model())
    assert rows[0].startswith("the NEEDLE is here | ")
    assert "↑ Sent" in rows[0] and "↓ Received" in rows[1]
    assert "2 matches" in find(sidebar, QLabel, "historySearchStatusLabel").text()
    first = results.model().index(0, 0)
    results.activated.emit(first)
    events = store.session_events(older)
    assert opened and opened[0][0] == older
    assert "NEEDLE" in str(events[opened[0][1]])
    find(sidebar, QLineEdit, "historySearchEdit").clear()
    assert find(sidebar, QTreeView, "historyView").isVisible()


def test_delete_asks_first_then_removes(
    qtbot: QtBot, store: CaptureStore, sidebar: HistorySidebar, recording_server: RecordingServer
) -> None:
    echo = recording_server.url("/echo")
    kept = record(qtbot, store, ConnectionOptions(echo), ["keep me"])
    gone = record(qtbot, store, ConnectionOptions(echo), ["delete me"], profile="Doomed")
    sidebar.refresh()
    view = find(sidebar, QTreeView, "historyView")
    view.setCurrentIndex(session_index(sidebar, 0))
    sidebar.confirm, asked = answers(False, True)
    assert not sidebar.delete_selected()
    assert len(asked) == 1 and "Doomed" in asked[0]
    assert store.session(gone) is not None
    assert sidebar.delete_selected()
    assert store.session(gone) is None and store.session(kept) is not None
    assert [row.split(" | ")[0] for row in history_rows(sidebar)] == ["Today", f"  {echo}"]


def test_clear_history_asks_first(
    qtbot: QtBot, store: CaptureStore, sidebar: HistorySidebar, recording_server: RecordingServer
) -> None:
    echo = recording_server.url("/echo")
    record(qtbot, store, ConnectionOptions(echo), ["a"])
    record(qtbot, store, ConnectionOptions(echo), ["b"])
    sidebar.refresh()
    sidebar.confirm, asked = answers(False, True)
    assert not sidebar.clear_history()
    assert "2 recorded sessions" in asked[0]
    assert len(store.sessions()) == 2
    assert sidebar.clear_history()
    assert store.sessions() == []
    assert history_rows(sidebar) == []
    assert find(sidebar, QLabel, "historyEmptyLabel").isVisible()


def test_make_a_profile_from_a_session(
    qtbot: QtBot, store: CaptureStore, sidebar: HistorySidebar, recording_server: RecordingServer
) -> None:
    options = ConnectionOptions(
        recording_server.url("/echo"),
        subprotocols=("chat",),
        headers=(("X-Team", "blue"),),
    )
    record(qtbot, store, options, ["hi"])
    sidebar.refresh()
    find(sidebar, QTreeView, "historyView").setCurrentIndex(session_index(sidebar, 0))
    wanted: list[ConnectionOptions] = []
    sidebar.profile_requested.connect(wanted.append)
    sidebar.profile_from_selected()
    assert len(wanted) == 1
    assert wanted[0].uri == options.uri
    assert wanted[0].headers == (("X-Team", "blue"),)
    assert wanted[0].subprotocols == ("chat",)


def test_export_a_session_as_jsonl(
    qtbot: QtBot,
    store: CaptureStore,
    sidebar: HistorySidebar,
    recording_server: RecordingServer,
    tmp_path: Path,
) -> None:
    record(qtbot, store, ConnectionOptions(recording_server.url("/echo")), ["x1", "x2"])
    sidebar.refresh()
    find(sidebar, QTreeView, "historyView").setCurrentIndex(session_index(sidebar, 0))
    target = tmp_path / "session.jsonl"
    sidebar.ask_export_path = lambda *_args: str(target)
    sidebar.export_selected()
    notice = find(sidebar, QLabel, "historyNoticeLabel")
    qtbot.waitUntil(lambda: "Exported" in notice.text(), timeout=WAIT_MS)
    texts = [str(getattr(event, "data", b"")) for _id, event in import_log(target).items()]
    assert sum("x1" in text for text in texts) == 2 and sum("x2" in text for text in texts) == 2


def test_retention_note_is_shown(
    qtbot: QtBot, store: CaptureStore, recording_server: RecordingServer
) -> None:
    record(qtbot, store, ConnectionOptions(recording_server.url("/echo")), ["old"])
    # A month and a day later, the age limit removes it and says so.
    store.apply_retention(now=store.sessions()[0].started + 31 * 86_400)
    sidebar = HistorySidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.show()
    label = find(sidebar, QLabel, "historyRetentionLabel")
    assert label.isVisible() and "older than 30 days" in label.text()
    sidebar.shutdown()
    assert Path(store.path).parent == data_dir()
