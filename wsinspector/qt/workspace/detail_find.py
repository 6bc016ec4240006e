"""The detail pane's find bar and highlights: matches as spans of the body's text (UTF-16, as Qt
counts), their marks, and the find bar's keys."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from wsinspector.core.text.search import TextSearch
from wsinspector.qt.workspace.detail_text import ASTRAL, tool_button

if TYPE_CHECKING:
    from wsinspector.qt.workspace.detail_view import MessageDetailView

# Matches found (and marked) at most, by the find bar and by set_highlight().
MATCH_LIMIT: Final = 10_000

HIGHLIGHT_COLOR: Final = "#fff3a3"  # the log filter's matches

FIND_COLOR: Final = "#ffd08a"  # the find bar's matches

CURRENT_COLOR: Final = "#ff9632"  # the find bar's current match


def count_words(count: int, limit: int) -> str:
    if count == 0:
        return "No matches"
    more = "+" if count > limit else ""
    shown = min(count, limit)
    return f"{shown:,}{more} match" if shown == 1 and not more else f"{shown:,}{more} matches"


def same_in_qt(text: str) -> bool:
    """Whether Qt positions in `text` are str offsets: no astral (two UTF-16 units) character."""
    return text.isascii() or ASTRAL.search(text) is None


def to_utf16(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` of `text` in Qt's positions, which count an astral character twice."""
    if not spans or text.isascii() or ASTRAL.search(text) is None:
        return spans
    astral = [match.start() for match in ASTRAL.finditer(text)]
    return [
        (start + bisect.bisect_left(astral, start), end + bisect.bisect_left(astral, end))
        for start, end in spans
    ]


# One match in the body: its spans in Qt's positions (one, but in Hex mode).


Match = tuple[tuple[int, int], ...]

# A hex dump line (formatting.hex_dump): "00000000  48 65 6c 6c 6f 20 77 6f  72 ...  |Hello...|"
_DUMP_LINE: Final = 79  # 78 characters and the line break
_DUMP_CHARS: Final = 61  # where the character column starts


def hex_spans(start: int, end: int) -> Match:
    """Payload bytes start:end as spans of their hex dump: the hex digits and the characters
    on each line they are on."""
    spans: list[tuple[int, int]] = []
    first = start
    while first < end:
        line, column = divmod(first, 16)
        last = min(end, (line + 1) * 16) - 1  # the match's last byte on this line
        base = line * _DUMP_LINE
        last_column = last % 16
        hex_start = base + 10 + 3 * column + (column >= 8)
        hex_end = base + 10 + 3 * last_column + (last_column >= 8) + 2
        spans.append((hex_start, hex_end))
        spans.append((base + _DUMP_CHARS + column, base + _DUMP_CHARS + last_column + 1))
        first = last + 1
    return tuple(spans)


def within(matches: list[Match], window: tuple[int, int]) -> list[Match]:
    """The matches (sorted) that start within `window`."""
    first = bisect.bisect_left(matches, ((window[0], 0),))
    last = bisect.bisect_left(matches, ((window[1], 0),), lo=first)
    return matches[first:last]


class FindKeys(QObject):
    """In the find bar: Enter finds the next match, Shift+Enter the previous, Esc closes."""

    def __init__(self, view: MessageDetailView) -> None:
        super().__init__(view)
        self._view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._view.find_previous()
            else:
                self._view.find_next()
            return True
        if event.key() == Qt.Key.Key_Escape:
            self._view.close_find()
            return True
        return False


class MarksOnScroll(QObject):
    """Marks the matches again when the body scrolls or is resized."""

    def __init__(self, view: MessageDetailView, body: QPlainTextEdit) -> None:
        super().__init__(body)
        self._view = view
        body.verticalScrollBar().valueChanged.connect(lambda _value: view.update_marks())
        body.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._view.update_marks()
        return False


def match_selections(
    body: QPlainTextEdit, matches: list[Match], color: str
) -> list[QTextEdit.ExtraSelection]:
    text_format = QTextCharFormat()
    text_format.setBackground(QColor(color))
    text_format.setForeground(QColor("black"))
    document = body.document()
    size = document.characterCount() - 1
    selections: list[QTextEdit.ExtraSelection] = []
    for match in matches[:MATCH_LIMIT]:
        for start, end in match:
            if end > size:
                return selections
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(document)
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = text_format
            selections.append(selection)
    return selections


class FindBar(QWidget):
    """The find bar over the detail body, hidden until Ctrl+F (objectNames: detailFindBar,
    detailFindEdit, detailFindPrevious, detailFindNext, detailFindClose, detailFindCount).

    Signals:
        text_changed(): the text to find changed.
        previous_requested(), next_requested(): the ↑ and ↓ buttons.
        close_requested(): the ✕ button.
    """

    text_changed = Signal()
    previous_requested = Signal()
    next_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailFindBar")
        self.edit = QLineEdit()
        self.edit.setObjectName("detailFindEdit")
        self.edit.setPlaceholderText("Find in this message")
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(lambda _text: self.text_changed.emit())
        buttons: list[QToolButton] = []
        for name, text, tip, signal in (
            ("detailFindPrevious", "↑", "Previous match (Shift+Enter)", self.previous_requested),
            ("detailFindNext", "↓", "Next match (Enter)", self.next_requested),
            ("detailFindClose", "✕", "Close the find bar (Esc)", self.close_requested),
        ):
            button = tool_button(name, text, tip)
            button.clicked.connect(signal.emit)
            buttons.append(button)
        self.count = QLabel()
        self.count.setObjectName("detailFindCount")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(buttons[0])
        row.addWidget(buttons[1])
        row.addWidget(self.count)
        row.addWidget(buttons[2])
        self.hide()


def mark_on_screen(
    body: QPlainTextEdit, highlights: list[Match], finds: list[Match], current: Match | None
) -> None:
    """Mark the log filter's and the find bar's matches (and the current one) in `body`.

    Only those on screen, give or take a page: an ExtraSelection costs about 30 µs to make,
    and 10,000 of them would hold the window for a third of a second.
    """
    if not highlights and not finds:
        if body.extraSelections():
            body.setExtraSelections([])
        return
    viewport = body.viewport()
    top = body.cursorForPosition(viewport.rect().topLeft()).position()
    bottom = body.cursorForPosition(viewport.rect().bottomRight()).position()
    margin = max(bottom - top, 4096)
    window = (top - margin, bottom + margin)
    selections = match_selections(body, within(highlights, window), HIGHLIGHT_COLOR)
    selections += match_selections(body, within(finds, window), FIND_COLOR)
    if current is not None:
        selections += match_selections(body, [current], CURRENT_COLOR)
    body.setExtraSelections(selections)


def text_matches(
    search: TextSearch, text: str, previous: list[Match] | None = None, since: int = 0
) -> list[Match]:
    """Where `search` matches in `text`, as Qt (UTF-16) spans; with `since`, the `previous`
    matches before it are kept and the rest searched anew."""
    kept: list[Match] = []
    if since and previous is not None:  # then Python and Qt positions are the same
        kept = previous[: bisect.bisect_left(previous, ((since, 0),))]
        if len(kept) > MATCH_LIMIT:
            return kept
    spans = search.spans(text, limit=MATCH_LIMIT - len(kept), start=since)
    return kept + [(span,) for span in to_utf16(text, spans)]


def select_span(body: QPlainTextEdit, span: tuple[int, int]) -> None:
    """Select `span` (Qt positions) in `body` and scroll it into view."""
    cursor = body.textCursor()
    cursor.setPosition(span[0])
    cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
    body.setTextCursor(cursor)
    body.ensureCursorVisible()


def position_words(current: int, total: int, limit: int) -> str:
    """ "3 of 12", or "3 of 10,000+" past the limit of matches found."""
    more = "+" if total > limit else ""
    return f"{current + 1:,} of {min(total, limit):,}{more}"
