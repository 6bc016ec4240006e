"""Qt's model tester over the app's item models, through every change they announce.

pytest-qt's `qtmodeltester` attaches Qt's QAbstractItemModelTester, which checks each signal
against the data: rows announced as inserted or removed must match what the model shows before
and after. It reports by Qt warnings, which fail the test (qt_log_level_fail = WARNING).

The tester compares the first column of the rows around each change, so every event here has
its own wall time (the Time column, to the second): with equal times, rows shifted under the
tester look the same, and a log that dropped events before the model announced it passed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, Event, NoteEvent, message_event
from wsinspector.core.log.filtering import LogFilter, compile_filter
from wsinspector.core.storage.capture import SearchHit, SessionInfo
from wsinspector.qt.docks.history_model import HistoryModel, MatchesModel
from wsinspector.qt.workspace.logmodel import LogModel

START = datetime(2026, 3, 14, 9, 0, 0).timestamp()


def _append(log: EventLog, count: int) -> None:
    """`count` messages, every fifth an outgoing "ping", and a note every tenth event."""
    for _ in range(count):
        number = log.next_id
        wall = START + number  # one second apart: each row's Time differs
        if number % 10 == 0:
            log.append(NoteEvent(1, wall, float(number), f"note {number}"))
        else:
            outgoing = number % 5 == 0
            data = b"ping %d" % number if outgoing else b"tick %d" % number
            direction = Direction.OUT if outgoing else Direction.IN
            log.append(message_event(1, direction, True, data, wall, float(number)))


def _shown_events(model: LogModel) -> list[Event]:
    """The events of the rows after the dropped-events note."""
    return [model.event_at(row) for row in range(1, model.rowCount())]


def _tested_log_model(
    qtmodeltester: ModelTester, capacity: int | None
) -> tuple[EventLog, LogModel]:
    log = EventLog(capacity=capacity)
    model = LogModel(log)
    qtmodeltester.check(model)
    return log, model


def test_log_model_passes_the_model_tester_while_batches_arrive(
    qapp: QApplication, qtmodeltester: ModelTester
) -> None:
    log, model = _tested_log_model(qtmodeltester, capacity=None)
    for batch in (1, 7, 30, 2):
        _append(log, batch)
        model.flush()
    assert model.rowCount() == len(log) == 40
    log.clear()
    assert model.rowCount() == 0
    _append(log, 5)
    model.flush()
    assert model.rowCount() == 5
    model.detach()


def test_log_model_passes_the_model_tester_while_a_full_log_drops_its_oldest(
    qapp: QApplication, qtmodeltester: ModelTester
) -> None:
    log, model = _tested_log_model(qtmodeltester, capacity=20)
    _append(log, 15)
    model.flush()
    # Some of the new events were not inserted yet when the log drops: those and shown rows.
    _append(log, 10)
    model.flush()
    for batch in (3, 17, 40):
        _append(log, batch)
        model.flush()
    assert log.dropped > 0
    # The note about dropped events, then what the log still holds.
    assert _shown_events(model) == list(log)
    log.clear()
    _append(log, 30)
    model.flush()
    model.detach()


def test_filtered_log_model_passes_the_model_tester_through_drops_and_clears(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    log, model = _tested_log_model(qtmodeltester, capacity=20)
    _append(log, 18)
    model.flush()
    model.set_filter(compile_filter(LogFilter(text="ping")))
    qtbot.waitUntil(lambda: not model.scanning)
    for batch in (5, 12, 30):
        _append(log, batch)
        model.flush()
    assert log.dropped > 0
    pings = [event for event in log if b"ping" in getattr(event, "data", b"")]
    assert _shown_events(model) == pings
    model.set_filter(compile_filter(LogFilter(directions=frozenset({"received"}))))
    qtbot.waitUntil(lambda: not model.scanning)
    _append(log, 25)
    model.flush()
    log.clear()
    _append(log, 3)
    model.flush()
    model.set_filter(None)
    assert model.rowCount() == 3
    model.detach()


def test_log_model_in_the_frame_view_passes_the_model_tester_through_drops(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    log, model = _tested_log_model(qtmodeltester, capacity=20)
    _append(log, 12)
    model.flush()
    model.set_frame_view(True)
    qtbot.waitUntil(lambda: not model.scanning)
    for batch in (4, 15, 30):
        _append(log, batch)
        model.flush()
    assert log.dropped > 0
    model.set_frame_view(False)
    assert model.rowCount() == 1 + len(log)
    model.detach()


def _session(session_id: int, started: float, ended: float | None) -> SessionInfo:
    return SessionInfo(
        id=session_id,
        uri=f"ws://127.0.0.1:{9000 + session_id}/",
        profile=f"profile {session_id}" if session_id % 2 else "",
        started=started,
        ended=ended,
        messages_in=session_id,
        messages_out=2 * session_id,
        bytes_in=10 * session_id,
        bytes_out=20 * session_id,
        events=3 * session_id,
        end_words="Closed by the server: 1000 normal closure" if ended else "",
        options={},
        redacted=False,
        recording=ended is None,
    )


def test_history_model_passes_the_model_tester_when_filled_and_updated(
    qapp: QApplication, qtmodeltester: ModelTester
) -> None:
    today = date(2026, 3, 14)
    noon = datetime(2026, 3, 14, 12, 0, 0).timestamp()
    day = 24 * 3600.0
    sessions = [
        _session(5, noon, None),
        _session(4, noon - 3600, noon - 3000),
        _session(3, noon - day, noon - day + 60),
        _session(2, noon - 3 * day, noon - 3 * day + 5),
        _session(1, noon - 3 * day - 60, noon - 3 * day - 1),
    ]
    model = HistoryModel()
    qtmodeltester.check(model)
    model.fill(sessions, today)
    assert [session_id for session_id, _ in model.session_rows()] == [5, 4, 3, 2, 1]
    grown = replace(sessions[0], messages_in=500, messages_out=70)
    model.update_session(grown)
    model.fill(sessions[1:], today)
    model.fill([], today)
    assert model.rowCount() == 0


def test_matches_model_passes_the_model_tester_when_filled_again(
    qapp: QApplication, qtmodeltester: ModelTester
) -> None:
    noon = datetime(2026, 3, 14, 12, 0, 0).timestamp()
    sessions = {1: _session(1, noon, noon + 30), 2: _session(2, noon + 60, None)}
    hits = [
        SearchHit(
            session_id=1 + row % 3,  # session 3 is not known: the model names it by number
            event_id=row + 1,
            row=row,
            wall=noon + row,
            incoming=row % 2 == 0,
            preview=f"… the match {row} …",
            match_start=6,
            match_length=5,
        )
        for row in range(7)
    ]
    model = MatchesModel()
    qtmodeltester.check(model)
    model.fill(hits, sessions)
    assert model.rowCount() == 7
    model.fill(hits[:3], sessions)
    model.fill([], sessions)
    assert model.rowCount() == 0
