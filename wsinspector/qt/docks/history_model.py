"""The History's models: recorded sessions grouped by day, and the matches of a search.

Both are plain QStandardItemModels filled from core values; every word comes from
core/log/wording.py. A session row carries its id in SESSION_ROLE; a match row its session id,
its row in the session and where the match lies in its preview (for the bold highlight).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

from wsinspector.core.storage.capture import SearchHit, SessionInfo
from wsinspector.core.storage.capture.history import by_day
from wsinspector.core.storage.capture.wording import (
    day_words,
    search_hit_direction,
    search_hit_time,
    session_counts_words,
    session_duration_words,
    session_end_summary,
    session_start_words,
    session_summary,
    session_title,
)

SESSION_ROLE = Qt.ItemDataRole.UserRole + 1  # int session id, on session rows and matches
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # int row of the match in its session
MATCH_ROLE = Qt.ItemDataRole.UserRole + 3  # (start, length) of the match in the preview
DAY_ROLE = Qt.ItemDataRole.UserRole + 4  # the day's ISO date, on day rows

# The short columns first: in the dock's narrow column the end (a sentence, whole in the
# tooltip) comes last and is scrolled to, and never pushes the duration out of sight.
HISTORY_COLUMNS = ("Session", "Started", "Messages", "Duration", "Ended")
MATCH_COLUMNS = ("Message", "Direction", "Session", "Time")
PREVIEW_COLUMN = 0


def _item(text: str, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _tooltip(info: SessionInfo) -> str:
    return session_summary(
        profile=info.profile,
        uri=info.uri,
        started=info.started,
        ended=info.ended,
        messages_in=info.messages_in,
        messages_out=info.messages_out,
        bytes_in=info.bytes_in,
        bytes_out=info.bytes_out,
        end_words=info.end_words,
        recording=info.recording,
    )


def _cells(info: SessionInfo) -> tuple[str, ...]:
    """A session's row as HISTORY_COLUMNS show it."""
    return (
        session_title(info.profile, info.uri),
        session_start_words(info.started),
        session_counts_words(info.messages_in, info.messages_out),
        session_duration_words(info.started, info.ended),
        session_end_summary(info.ended, info.end_words, info.recording),
    )


class HistoryModel(QStandardItemModel):
    """Day rows ("Today", "Yesterday", dates), each with its sessions, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
        self.sessions: list[SessionInfo] = []

    def fill(self, sessions: Sequence[SessionInfo], today: date) -> None:
        self.sessions = list(sessions)
        self.removeRows(0, self.rowCount())
        bold = QFont()
        bold.setBold(True)
        for day, infos in by_day(sessions, today):
            group = _item(day_words(day, today))
            group.setData(day.isoformat(), DAY_ROLE)
            group.setFont(bold)
            group.setSelectable(False)
            for info in infos:
                tip = _tooltip(info)
                first = _item(session_title(info.profile, info.uri), tip)
                first.setData(info.id, SESSION_ROLE)
                group.appendRow([first, *(_item(text, tip) for text in _cells(info)[1:])])
            self.appendRow(group)

    def update_session(self, info: SessionInfo) -> None:
        """Show `info`'s counts, end and duration in its row, in place (the selection and
        the scroll position stay): for a session being recorded, whose counts grow."""
        first = self.index_of(info.id)
        parent = first.parent() if first is not None else None
        if first is None or parent is None:
            return
        self.sessions = [info if known.id == info.id else known for known in self.sessions]
        tip = _tooltip(info)
        for column, text in enumerate(_cells(info)):
            item = parent.child(first.row(), column)
            if item.text() != text:
                item.setText(text)
            if item.toolTip() != tip:
                item.setToolTip(tip)

    def session_rows(self) -> list[tuple[int, list[str]]]:
        """(session id, the texts of its row), top to bottom: what a user reads."""
        found: list[tuple[int, list[str]]] = []
        for group_row in range(self.rowCount()):
            group = self.item(group_row)
            for row in range(group.rowCount()):
                texts = [group.child(row, column).text() for column in range(len(HISTORY_COLUMNS))]
                found.append((int(group.child(row).data(SESSION_ROLE)), texts))
        return found

    def index_of(self, session_id: int) -> QStandardItem | None:
        for group_row in range(self.rowCount()):
            group = self.item(group_row)
            for row in range(group.rowCount()):
                if group.child(row).data(SESSION_ROLE) == session_id:
                    return group.child(row)
        return None


class MatchesModel(QStandardItemModel):
    """One row per match: the preview (match in MATCH_ROLE), session, time, direction."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(list(MATCH_COLUMNS))

    def fill(self, hits: Sequence[SearchHit], sessions: dict[int, SessionInfo]) -> None:
        self.removeRows(0, self.rowCount())
        for hit in hits:
            info = sessions.get(hit.session_id)
            title = session_title(info.profile, info.uri) if info else f"#{hit.session_id}"
            preview = _item(hit.preview, hit.preview)
            preview.setData(hit.session_id, SESSION_ROLE)
            preview.setData(hit.row, ROW_ROLE)
            preview.setData((hit.match_start, hit.match_length), MATCH_ROLE)
            self.appendRow(
                [
                    preview,
                    _item(search_hit_direction(hit.incoming)),
                    _item(title, _tooltip(info) if info else ""),
                    _item(search_hit_time(hit.wall)),
                ]
            )
