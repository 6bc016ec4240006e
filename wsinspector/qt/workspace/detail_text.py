"""The detail pane's text: what a message is shown as (pretty JSON, warnings, colours) and the
small widgets it is made of."""

from __future__ import annotations

import codecs
import re
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QToolButton

from wsinspector.core.log.events import MessageEvent
from wsinspector.core.log.wording import decode_for_display
from wsinspector.core.text.formatting import hex_dump, human_size, pretty_json

# Above this, JSON is not pretty printed: parsing and re-indenting takes about 0.2 s per MiB.
JSON_LIMIT: Final = 1024 * 1024

# Above this many characters of pretty JSON, coloring (a Python call per line) is skipped.
HIGHLIGHT_LIMIT: Final = 512 * 1024

# A stretch without whitespace long enough to make word wrapping slow. The lookbehind makes
# matches start only where a run starts, so the search stays linear in the text length.
LONG_RUN: Final = re.compile(r"(?<!\S)\S{1000}")

# Characters a JSON document can start with; anything else is not worth a parse attempt.
JSON_START: Final = re.compile(r'\s*[{\["\-0-9tfn]')

CONTAINER_START: Final = re.compile(rb"\s*[{\[]")

EMPTY_HINT: Final = (
    "Select a row in the message log to see it here in full: a message as text, JSON or "
    "hex; a handshake, close or error with every detail."
)
MODE_TEXT: Final = "Text"
MODE_JSON: Final = "JSON"
MODE_TREE: Final = "Tree"
MODE_HEX: Final = "Hex"

# Payload bytes shown at first and added by each "Show more": a 128 KiB hex dump is already
# 8 192 lines, and 128 KiB of text about 70 ms of QPlainTextEdit layout work.
DISPLAY_LIMIT: Final = 128 * 1024
# Text mode's longest line: a paragraph is laid out again whole on every append, so "Show
# more" stops before a line would grow past this; text made of shorter lines goes on to the
# end (only the last line is laid out again). Hex (16-byte lines) has no limit; the whole
# payload is always one "Save message…" away.
TEXT_LIMIT: Final = 2 * DISPLAY_LIMIT


def tool_button(name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    return button


def has_long_run(text: str) -> bool:
    return LONG_RUN.search(text) is not None


def plain_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    # Reasons, errors and header values come from the network: never render them as HTML.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def looks_like_json(data: bytes) -> bool:
    return JSON_START.match(data[:64].decode(errors="replace")) is not None


def may_be_big_json(event: MessageEvent) -> bool:
    """Too big for the JSON mode, and an object or an array by its first character."""
    return event.size > JSON_LIMIT and CONTAINER_START.match(event.data[:64]) is not None


def pretty_message(event: MessageEvent) -> str | None:
    if event.size > JSON_LIMIT or not looks_like_json(event.data):
        return None
    text = event.decoded()
    return None if text is None else pretty_json(text)


def utf8_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


def message_warnings(event: MessageEvent, valid: bool) -> list[str]:
    if not event.text:
        return []
    if not valid:
        return ["⚠ invalid UTF-8: bytes that do not decode are shown as \ufffd"]
    if may_be_big_json(event):
        return [f"No JSON view for messages over {human_size(JSON_LIMIT)}: Tree shows them."]
    return []


# JSON coloring -----------------------------------------------------------------------------------

# Strings first, so digits and words inside them are not taken for numbers or literals.
_JSON_PARTS: Final = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<key>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)
ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


def color_format(color: str, *, bold: bool = False) -> QTextCharFormat:
    text_format = QTextCharFormat()
    text_format.setForeground(QColor(color))
    if bold:
        text_format.setFontWeight(QFont.Weight.Bold)
    return text_format


class JsonHighlighter(QSyntaxHighlighter):
    """Colors keys, strings, numbers and true/false/null of pretty printed JSON.

    `enabled` is off except in JSON mode, so Text and Hex bodies cost no Python call per line.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.enabled = False
        self._formats = {
            "key": color_format("#2b6cb0"),
            "string": color_format("#2f855a"),
            "number": color_format("#b7791f"),
            "literal": color_format("#805ad5", bold=True),
        }

    def highlightBlock(self, text: str) -> None:
        if not self.enabled:
            return
        # Qt counts UTF-16 code units, Python code points: they differ after an emoji.
        to_qt = utf16_offsets(text) if ASTRAL.search(text) else None
        for match in _JSON_PARTS.finditer(text):
            kind = match.lastgroup
            if kind == "key":
                start, end, kind = match.start("string"), match.end("string"), "key"
            else:
                start, end = match.span()
            if kind is None:
                continue
            if to_qt is not None:
                start, end = to_qt[start], to_qt[end]
            self.setFormat(start, end - start, self._formats[kind])


def utf16_offsets(text: str) -> list[int]:
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) > 0xFFFF else 1))
    return offsets


def text_can_grow(data: bytes, shown: int, last_line: int) -> bool:
    """Whether Text's next piece of `data` (after `shown` bytes) keeps its last line, now
    `last_line` characters, within TEXT_LIMIT.

    Appending lays out the last line again with the piece's first line added; whole new
    lines cost only themselves. Bytes are counted for characters, which is never less.
    """
    start, end = shown, min(len(data), shown + DISPLAY_LIMIT)
    if start >= end:
        return False
    newline = data.find(b"\n", start, end)
    first_line = (newline if newline >= 0 else end) - start
    return last_line + first_line <= TEXT_LIMIT


def set_wrap(body: QPlainTextEdit, text: str, *, wrap: bool) -> None:
    """The wrap modes for `text`, set while `body` is empty (changing them lays out again);
    `wrap` False is for a hex dump, wrapped only while its lines are wider than `body`."""
    body.setProperty(DUMP_PROPERTY, not wrap)
    if not wrap and body.findChild(DumpWrap) is None:
        DumpWrap(body)  # from now on, follows the body's width while it shows a dump
    body.setLineWrapMode(
        QPlainTextEdit.LineWrapMode.WidgetWidth
        if wrap or not dump_fits(body)
        else QPlainTextEdit.LineWrapMode.NoWrap
    )
    # Qt's word wrap is quadratic in the length of a run without a break opportunity
    # (9 s for 256 KiB of base64 or minified data); wrapping anywhere is linear.
    body.setWordWrapMode(
        QTextOption.WrapMode.WrapAnywhere
        if wrap and has_long_run(text)
        else QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
    )


# Set on the body while it shows a hex dump (set_wrap's wrap=False).
DUMP_PROPERTY: Final = "showsDump"
# A hex dump line's width in characters (formatting.hex_dump), with room for the cursor.
DUMP_LINE_CHARS: Final = 79


def dump_fits(body: QPlainTextEdit) -> bool:
    """Whether a hex dump line shows whole in `body` without wrapping."""
    return body.viewport().width() >= body.fontMetrics().horizontalAdvance("0" * DUMP_LINE_CHARS)


class DumpWrap(QObject):
    """Wraps a hex dump only while its lines are wider than the body: narrower (the detail
    pane's default width), the character column goes on to the next line instead of running
    off the right edge; wide enough, lines stay whole and aligned. Switching lays the text out
    again, so it happens only when the width crosses a dump line's."""

    def __init__(self, body: QPlainTextEdit) -> None:
        super().__init__(body)
        self._body = body
        body.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self._body.property(DUMP_PROPERTY):
            body = self._body
            mode = (
                QPlainTextEdit.LineWrapMode.NoWrap
                if dump_fits(body)
                else QPlainTextEdit.LineWrapMode.WidgetWidth
            )
            if body.lineWrapMode() != mode:
                body.setLineWrapMode(mode)
        return False


def first_piece(data: bytes, *, hex_mode: bool) -> str:
    """What Text or Hex shows of a payload at first: its first DISPLAY_LIMIT bytes."""
    if hex_mode:
        return hex_dump(data[:DISPLAY_LIMIT])
    return decode_for_display(data, DISPLAY_LIMIT)


def truncation_notice(shown: int, size: int, text_full: bool) -> list[str]:
    more = " Save the message, or use Hex, to see the rest." if text_full else ""
    return [f"Showing the first {human_size(shown)} of {human_size(size)}.{more}"]
