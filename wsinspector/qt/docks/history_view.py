"""The History sidebar: recorded sessions by day, search across them, and what can be done
with one (open, export, make a profile, delete; clear the whole history).

It reads the CaptureStore on the UI thread (the sessions table is small) and looks every
POLL_MS for a session started, ended or deleted, with a query of a few numbers on a short-
lived connection; while sessions are being recorded, the same tick reads their rows again
(one look-up by id each) to show their growing counts, which the capture's writer keeps as
it commits (a few times a second). Nothing is done per recorded message. Searches run in a
worker thread (session_search.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Final

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.app.errors import UserError
from wsinspector.core.storage.capture import CaptureStore, SearchHit, SessionInfo
from wsinspector.core.storage.capture.history import Signature, session_options, sessions_signature
from wsinspector.core.storage.capture.wording import (
    capture_problem_words,
    clear_history_question,
    delete_session_question,
    search_status_words,
    session_title,
)
from wsinspector.core.storage.logfiles import LogFormat, format_for_path
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.docks.history_model import (
    HISTORY_COLUMNS,
    ROW_ROLE,
    SESSION_ROLE,
    HistoryModel,
    MatchesModel,
)
from wsinspector.qt.docks.history_titles import SessionTitleDelegate
from wsinspector.qt.docks.session_search import MatchDelegate, SessionSearch
from wsinspector.qt.forms.saved_messages_view import confirm_dialog
from wsinspector.qt.workspace.log_export import ExportRunner

# How often the History looks for sessions started, ended or deleted (by this window, another
# window or a headless `wsinspector record`).
POLL_MS: Final = 1000
SESSION_COLUMN_WIDTH: Final = 170
EXPORT_FORMATS: Final = (LogFormat.HAR, LogFormat.JSONL)


def export_path_dialog(parent: QWidget, caption: str, suggested: str) -> str:
    """QFileDialog.getSaveFileName for HAR or JSON Lines (looked up at each call); "" when
    cancelled. A name without a suffix gets the chosen filter's."""
    filters = ";;".join(fmt.dialog_filter for fmt in EXPORT_FORMATS)
    path, chosen = QFileDialog.getSaveFileName(parent, caption, suggested, filters)
    if path and not Path(path).suffix:
        fmt = next((f for f in EXPORT_FORMATS if f.dialog_filter == chosen), LogFormat.HAR)
        path += fmt.suffix
    return path


def _file_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("_.") or "session"


class HistorySidebar(QWidget):
    """Recorded sessions of a CaptureStore (`historyView`), newest first, grouped by day.

    `historySearchEdit` searches the text messages of every session (debounced, in a worker
    thread); while it holds text, `historySearchResults` lists the matches in place of the
    sessions and `historySearchStatusLabel` says how many. `historyRetentionLabel` shows what
    retention last removed; `historyNoticeLabel` the outcome of an export, a deletion … .

    Activating a session (double-click, Enter) asks for it to be opened; activating a match
    asks for its session with the matching row selected. The context menu opens, replays
    against a server (`historyReplayAction`), exports (HAR, JSON Lines), makes a profile of,
    and deletes a session, and clears the history.

    Dialogs go through replaceable attributes, as in the profiles sidebar (tests answer them):
    `confirm(parent, question) -> bool` and `ask_export_path(parent, caption, suggested) -> str`.
    They run from plain slots, never inside a coroutine.

    Signals:
        open_requested(int, int): a session id, and the row to select in it (-1: none).
        profile_requested(object): ConnectionOptions of a session, to save as a profile.
        replay_requested(int): a session id, to replay against a server.
        history_changed(): sessions were deleted from here.
    """

    open_requested = Signal(int, int)
    profile_requested = Signal(object)
    replay_requested = Signal(int)
    history_changed = Signal()

    def __init__(self, store: CaptureStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.confirm: Callable[[QWidget, str], bool] = confirm_dialog
        self.ask_export_path: Callable[[QWidget, str, str], str] = export_path_dialog
        self._signature: Signature = ()
        self._sessions: dict[int, SessionInfo] = {}

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("historySearchEdit")
        self.search_edit.setPlaceholderText("Search recorded messages")
        self.search_edit.setClearButtonEnabled(True)
        self.search_status = QLabel()
        self.search_status.setObjectName("historySearchStatusLabel")
        self.search_status.setWordWrap(True)
        self.search_status.hide()

        self.model = HistoryModel(self)
        self.view = QTreeView()
        self.view.setObjectName("historyView")
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setItemDelegateForColumn(0, SessionTitleDelegate(self.view))
        header = self.view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # A long URI must not push the times, counts and ends out of a narrow dock: the
        # session column keeps a fixed width (host and path kept; the tooltip has it all).
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, SESSION_COLUMN_WIDTH)
        header.setStretchLastSection(True)

        self.matches = MatchesModel(self)
        self.results = QTreeView()
        self.results.setObjectName("historySearchResults")
        self.results.setModel(self.matches)
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setAllColumnsShowFocus(True)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setItemDelegateForColumn(0, MatchDelegate(self.results))
        self.results.header().resizeSection(0, 240)
        self.results.hide()

        self.empty_label = QLabel("No recorded sessions yet: connections are recorded here.")
        self.empty_label.setObjectName("historyEmptyLabel")
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # drawn greyed, as a hint
        self.retention_label = QLabel()
        self.retention_label.setObjectName("historyRetentionLabel")
        self.retention_label.setWordWrap(True)
        self.retention_label.setStyleSheet("color: #6b7280;")
        self.retention_label.hide()
        # A failing capture (disk full, file damaged) says so while it fails.
        self.problem_label = QLabel()
        self.problem_label.setObjectName("historyProblemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b91c1c;")
        self.problem_label.hide()
        self.notice_label = QLabel()
        self.notice_label.setObjectName("historyNoticeLabel")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.search_status)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.retention_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.notice_label)

        self.search = SessionSearch(store.path, self)
        self.search.started.connect(self._search_started)
        self.search.finished.connect(self._search_finished)
        self.search.failed.connect(self._search_failed)
        self.exporter = ExportRunner(self)
        self.exporter.finished.connect(
            lambda path, count: self._notice(f"Exported {count:,} events to {path}")
        )
        self.exporter.failed.connect(self._notice)

        self.search_edit.textChanged.connect(self._search_text_changed)
        self.view.activated.connect(self._session_activated)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.results.activated.connect(self._match_activated)

        self._build_actions()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.refresh_if_changed)
        self._poll.start()
        self.refresh()

    # -- filling ----------

    def refresh(self) -> None:
        """Read the sessions again, keeping the selection and the collapsed days."""
        if self.store.closed:
            self._poll.stop()
            return
        self._signature = sessions_signature(self.store.path)
        selected = self.selected_session()
        collapsed = {
            self.model.item(row).data(Qt.ItemDataRole.DisplayRole)
            for row in range(self.model.rowCount())
            if not self.view.isExpanded(self.model.index(row, 0))
        }
        sessions = self.store.sessions()
        self._sessions = {info.id: info for info in sessions}
        self.model.fill(sessions, date.today())
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            self.view.setFirstColumnSpanned(row, QModelIndex(), True)
            self.view.setExpanded(index, index.data() not in collapsed)
        if selected is not None:
            item = self.model.index_of(selected)
            if item is not None:
                self.view.setCurrentIndex(item.index())
        self.empty_label.setVisible(not sessions and not self.search_edit.text())
        note = self.store.retention_note()
        self.retention_label.setText(note)
        self.retention_label.setVisible(bool(note))
        self._show_problem()

    def _show_problem(self) -> None:
        words = capture_problem_words(self.store.write_error)
        if words != self.problem_label.text():
            self.problem_label.setText(words)
            self.problem_label.setVisible(bool(words))

    def refresh_if_changed(self) -> None:
        if self.store.closed:
            self._poll.stop()
            return
        self._show_problem()
        if sessions_signature(self.store.path) != self._signature:
            self.refresh()
        else:
            self._refresh_recording()

    def _refresh_recording(self) -> None:
        """The counts of the sessions being recorded, as the capture has committed them."""
        for session_id, known in list(self._sessions.items()):
            if not known.recording:
                continue
            info = self.store.session(session_id)
            # Not recording any more: its end is being committed, and the change of the
            # signature that comes with it refreshes the whole list (no "cut short" flash).
            if info is None or not info.recording or info == known:
                continue
            self._sessions[session_id] = info
            self.model.update_session(info)

    def shutdown(self) -> None:
        """Stop looking at the store (before it closes)."""
        self._poll.stop()
        self.search.cancel()
        if self.exporter.running:
            self.exporter.cancel()

    def session_rows(self) -> list[tuple[int, list[str]]]:
        return self.model.session_rows()

    def selected_session(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        value = index.siblingAtColumn(0).data(SESSION_ROLE)
        return int(value) if value is not None else None

    # -- opening ----------

    def _session_activated(self, index: QModelIndex) -> None:
        value = index.siblingAtColumn(0).data(SESSION_ROLE)
        if value is not None:
            self.open_requested.emit(int(value), -1)

    def _match_activated(self, index: QModelIndex) -> None:
        first = index.siblingAtColumn(0)
        session = first.data(SESSION_ROLE)
        if session is not None:
            self.open_requested.emit(int(session), int(first.data(ROW_ROLE)))

    # -- search ----------

    def _search_text_changed(self, text: str) -> None:
        searching = bool(text)
        self.view.setVisible(not searching)
        self.results.setVisible(searching)
        self.search_status.setVisible(searching)
        self.empty_label.setVisible(not searching and not self._sessions)
        if not searching:
            self.matches.fill([], {})
        self.search.search_soon(text)

    def _search_started(self, text: str) -> None:
        self.search_status.setText(search_status_words(0, 0, text, searching=True))

    def _search_finished(self, text: str, hits: list[SearchHit]) -> None:
        self.matches.fill(hits, self._sessions)
        self.search_status.setText(
            search_status_words(len(hits), self.search.limit, text, searching=False)
        )

    def _search_failed(self, text: str, why: str) -> None:
        self.matches.fill([], {})
        self.search_status.setText(f"Searching for “{text}” failed: {why}")

    # -- actions ----------

    def _build_actions(self) -> None:
        def action(name: str, text: str, slot: Callable[[], object]) -> QAction:
            made = QAction(text, self)
            made.setObjectName(name)
            made.triggered.connect(slot)
            return made

        self.action_open = action("historyOpenAction", "&Open", self._open_selected)
        self.action_replay = action("historyReplayAction", "&Replay against…", self.replay_selected)
        self.action_export = action("historyExportAction", "&Export…", self.export_selected)
        self.action_profile = action(
            "historyProfileAction", "Make a &profile…", self.profile_from_selected
        )
        self.action_delete = action("historyDeleteAction", "&Delete…", self.delete_selected)
        self.action_delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.action_delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.action_delete)
        self.action_clear = action("historyClearAction", "&Clear history…", self.clear_history)

    def _context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid():
            self.view.setCurrentIndex(index)
        has_session = self.selected_session() is not None
        for act in (
            self.action_open,
            self.action_replay,
            self.action_export,
            self.action_profile,
            self.action_delete,
        ):
            act.setEnabled(has_session)
        self.action_clear.setEnabled(bool(self._sessions))
        menu = QMenu(self)
        menu.addAction(self.action_open)
        menu.addAction(self.action_replay)
        menu.addAction(self.action_export)
        menu.addAction(self.action_profile)
        menu.addSeparator()
        menu.addAction(self.action_delete)
        menu.addAction(self.action_clear)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(point))

    def _open_selected(self) -> None:
        session = self.selected_session()
        if session is not None:
            self.open_requested.emit(session, -1)

    def replay_selected(self) -> None:
        session = self.selected_session()
        if session is not None:
            self.replay_requested.emit(session)

    def export_selected(self) -> None:
        """Ask a file (.har or .jsonl) and write the selected session's events to it."""
        session = self.selected_session()
        info = self._sessions.get(session) if session is not None else None
        if info is None:
            return
        suggestion = f"{_file_name(session_title(info.profile, info.uri))}.har"
        path = self.ask_export_path(self, "Export the recorded session", suggestion)
        if not path:
            return
        try:
            events = self.store.session_events(info.id)
            fmt = format_for_path(path)
        except (KeyError, UserError) as exc:
            self._notice(f"Not exported: {exc}")
            return
        # The capture keeps secrets redacted (unless recorded otherwise): written as stored.
        self.exporter.start(events, path, fmt, redact=False)

    def profile_from_selected(self) -> ConnectionOptions | None:
        """Ask for the selected session's connection to be saved as a profile."""
        session = self.selected_session()
        if session is None:
            return None
        options = session_options(self.store, session)
        if options is None:
            self._notice("This session recorded neither its options nor a handshake.")
            return None
        self.profile_requested.emit(options)
        return options

    def delete_selected(self) -> bool:
        """Delete the selected session, once the user said yes."""
        session = self.selected_session()
        info = self._sessions.get(session) if session is not None else None
        if info is None:
            return False
        question = delete_session_question(session_title(info.profile, info.uri), info.started)
        if not self.confirm(self, question):
            return False
        self.store.delete_session(info.id)
        self.refresh()
        self.history_changed.emit()
        return True

    def clear_history(self) -> bool:
        """Delete every session not being recorded, once the user said yes."""
        if not self._sessions or not self.confirm(
            self, clear_history_question(len(self._sessions))
        ):
            return False
        self.store.clear()
        self.refresh()
        self.history_changed.emit()
        return True

    def _notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))


__all__ = ["HISTORY_COLUMNS", "HistorySidebar"]
