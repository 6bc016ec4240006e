"""The History sidebar with real recordings: sessions recorded from a core Session against a
websockets server on 127.0.0.1 into a CaptureStore in the test's private data folder."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from helpers.servers import RecordingServer
from helpers.ui import connect_to, find, log_rows, row_texts, set_headers
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QTreeView,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from wsinspector.core.app.paths import data_dir
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.logfiles import import_log
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session
from wsinspector.qt import MainWindow
from wsinspector.qt.docks.history_model import HISTORY_COLUMNS
from wsinspector.qt.docks.history_view import HistorySidebar
from wsinspector.qt.pages.live_page import LivePage
from wsinspector.qt.window.remembered_layout import DOCK_WIDTH

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
    qtbot: QtBot,
    store: CaptureStore,
    recording_server: RecordingServer,
    qtmodeltester: ModelTester,
) -> None:
    sidebar = HistorySidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.show()
    qtmodeltester.check(find(sidebar, QTreeView, "historyView").model())
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


def test_in_the_dock_s_width_the_times_and_counts_show_whole_and_the_end_begins(
    qtbot: QtBot, store: CaptureStore, sidebar: HistorySidebar, recording_server: RecordingServer
) -> None:
    reason = "the feed was moved to another host, reconnect later"
    echo = ConnectionOptions(recording_server.url("/echo"))
    record(qtbot, store, echo, ["a"], close=(4000, reason))
    qtbot.waitUntil(lambda: len(history_rows(sidebar)) == 2, timeout=WAIT_MS)
    sidebar.resize(DOCK_WIDTH, 500)  # the History dock's width in a new window
    view = find(sidebar, QTreeView, "historyView")
    qtbot.waitUntil(lambda: view.viewport().width() < DOCK_WIDTH, timeout=WAIT_MS)
    header, width = view.header(), view.viewport().width()
    assert view.horizontalScrollBar().value() == 0
    for column in range(header.count() - 1):  # Session, Started, Messages, Duration: whole
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= width, f"{HISTORY_COLUMNS[column]} ends at {right} of {width} px"
    # The end, a sentence, comes last: it begins in view, and its tooltip has it whole.
    end = session_index(sidebar, 0).siblingAtColumn(header.count() - 1)
    assert HISTORY_COLUMNS[end.column()] == "Ended"
    assert header.sectionViewportPosition(end.column()) < width
    assert reason in str(end.data(Qt.ItemDataRole.ToolTipRole))


def test_search_finds_a_message_of_an_older_session(
    qtbot: QtBot,
    store: CaptureStore,
    sidebar: HistorySidebar,
    recording_server: RecordingServer,
    qtmodeltester: ModelTester,
) -> None:
    qtmodeltester.check(find(sidebar, QTreeView, "historySearchResults").model())
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


# -- in the window ----------


def window_chat(qtbot: QtBot, window: MainWindow, uri: str, texts: list[str]) -> None:
    """Connect the current page, send `texts` (echoed back), close with 1000."""
    page = window.current_page()
    before = page.log.counters.messages_in
    connect_to(qtbot, window, uri)
    for text in texts:
        find(page, QPlainTextEdit, "messageEdit").setPlainText(text)
        qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.log.counters.messages_in == before + len(texts), timeout=WAIT_MS)
    qtbot.mouseClick(find(page, QPushButton, "closeButton"), Qt.MouseButton.LeftButton)
    label = find(page, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: label.property("state") == "closed", timeout=WAIT_MS)


def window_sidebar(window: MainWindow) -> HistorySidebar:
    assert window.history_sidebar is not None
    return window.history_sidebar


def messages_in(page: LivePage) -> list[str]:
    return [row for row in log_rows(page) if " | text | " in row]


def test_window_history_opens_a_recorded_session_read_only(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    view = find(window, QTreeView, "historyView")
    assert view.isVisible()
    texts = [f"payload {n}" for n in range(12)]
    window_chat(qtbot, window, recording_server.url("/echo"), texts)
    sidebar = window_sidebar(window)
    # Listed once the recording has ended (the History looks for it by itself).
    qtbot.waitUntil(
        lambda: "Closed by the client" in " ".join(history_rows(sidebar)), timeout=WAIT_MS
    )
    assert "↓ 12 ↑ 12" in history_rows(sidebar)[1]
    tabs = find(window, QTabWidget, "connectionTabs")
    before = tabs.count()
    view.activated.emit(session_index(sidebar, 0))
    assert tabs.count() == before + 1
    page = window.current_page()
    assert page.read_only
    shown = messages_in(page)
    assert len(shown) == 24
    assert all(any(f"payload {n}" in row for row in shown) for n in range(12))


def test_the_history_counts_of_a_session_being_recorded_follow_the_page(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    """Not the counts of the moment the session appeared: while it records, its row shows
    what the page has exchanged so far (refreshed by the History's poll, about a second)."""
    page = window.current_page()
    sidebar = window_sidebar(window)
    connect_to(qtbot, window, recording_server.url("/echo"))

    def shown_counts() -> str:
        rows = sidebar.session_rows()
        return rows[0][1][2] if rows else ""

    # Listed while recording, before anything is sent.
    qtbot.waitUntil(lambda: shown_counts() == "↓ 0 ↑ 0", timeout=WAIT_MS)
    assert "Recording" in sidebar.session_rows()[0][1][4]

    def page_counts() -> str:
        counters = page.log.counters
        return f"↓ {counters.messages_in} ↑ {counters.messages_out}"

    sent = 0
    for count in (3, 4):  # two rounds: the row follows the page, not just once
        for _ in range(count):
            sent += 1
            find(page, QPlainTextEdit, "messageEdit").setPlainText(f"message {sent}")
            qtbot.mouseClick(find(page, QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
        expected = f"↓ {sent} ↑ {sent}"
        qtbot.waitUntil(lambda expected=expected: page_counts() == expected, timeout=WAIT_MS)  # type: ignore[misc]
        qtbot.waitUntil(lambda: shown_counts() == page_counts(), timeout=WAIT_MS)
        assert "Recording" in sidebar.session_rows()[0][1][4]
    # Its tooltip says the same.
    tooltip = str(session_index(sidebar, 0).siblingAtColumn(2).data(Qt.ItemDataRole.ToolTipRole))
    assert "↓ 7 received" in tooltip and "↑ 7 sent" in tooltip


def test_window_search_hit_opens_its_session_with_the_row_selected(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    echo = recording_server.url("/echo")
    texts = [f"filler {n}" for n in range(300)]
    texts[250] = "a rare giraffe appears"
    window_chat(qtbot, window, echo, texts)
    window_chat(qtbot, window, echo, ["later session"])
    sidebar = window_sidebar(window)
    qtbot.waitUntil(lambda: len(history_rows(sidebar)) == 3, timeout=WAIT_MS)
    qtbot.keyClicks(find(window, QLineEdit, "historySearchEdit"), "giraffe")
    results = find(window, QTreeView, "historySearchResults")
    qtbot.waitUntil(lambda: results.model().rowCount() == 2, timeout=WAIT_MS)
    results.activated.emit(results.model().index(1, 0))  # the echo, received
    page = window.current_page()
    assert page.read_only
    log_view = find(page, QTableView, "messageLog")
    selected = log_view.selectionModel().selectedRows()
    assert len(selected) == 1
    row = selected[0].row()
    texts_of_row = " | ".join(
        str(log_view.model().index(row, c).data() or "")
        for c in range(log_view.model().columnCount())
    )
    assert "a rare giraffe appears" in texts_of_row and "↓" in texts_of_row
    # Scrolled to: the selected row is inside the viewport.
    rect = log_view.visualRect(selected[0])
    assert log_view.viewport().rect().intersects(rect)


def test_record_quit_and_a_new_window_lists_and_opens_the_session(
    window: MainWindow, qtbot: QtBot, recording_server: RecordingServer
) -> None:
    texts = [f"kept {n}" for n in range(30)]
    window_chat(qtbot, window, recording_server.url("/echo"), texts)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)

    second = MainWindow()
    second.show()
    try:
        sidebar = window_sidebar(second)
        rows = history_rows(sidebar)
        assert rows[0] == "Today" and len(rows) == 2
        assert "↓ 30 ↑ 30" in rows[1] and "Closed by the client: 1000" in rows[1]
        find(second, QTreeView, "historyView").activated.emit(session_index(sidebar, 0))
        page = second.current_page()
        assert page.read_only
        shown = messages_in(page)
        assert len(shown) == 60
        assert all(
            sum(f"kept {n} " in r or r.endswith(f"kept {n}") for r in shown) == 2 for n in range(30)
        )
    finally:
        second.close()
        qtbot.waitUntil(lambda: not second.isVisible(), timeout=WAIT_MS)
        second.deleteLater()


def test_window_make_a_profile_saves_uri_and_headers(
    window: MainWindow,
    qtbot: QtBot,
    recording_server: RecordingServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_headers(window, [("X-Team", "blue")])
    window_chat(qtbot, window, recording_server.url("/echo"), ["hello"])
    sidebar = window_sidebar(window)
    qtbot.waitUntil(lambda: len(history_rows(sidebar)) == 2, timeout=WAIT_MS)
    find(window, QTreeView, "historyView").setCurrentIndex(session_index(sidebar, 0))
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *_args: ("From history", True))
    )
    sidebar.action_profile.trigger()
    (profile,) = [p for p in window.store.profiles() if p.name == "From history"]
    assert profile.options.uri == recording_server.url("/echo")
    assert ("X-Team", "blue") in profile.options.headers


def test_a_capture_that_fails_to_write_says_so_in_the_history(
    qtbot: QtBot,
    store: CaptureStore,
    sidebar: HistorySidebar,
    recording_server: RecordingServer,
) -> None:
    options = ConnectionOptions(recording_server.url("/echo"))
    record(qtbot, store, options, ["saved"])
    problem = find(sidebar, QLabel, "historyProblemLabel")
    assert not problem.isVisible()
    # Damage the file behind the store's back: the tables events are written to vanish.
    with contextlib.closing(sqlite3.connect(store.path)) as other:
        names = [
            row[0]
            for row in other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] not in ("sessions", "meta", "sqlite_sequence")
        ]
        for name in names:
            other.execute(f"DROP TABLE {name}")
        other.commit()
    record(qtbot, store, options, ["lost"])
    qtbot.waitUntil(problem.isVisible, timeout=WAIT_MS)
    assert "not being saved" in problem.text() and "no such table" in problem.text()


def shown_title(view: QTreeView, index: QModelIndex) -> str:
    """The session column's text as painted: what its delegate gives, elided as the view does
    in the column's width."""
    delegate = view.itemDelegateForColumn(0) or view.itemDelegate()
    assert isinstance(delegate, QStyledItemDelegate)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index)
    delegate.initStyleOption(option, index)
    return option.fontMetrics.elidedText(option.text, view.textElideMode(), option.rect.width() - 4)


def test_sessions_of_one_service_stay_apart_by_their_paths(
    qtbot: QtBot, store: CaptureStore, recording_server: RecordingServer, sidebar: HistorySidebar
) -> None:
    query = "?session=0123456789abcdef&client=wsinspector"
    for path in ("/feeds/market/alpha", "/feeds/market/beta"):
        record(qtbot, store, ConnectionOptions(recording_server.url(path + query)), ["x"])
    sidebar.refresh()
    view = find(sidebar, QTreeView, "historyView")
    shown = [shown_title(view, session_index(sidebar, number)) for number in (0, 1)]
    assert shown[0] != shown[1]
    assert shown[0].endswith("beta") and shown[1].endswith("alpha"), shown
    assert all(text.startswith("127.0.0.1") for text in shown), shown  # the host, not ws://
