"""A wscat, websocat or curl command line entered in the URI bar, pasted or typed alike.

Pasted text (more than one character arriving in one edit) is read at once; typed text is
read when the entry ends (Enter, focus leaving, Connect), never per keystroke: a command typed
so far ("wscat -c ws://1") already parses, and filling the form from it would replace the bar
under the user's fingers.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit

from wsinspector.core.storage.profiles.commandline import (
    ParsedCommand,
    parse_command_line,
    usage_line_words,
)


class CommandLineEntry(QObject):
    """Watches a URI bar for command lines.

    Signals:
        parsed(ParsedCommand): a command line to fill the form from.
        usage_line(str): a tool's usage line was entered; the words say what to do instead.
    """

    parsed = Signal(object)
    usage_line = Signal(str)

    def __init__(self, edit: QLineEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        self._before = edit.text()
        edit.textEdited.connect(self._on_edited)
        edit.editingFinished.connect(self.check)

    def _on_edited(self, text: str) -> None:
        before, self._before = self._before, text
        if abs(len(text) - len(before)) > 1:  # a paste or a drop, not a keystroke
            self.check()

    def check(self) -> bool:
        """Read the bar now; True when it held a command line (or a usage line), said."""
        text = self._edit.text()
        self._before = text
        if " " not in text.strip():
            return False
        words = usage_line_words(text)
        if words is not None:
            self.usage_line.emit(words)
            return True
        parsed: ParsedCommand | None = parse_command_line(text)
        if parsed is None:
            return False
        self.parsed.emit(parsed)
        self._before = self._edit.text()
        return True
