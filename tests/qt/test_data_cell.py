"""The log's Data cells hand Qt only what the column can show, and look the same for it.

What a user sees is compared pixel for pixel: the log drawn with the app's Data cell delegate
against the same log drawn by a plain QStyledItemDelegate, which lays every preview out whole,
at column widths from narrow to wide, rows selected and not.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, message_event
from wsinspector.qt.workspace.data_cell import DataCellDelegate
from wsinspector.qt.workspace.log_view import LogView
from wsinspector.qt.workspace.logmodel import Column, LogModel

START = datetime(2026, 12, 8, 9, 0, 0).timestamp()
# Texts a Data column meets: a flood's JSON, runs of the narrowest and the widest characters,
# pairs a font kerns, spaces, text with combining marks (no width of their own), CJK, and
# binary (shown in hex).
PAYLOADS: list[tuple[bool, bytes]] = [
    (True, b'{"type":"tick","seq":1,"pad":"' + b"x" * 300 + b'"}'),
    (True, b"'" * 400),
    (True, b"i.l|!,:;" * 50),
    (True, b"W@M" * 120),
    (True, b"AVAVTyToLTPAVAWAYA" * 20),
    (True, b"a b  c   d    " * 30),
    (True, ("e\u0301\u0302\u0303" * 80).encode()),
    (True, ("日本語のテキスト" * 40).encode()),
    (False, bytes(range(256)) * 2),
    (True, b"short"),
]
WIDTHS = (60, 100, 139, 200, 333, 480, 700, 1100)


def drawn_log(qtbot: QtBot) -> tuple[LogView, LogModel]:
    log = EventLog()
    for number, (text, data) in enumerate(PAYLOADS):
        direction = Direction.OUT if number % 3 == 0 else Direction.IN
        log.append(message_event(1, direction, text, data, START + number, float(number)))
    model = LogModel(log)
    model.flush()
    view = LogView(model)
    qtbot.addWidget(view)
    view.resize(1600, 400)
    view.show()
    qtbot.waitExposed(view)
    return view, model


def image_with(view: LogView, delegate: QStyledItemDelegate) -> QImage:
    view.setItemDelegateForColumn(Column.DATA, delegate)
    return view.viewport().grab().toImage()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_data_column_looks_the_same_as_with_every_preview_laid_out_whole(
    qtbot: QtBot, width: int
) -> None:
    view, model = drawn_log(qtbot)
    view.horizontalHeader().setStretchLastSection(False)
    view.setColumnWidth(Column.DATA, width)
    view.selectRow(1)  # drawn in the selection's colours too
    plain, cutting = QStyledItemDelegate(view), DataCellDelegate(view)
    expected = image_with(view, plain)
    assert image_with(view, cutting) == expected, f"the Data column differs at {width} px"
    model.detach()


def test_a_long_preview_reaches_qt_cut_to_the_column_and_other_scripts_whole(
    qapp: QApplication, qtbot: QtBot
) -> None:
    view, model = drawn_log(qtbot)
    delegate = view.itemDelegateForColumn(Column.DATA)
    assert isinstance(delegate, DataCellDelegate)

    def text_for_qt(row: int) -> str:
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.textElideMode = view.textElideMode()
        rect = view.visualRect(model.index(row, Column.DATA))
        rect.setWidth(139)  # the default window's Data column
        option.rect = rect
        delegate.initStyleOption(option, model.index(row, Column.DATA))
        return option.text

    whole = [str(model.index(row, Column.DATA).data()) for row in range(len(PAYLOADS))]
    assert len(whole[0]) == 201  # the model's preview: 200 characters and "…"
    cut = text_for_qt(0)
    assert cut.endswith("…") and whole[0].startswith(cut[:-1])
    assert len(cut) < 80, cut
    japanese = PAYLOADS.index((True, ("日本語のテキスト" * 40).encode()))
    assert text_for_qt(japanese) == whole[japanese]
    assert text_for_qt(len(PAYLOADS) - 1) == "short"
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the end shows: nothing is cut
    assert text_for_qt(0) == whole[0]
    model.detach()
