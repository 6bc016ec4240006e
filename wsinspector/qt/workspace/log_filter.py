"""The filter bar above the log: text or regex, direction, type, connection; "N of M".

Typing is debounced: the filter is applied once the user pauses, not on every key.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QStyleOptionFrame,
    QWidget,
)

from wsinspector.core.app.errors import InputError, UserError
from wsinspector.core.log.filtering import LogFilter

DEBOUNCE_MS: Final = 200
# Room for "Filter rows (Ctrl+F)" and the clear button; the bar's least width sets the log
# pane's, and what it takes more comes off the detail pane at 1280x800.
FILTER_MIN_WIDTH: Final = 160
ERROR_TINT: Final = "#fde2e2"

DIRECTIONS: Final = (
    ("All events", frozenset[str]()),
    ("Sent", frozenset({"sent"})),
    ("Received", frozenset({"received"})),
    ("Messages", frozenset({"sent", "received"})),
    ("Control frames", frozenset({"control"})),
    ("Connection events", frozenset({"connection"})),
)
KINDS: Final = (
    ("Any type", frozenset[str]()),
    ("Text", frozenset({"text"})),
    ("Binary", frozenset({"binary"})),
)


def parse_connections(text: str) -> frozenset[int]:
    """ "2", "1, 3" or "2-4" → connection numbers; InputError names the part that is wrong."""
    numbers: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first, last = int(low), int(high) if dash else int(low)
        except ValueError:
            raise InputError(f"“{part}” is not a connection number or range") from None
        if first < 1 or last < first:
            raise InputError(f"“{part}” is not a connection number or range")
        numbers.update(range(first, last + 1))
    return frozenset(numbers)


def width_showing(edit: QLineEdit, text: str) -> int:
    """The width at which `edit` shows `text` whole: the text, QLineEdit's 2 px on each side,
    its text margins, and the frame the style draws around it."""
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    metrics = edit.fontMetrics()
    margins = edit.textMargins()
    inner = QSize(
        metrics.horizontalAdvance(text) + 4 + margins.left() + margins.right(), metrics.height()
    )
    size = edit.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, option, inner, edit)
    return size.width()


class LogFilterBar(QWidget):
    """Filter widgets; emits the filter the user settled on.

    Signals:
        filter_changed(object): a LogFilter, or None when nothing filters.
    """

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("logFilterEdit")
        self.text_edit.setPlaceholderText("Filter rows (Ctrl+F)")
        self.text_edit.setToolTip("Keep the rows whose whole payload or summary has this text")
        self.text_edit.setClearButtonEnabled(True)
        # The box people type in is the bar's widest control, not its narrowest.
        self.text_edit.setMinimumWidth(FILTER_MIN_WIDTH)
        self._base = self.text_edit.palette().color(QPalette.ColorRole.Base)
        self.regex_check = QCheckBox("Regex")
        self.regex_check.setObjectName("logRegexCheck")
        self.direction_combo = QComboBox()
        self.direction_combo.setObjectName("logDirectionCombo")
        self.direction_combo.addItems([title for title, _ in DIRECTIONS])
        # Sized for "Received", not "Connection events": the room goes to the filter box
        # (the list still shows whole titles).
        self.direction_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.direction_combo.setMinimumContentsLength(6)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("logTypeCombo")
        self.kind_combo.addItems([title for title, _ in KINDS])
        self.connection_edit = QLineEdit()
        self.connection_edit.setObjectName("logConnectionEdit")
        self.connection_edit.setPlaceholderText("conn #")
        self.connection_edit.setToolTip("Connection numbers: 2, or 1, 3, or 2-4")
        # Never narrower than its hint: a tight log pane squeezed it to "co…" (screenshot).
        self.connection_edit.setMinimumWidth(width_showing(self.connection_edit, "conn #"))
        self.connection_edit.setMaximumWidth(70)
        self.status_label = QLabel()
        self.status_label.setObjectName("logFilterStatusLabel")
        self.error_label = QLabel()
        self.error_label.setObjectName("logFilterError")
        self.error_label.setStyleSheet("color: #c53030;")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        # A message must never move the layout: a long one widened the log pane and squeezed
        # the docks (saved so in window.ini). The label takes the room left, never asks for
        # more; the whole text is in its tooltip and the filter box a red tint.
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setRetainSizeWhenHidden(True)  # its spacing too stays the same, shown or not
        self.error_label.setSizePolicy(policy)
        self.error_label.hide()

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text_edit, 3)
        row.addWidget(self.regex_check)
        row.addWidget(self.direction_combo)
        row.addWidget(self.kind_combo)
        row.addWidget(self.connection_edit)
        row.addWidget(self.error_label, 1)
        row.addWidget(self.status_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply)
        self.text_edit.textChanged.connect(lambda _text: self._debounce.start())
        self.connection_edit.textChanged.connect(lambda _text: self._debounce.start())
        for widget in (self.regex_check,):
            widget.toggled.connect(lambda _on: self.apply())
        for combo in (self.direction_combo, self.kind_combo):
            combo.currentIndexChanged.connect(lambda _index: self.apply())
        shortcut = QShortcut(QKeySequence.StandardKey.Find, self.parentWidget() or self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.focus)

    def focus(self) -> None:
        self.text_edit.setFocus()
        self.text_edit.selectAll()

    def current(self) -> LogFilter | None:
        """The filter the widgets describe, None when they filter nothing.

        Raises InputError for a connection list that can't be read.
        """
        connections = parse_connections(self.connection_edit.text())
        log_filter = LogFilter(
            text=self.text_edit.text(),
            regex=self.regex_check.isChecked(),
            directions=DIRECTIONS[self.direction_combo.currentIndex()][1],
            kinds=KINDS[self.kind_combo.currentIndex()][1],
            connections=connections,
        )
        if not (log_filter.text or log_filter.directions or log_filter.kinds or connections):
            return None
        return log_filter

    def apply(self) -> None:
        self._debounce.stop()
        try:
            log_filter = self.current()
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.filter_changed.emit(log_filter)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setToolTip(message)
        self.error_label.setVisible(bool(message))
        # A tint, not a stylesheet border: that would change the box's size hint after all.
        palette = self.text_edit.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(ERROR_TINT) if message else self._base)
        self.text_edit.setPalette(palette)

    def show_counts(self, shown: int | None, total: int) -> None:
        """ "N of M" while a filter is set; nothing otherwise."""
        self.status_label.setText("" if shown is None else f"{shown:,} of {total:,}")
