"""SteadyLabel: a label whose text changes often, whole, without laying its window out again."""

from __future__ import annotations

from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from wsinspector.qt.widgets.steady_label import SHRINK_SLACK, SteadyLabel


def needed(label: SteadyLabel) -> int:
    return label.fontMetrics().horizontalAdvance(label.text())


def test_its_text_shows_whole_as_it_grows_and_the_room_shrinks_when_it_is_much_shorter(
    qtbot: QtBot,
) -> None:
    label = SteadyLabel()
    qtbot.addWidget(label)
    label.setText("↓ 9 msgs · 900 B")
    first = label.width()
    assert first >= needed(label)
    label.setText("↓ 10 msgs · 1.0 KiB")  # a character more: the room kept holds it
    assert label.width() == first >= needed(label)
    label.setText("↓ 1,234,567 msgs · 117.7 MiB    ↑ 1,234 msgs · 12.1 KiB")
    assert label.width() >= needed(label) > first
    label.setText("")  # the log cleared
    assert label.width() < first
    label.setText("↓ 1 msg · 5 B")
    assert needed(label) <= label.width() < needed(label) + SHRINK_SLACK


def test_a_bigger_font_makes_room_at_once(qtbot: QtBot) -> None:
    label = SteadyLabel()
    qtbot.addWidget(label)
    label.setText("↓ 1,234 msgs · 120.5 KiB")
    font = QFont(label.font())
    font.setPointSize(font.pointSize() * 2)
    label.setFont(font)
    assert label.width() >= needed(label)
    assert label.height() >= label.fontMetrics().height()
