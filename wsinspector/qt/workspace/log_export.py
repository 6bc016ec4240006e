"""Exporting a page's log without freezing the window: the file is written a chunk per turn of
the event loop, with progress and Cancel; a cancelled or failed export leaves no file."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from wsinspector.core.app.errors import UserError
from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.storage.logfiles import EntryLog, LogExporter, LogFormat, snapshot

# Events per turn: a few ms of work, so that the loop lag stays well under 50 ms.
EXPORT_CHUNK = 5_000


def rows_of(log: EventLog | EntryLog, indexes: Sequence[int]) -> EntryLog:
    """Some events of `log` (by index), with their stable ids, for a partial export."""
    whole = snapshot(log)
    ids, entries = whole.ids, whole.entries()
    return EntryLog([ids[i] for i in indexes], [entries[i] for i in indexes])


class ExportRunner(QObject):
    """Runs one export a chunk at a time on the event loop.

    Signals:
        progress(int, int): events written so far, and in all.
        finished(str, int): the path written and how many events it holds.
        failed(str): why the export stopped; no file was left behind.
    """

    progress = Signal(int, int)
    finished = Signal(str, int)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._exporter: LogExporter | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    @property
    def running(self) -> bool:
        return self._exporter is not None

    def start(
        self, source: EventLog | EntryLog, path: str, fmt: LogFormat, *, redact: bool
    ) -> None:
        if self._exporter is not None:
            self.cancel()
        try:
            self._exporter = LogExporter(
                source, path, fmt, redact_secrets=redact, chunk=EXPORT_CHUNK
            )
        except (OSError, UserError) as exc:
            self.failed.emit(f"Not exported: {exc}")
            return
        self._timer.start()

    def cancel(self) -> None:
        exporter, self._exporter = self._exporter, None
        self._timer.stop()
        if exporter is not None:
            exporter.cancel()
            self.failed.emit("Export cancelled; no file was written.")

    def _step(self) -> None:
        exporter = self._exporter
        if exporter is None:
            self._timer.stop()
            return
        try:
            more = exporter.step()
        except OSError as exc:
            self._exporter = None
            self._timer.stop()
            self.failed.emit(f"Not exported: {exc.strerror or exc}")
            return
        self.progress.emit(exporter.done, exporter.total)
        if not more:
            self._exporter = None
            self._timer.stop()
            self.finished.emit(exporter.path, exporter.total)
