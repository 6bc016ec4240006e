"""The log table's cells that depend on nothing but the column, the role, or one frame.

The columns, their headers, the roles the model answers, the brushes and fonts of its rows,
and the cells of a frame row of the frame view (logmodel.LogModel asks for them).
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from wsinspector.core.log.events import MessageEvent
from wsinspector.core.log.wireframes import MessageFrames, WireFrame, implied_frames
from wsinspector.core.log.wording import RECEIVED_ARROW, SENT_ARROW, frame_words
from wsinspector.core.text.formatting import human_size


class Column(enum.IntEnum):
    TIME = 0
    CONNECTION = 1
    DIRECTION = 2
    TYPE = 3
    SIZE = 4
    DATA = 5


HEADERS = {
    Column.TIME: "Time",
    Column.CONNECTION: "Conn",
    Column.DIRECTION: "",
    Column.TYPE: "Type",
    Column.SIZE: "Size",
    Column.DATA: "Data",
}
# What a column's short cells stand for, in its header's tooltip.
HEADER_TOOLTIPS = {
    Column.SIZE: (
        "The message's payload size. With permessage-deflate, the percentage compares its "
        'size on the wire with the payload: "78 B -27%" went in 27% fewer bytes than its '
        '78-byte payload, "5 B +40%" in 40% more. Point at a cell for both sizes.'
    ),
}

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1

DISPLAY = Qt.ItemDataRole.DisplayRole
DECORATION = Qt.ItemDataRole.DecorationRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FONT = Qt.ItemDataRole.FontRole
ROLES = frozenset(
    {DISPLAY, DECORATION, FOREGROUND, BACKGROUND, TOOLTIP, ALIGNMENT, FONT, EVENT_ROLE}
)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)

ERROR_BRUSH = QBrush(QColor("#c53030"))
NOTE_BRUSH = QBrush(QColor("#6b7280"))
# Sent and received must differ at a glance on every row, the selected one too: the arrow is
# text (drawn in the selection's colour when selected, unlike an icon tinted away), coloured
# when not selected, and sent messages have a tinted background.
SENT_BRUSH = QBrush(QColor("#2b6cb0"))
RECEIVED_BRUSH = QBrush(QColor("#2f855a"))
SENT_BACKGROUND = QBrush(QColor("#e8f1fb"))
COLUMN_ALIGNMENT: dict[int, int] = {Column.SIZE: RIGHT, Column.DIRECTION: CENTER}
ARROW_FONT = QFont()
ARROW_FONT.setBold(True)


def frame_cell(frame: WireFrame, column: int, role: int) -> Any:
    """A cell of a frame row of the frame view (its EVENT_ROLE is the model's to answer)."""
    if role == DISPLAY:
        if column == Column.DIRECTION:
            return RECEIVED_ARROW if frame.incoming else SENT_ARROW
        if column == Column.TYPE:
            return f"  ↳ {frame.name}"
        if column == Column.SIZE:
            return human_size(frame.length)
        if column == Column.DATA:
            return frame_words(frame)
        return ""
    if role == FOREGROUND:
        if column == Column.DIRECTION:
            return RECEIVED_BRUSH if frame.incoming else SENT_BRUSH
        return NOTE_BRUSH
    return None


def message_frame_cell(
    event: MessageEvent, recorded: MessageFrames | None, k: int, column: int, role: int
) -> Any:
    """A cell of the row of the k-th frame of `event`: of the frames the session `recorded`,
    else of the one frame a plain message is on the wire; None past its last frame."""
    frames = recorded or implied_frames(event)
    return frame_cell(frames[k], column, role) if k < len(frames) else None
