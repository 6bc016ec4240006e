"""Search across recorded sessions, off the UI thread: a debounced search box's text goes to a
worker thread (its own SQLite connection, see core/storage/capture/history.py), and only the newest
search's answer comes back. A new keystroke cancels the search under way.
"""

from __future__ import annotations

import asyncio
import html
import threading
from pathlib import Path
from typing import Final

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from wsinspector.core.app.tasks import TaskSet
from wsinspector.core.storage.capture.history import search_capture
from wsinspector.qt.docks.history_model import MATCH_ROLE

# Typing pauses this long before a search starts.
DEBOUNCE_MS: Final = 250
MATCH_LIMIT: Final = 200


class SessionSearch(QObject):
    """Runs searches of the capture at `path` in a worker thread, newest text only.

    Signals:
        started(str): a search for this text began.
        finished(str, object): the text and its list[SearchHit] (newest session first).
        failed(str, str): the text and why the search failed.
    """

    started = Signal(str)
    finished = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, path: Path, parent: QObject | None = None, limit: int = MATCH_LIMIT) -> None:
        super().__init__(parent)
        self.path = path
        self.limit = limit
        self._text = ""
        self._generation = 0
        self._cancel: threading.Event | None = None
        self._tasks = TaskSet()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def search_soon(self, text: str) -> None:
        """Search for `text` once typing pauses; "" stops any search."""
        self._text = text
        self.cancel()
        if text:
            self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()
        self._generation += 1
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None

    def _start(self) -> None:
        text = self._text
        self._generation += 1
        generation = self._generation
        if self._cancel is not None:
            self._cancel.set()
        cancel = self._cancel = threading.Event()
        self.started.emit(text)
        self._tasks.spawn(self._run(text, generation, cancel))

    async def _run(self, text: str, generation: int, cancel: threading.Event) -> None:
        try:
            hits = await asyncio.to_thread(
                search_capture, self.path, text, self.limit, cancel.is_set
            )
        except Exception as exc:  # a locked or damaged file: said next to the box
            if generation == self._generation:
                self.failed.emit(text, str(exc))
            return
        if generation == self._generation and not cancel.is_set():
            self.finished.emit(text, hits)


def hit_html(preview: str, start: int, length: int) -> str:
    """The preview as rich text with the match in bold."""
    return (
        html.escape(preview[:start])
        + "<b>"
        + html.escape(preview[start : start + length])
        + "</b>"
        + html.escape(preview[start + length :])
    )


class MatchDelegate(QStyledItemDelegate):
    """Paints a match's preview with the matching text in bold (MATCH_ROLE says where)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        match = index.data(MATCH_ROLE)
        if not match:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        document = QTextDocument()
        document.setDefaultFont(opt.font)
        document.setDocumentMargin(0)
        document.setHtml(hit_html(text, match[0], match[1]))
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        painter.save()
        top = rect.top() + max(0.0, (rect.height() - document.size().height()) / 2)
        painter.translate(rect.left(), top)
        painter.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        document.documentLayout().draw(painter, context)
        painter.restore()
