"""The window's shortcuts wherever the focus is.

Under X11 a QLineEdit claims Ctrl+E (end of line, as in emacs) through ShortcutOverride, so the
window's "Export log…" never fired from the URI bar or the filter; and Ctrl+F was the log
panel's own, so pressed in the composer it did nothing and what followed was typed there.
This filter, on the application, takes the window's keys before the focused widget does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from wsinspector.qt.workspace.detail_view import MessageDetailView

_EXACT = QKeySequence.SequenceMatch.ExactMatch


def _keys_of(event: QKeyEvent) -> QKeySequence:
    return QKeySequence(event.keyCombination())


def _inside_detail_view(widget: QWidget) -> bool:
    """The detail view's Ctrl+F finds in the event shown: leave it the key there."""
    parent: QWidget | None = widget
    while parent is not None:
        if isinstance(parent, MessageDetailView):
            return True
        parent = parent.parentWidget()
    return False


class WindowKeys(QObject):
    """Gives `window`'s enabled action shortcuts, and Ctrl+F for `find`, precedence over the
    focused widget of that window (dialogs and other windows keep their keys)."""

    def __init__(self, window: QMainWindow, find: Callable[[], object]) -> None:
        super().__init__(window)
        self._window = window
        self._find = find

    def _handler(self, watched: QObject, event: QKeyEvent) -> Callable[[], object] | None:
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return None
        keys = _keys_of(event)
        if keys.isEmpty():
            return None
        if keys.matches(QKeySequence(QKeySequence.StandardKey.Find)) == _EXACT:
            return None if _inside_detail_view(watched) else self._find
        for action in self._window.actions():
            if not action.isEnabled():
                continue
            for shortcut in action.shortcuts():
                if keys.matches(shortcut) == _EXACT:
                    return _trigger(action)
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        handler = self._handler(watched, event)
        if handler is None:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            # Accepted: Qt sends the key as a KeyPress to the focused widget, seen just below,
            # rather than to the shortcut map the line edit would have pre-empted.
            event.accept()
            return True
        handler()
        return True


def _trigger(action: QAction) -> Callable[[], object]:
    return action.trigger
