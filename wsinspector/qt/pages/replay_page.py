"""A replay page: a recorded session's client messages sent again to a server, and what it
answers now shown beside what it answered then (History ▸ Replay against…).

The page's own log holds the replay's exchange (filter, detail and export work on it as on
any page); above it, the recorded answers and the replayed ones line up row by row, the rows
that differ marked. The comparison is core/scripting's (replay_diff), with the same choices
as `wsinspector replay`: in order or not, JSON fields left out, the recorded gaps or none.
Each press of Replay starts again on an empty log.

objectNames: `replayPage`, `replaySourceEdit` (the recording), `replayUriEdit`,
`replayUnorderedCheck`, `replayNoWaitCheck`, `replayIgnoreEdit`, `replayRunButton`,
`replaySummaryLabel`, `replayDiffView` (columns Recorded and Replayed).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.core.scripting.messages import Message
from wsinspector.core.scripting.replay import Recording, RecordingError, replay, session_recording
from wsinspector.core.scripting.replay_diff import compare, side_by_side
from wsinspector.core.scripting.socket import ConnectFailed
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.capture.history import session_options
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.validation import check_options
from wsinspector.qt.pages.page import Page
from wsinspector.qt.workspace.workspace import LogWorkspace

_DIFFERS = QBrush(QColor("#fde2e2"))


def _cell(message: Message | None) -> str:
    return message.preview()[2:] if message is not None else ""


class ReplayPage(Page):
    """Replays `recording` against the URI of `options` (editable; the other settings, headers
    and subprotocols, are the recorded ones).

    Signals:
        title_changed(): see Page (the dot follows the replay: open while it runs).
    """

    def __init__(
        self,
        recording: Recording,
        options: ConnectionOptions,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(LogWorkspace(EventLog(None)), parent)
        self.setObjectName("replayPage")
        self.recording = recording
        self._options = options
        self._state = ConnState.IDLE
        self._tasks = TaskSet()
        self._build()

    @classmethod
    def of_session(cls, store: CaptureStore, session_id: int) -> ReplayPage:
        """A page to replay a session of the capture against the server it was recorded
        with; RecordingError when the session is gone or sent nothing."""
        recording = session_recording(store, session_id)
        options = session_options(store, session_id)
        if options is None:
            raise RecordingError(f"session {session_id} recorded no URI to replay against")
        return cls(recording, options)

    @property
    def log(self) -> EventLog:
        source = self.workspace.source
        assert isinstance(source, EventLog)
        return source

    def title(self) -> str:
        return f"⟲ {self.recording.source}"

    def location(self) -> str:
        return self.uri_edit.text().strip()

    @property
    def state(self) -> ConnState:
        return self._state

    @property
    def is_running(self) -> bool:
        return bool(self._tasks)

    def clear_log(self) -> None:
        self.log.clear()
        self.workspace.detail_view.show_event(None)

    async def shutdown(self, reason: str = "client shutting down") -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().shutdown(reason)

    # -- replaying ----------

    def ignored_fields(self) -> list[str]:
        return [name.strip() for name in self.ignore_edit.text().split(",") if name.strip()]

    def start(self) -> asyncio.Task[None] | None:
        """Replay now (None when a replay runs or the URI is not one to connect to)."""
        if self._tasks:
            return None
        options = dataclasses.replace(self._options, uri=self.uri_edit.text().strip())
        errors = check_options(options)
        if errors:
            self.summary_label.setText(
                "Not replayed: " + "; ".join(f"{e.field}: {e.message}" for e in errors)
            )
            return None
        self.clear_log()
        self.diff_view.clear()
        self.run_button.setEnabled(False)
        self._set_state(ConnState.OPEN)
        sent = len(self.recording.sent)
        self.summary_label.setText(f"Replaying {sent} client message(s) to {options.uri}…")
        task = self._tasks.spawn(self._replay(options))
        # Enabled again once the task has left the set, so that a press is never refused.
        task.add_done_callback(lambda _: self.run_button.setEnabled(True))
        return task

    async def _replay(self, options: ConnectionOptions) -> None:
        try:
            answers = await replay(
                self.recording, options, self.log, wait=not self.no_wait_check.isChecked()
            )
        except ConnectFailed as exc:
            self.summary_label.setText(f"Not replayed: {exc}")
            self._set_state(ConnState.FAILED)
            return
        finally:
            self.model.flush()
        self._set_state(ConnState.CLOSED)
        self._show(answers)

    def _show(self, answers: list[Message]) -> None:
        ordered = not self.unordered_check.isChecked()
        ignored = self.ignored_fields()
        recorded = self.recording.answers
        result = compare(recorded, answers, ordered=ordered, ignored=ignored)
        for pair in side_by_side(recorded, answers, ordered=ordered, ignored=ignored):
            item = QTreeWidgetItem([_cell(pair.recorded), _cell(pair.replayed)])
            if not pair.same:
                for column in (0, 1):
                    item.setBackground(column, _DIFFERS)
            self.diff_view.addTopLevelItem(item)
        if result.same:
            self.summary_label.setText(f"Same answers: {len(recorded)} message(s).")
        else:
            self.summary_label.setText(
                f"Different answers: {result.differing} differ ({len(recorded)} recorded, "
                f"{len(answers)} replayed)."
            )
        self.summary_label.setProperty("same", result.same)

    def _set_state(self, state: ConnState) -> None:
        self._state = state
        self.title_changed.emit()

    # -- widgets ----------

    def _build(self) -> None:
        self.source_edit = QLineEdit(self.recording.source)
        self.source_edit.setObjectName("replaySourceEdit")
        self.source_edit.setReadOnly(True)
        self.uri_edit = QLineEdit(self._options.uri)
        self.uri_edit.setObjectName("replayUriEdit")
        self.uri_edit.setToolTip("The server to replay against (the recorded one, or another)")
        self.unordered_check = QCheckBox("Any order")
        self.unordered_check.setObjectName("replayUnorderedCheck")
        self.no_wait_check = QCheckBox("No gaps")
        self.no_wait_check.setObjectName("replayNoWaitCheck")
        self.no_wait_check.setToolTip("Send without waiting the recorded gaps")
        self.ignore_edit = QLineEdit()
        self.ignore_edit.setObjectName("replayIgnoreEdit")
        self.ignore_edit.setPlaceholderText("JSON fields to ignore: ts, id")
        self.run_button = QPushButton("Replay")
        self.run_button.setObjectName("replayRunButton")
        self.summary_label = QLabel(
            f"{len(self.recording.sent)} client message(s) and "
            f"{len(self.recording.answers)} answer(s) recorded."
        )
        self.summary_label.setObjectName("replaySummaryLabel")
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diff_view = QTreeWidget()
        self.diff_view.setObjectName("replayDiffView")
        self.diff_view.setHeaderLabels(["Recorded", "Replayed"])
        self.diff_view.setRootIsDecorated(False)
        self.diff_view.setUniformRowHeights(True)
        self.diff_view.header().resizeSection(0, 360)

        source_row = QHBoxLayout()
        source_row.addWidget(QLabel("Recording"))
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(QLabel("against"))
        source_row.addWidget(self.uri_edit, 2)
        source_row.addWidget(self.run_button)
        choices = QHBoxLayout()
        choices.addWidget(self.unordered_check)
        choices.addWidget(self.no_wait_check)
        choices.addWidget(self.ignore_edit, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.diff_view)
        split.addWidget(self.workspace)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(source_row)
        layout.addLayout(choices)
        layout.addWidget(self.summary_label)
        layout.addWidget(split, 1)

        self.run_button.clicked.connect(self.start)
        self.uri_edit.returnPressed.connect(self.start)
        self.workspace.log_panel.clear_requested.connect(self.clear_log)
