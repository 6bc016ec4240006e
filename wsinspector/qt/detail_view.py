"""The detail pane: the log event selected in the message log, in full.

A message is shown as Text, pretty JSON (when it parses) or a hex dump. Only the mode on
screen is formatted, and a big payload is shown 128 KiB at a time ("Show more" appends the next
piece, at the same small cost each time) or saved whole to a file: selecting a 16 MiB message
in the log must not freeze the window, and neither may any button here.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.describe import decode_for_display, describe_event, message_header
from wsinspector.core.events import MessageEvent
from wsinspector.core.formatting import hex_dump, human_size, pretty_json

EMPTY_HINT: Final = (
    "Select a row in the message log to see it here in full: a message as text, JSON or "
    "hex; a handshake, close or error with every detail."
)
MODE_TEXT: Final = "Text"
MODE_JSON: Final = "JSON"
MODE_HEX: Final = "Hex"

# Payload bytes shown at first and added by each "Show more": a 128 KiB hex dump is already
# 8 192 lines, and 128 KiB of text about 70 ms of QPlainTextEdit layout work.
DISPLAY_LIMIT: Final = 128 * 1024
# Text mode stops growing here: a long paragraph is laid out again whole on every append, so
# each "Show more" would cost more than the last. Hex (16-byte lines) has no such limit; the
# whole payload is always one "Save message…" away.
TEXT_LIMIT: Final = 2 * DISPLAY_LIMIT
# Above this, JSON is not pretty printed: parsing and re-indenting takes about 0.2 s per MiB.
JSON_LIMIT: Final = 1024 * 1024
# Above this many characters of pretty JSON, coloring (a Python call per line) is skipped.
HIGHLIGHT_LIMIT: Final = 512 * 1024

# A stretch without whitespace long enough to make word wrapping slow. The lookbehind makes
# matches start only where a run starts, so the search stays linear in the text length.
_LONG_RUN: Final = re.compile(r"(?<!\S)\S{1000}")

# Characters a JSON document can start with; anything else is not worth a parse attempt.
_JSON_START: Final = re.compile(r'\s*[{\["\-0-9tfn]')


class MessageDetailView(QWidget):
    """Shows one log event in full; `show_event(None)` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageDetailView")
        self._event: object | None = None
        self._shown = 0  # payload bytes on screen in the Text or Hex body
        self._decoder: codecs.IncrementalDecoder | None = None  # continues Text at _shown
        self._bodies: dict[str, str] = {}  # formatted text per mode, for the current event
        self._warnings: list[str] = []  # notices about the current message in every mode

        self._header = _plain_label("detailHeader")
        self._notice = _plain_label("detailNotice")
        self._notice.hide()

        self._mode_combo = QComboBox()
        self._mode_combo.setObjectName("detailModeCombo")
        self._mode_combo.setToolTip("How to show the message")
        self._mode_combo.currentIndexChanged.connect(self._render)
        self._mode_combo.hide()

        self._show_more_button = QPushButton()
        self._show_more_button.setObjectName("detailShowMoreButton")
        self._show_more_button.clicked.connect(self._show_more)
        self._show_more_button.hide()
        self._save_button = QPushButton("Save message…")
        self._save_button.setObjectName("detailSaveButton")
        self._save_button.setToolTip("Write the whole payload, as received, to a file")
        self._save_button.clicked.connect(self._save_payload)
        self._save_button.hide()

        self._body = QPlainTextEdit()
        self._body.setObjectName("detailBody")
        self._body.setReadOnly(True)
        self._body.setPlaceholderText(EMPTY_HINT)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._body.setFont(font)
        self._body.setTabStopDistance(self._body.fontMetrics().horizontalAdvance(" ") * 4)
        self._highlighter = JsonHighlighter(self._body.document())

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self._mode_combo)
        bar.addStretch(1)
        bar.addWidget(self._show_more_button)
        bar.addWidget(self._save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._header)
        layout.addWidget(self._notice)
        layout.addLayout(bar)
        layout.addWidget(self._body, 1)

    # API ---------------------------------------------------------------------------------------

    def show_event(self, event: object | None) -> None:
        """Show `event` (any record from wsinspector.core.events), or nothing for None.

        Showing the event already on screen again keeps the chosen mode and what is shown.
        """
        if event is self._event:
            return
        self._event = event
        self._bodies = {}
        if event is None:
            self._clear()
        elif isinstance(event, MessageEvent):
            self._show_message(event)
        else:
            self._show_description(event)

    def text(self) -> str:
        """The body text on screen."""
        return self._body.toPlainText()

    def mode(self) -> str:
        """ "Text", "JSON" or "Hex" for a message; "" for other events and when empty."""
        if not isinstance(self._event, MessageEvent):
            return ""
        return self._mode_combo.currentText()

    # Messages ----------------------------------------------------------------------------------

    def _show_message(self, event: MessageEvent) -> None:
        self._header.setText(message_header(event))
        self._warnings = _message_warnings(event)
        modes = [MODE_TEXT, MODE_HEX]
        default = MODE_TEXT if event.text else MODE_HEX
        if event.text:
            pretty = _pretty_message(event)
            if pretty is not None:
                self._bodies[MODE_JSON] = pretty  # the default mode: formatted right away
                modes.insert(1, MODE_JSON)
                default = MODE_JSON
        self._mode_combo.blockSignals(True)
        try:
            self._mode_combo.clear()
            self._mode_combo.addItems(modes)
            self._mode_combo.setCurrentText(default)
        finally:
            self._mode_combo.blockSignals(False)
        self._mode_combo.show()
        self._save_button.show()
        self._render()

    def _render(self) -> None:
        event = self._event
        if not isinstance(event, MessageEvent):
            return
        mode = self._mode_combo.currentText()
        body = self._bodies.get(mode)
        if body is None:
            body = self._bodies[mode] = self._format(event, mode)
        self._shown = event.size if mode == MODE_JSON else min(event.size, DISPLAY_LIMIT)
        self._decoder = None
        if mode == MODE_TEXT and self._shown < event.size:
            self._decoder = _utf8_decoder()
            self._decoder.decode(event.data[: self._shown], final=False)
        # Notice and button first: showing them resizes the body, which lays out again all
        # the text it already holds (60 ms for 256 KiB).
        self._body.clear()
        self._update_truncation(event)
        self._set_body(
            body,
            wrap=mode != MODE_HEX,
            highlight=mode == MODE_JSON and len(body) <= HIGHLIGHT_LIMIT,
        )

    def _update_truncation(self, event: MessageEvent) -> None:
        truncated = self._shown < event.size
        step = min(DISPLAY_LIMIT, event.size - self._shown)
        text_full = self._mode_combo.currentText() == MODE_TEXT and self._shown >= TEXT_LIMIT
        self._show_more_button.setText(f"Show {human_size(step)} more")
        self._show_more_button.setVisible(truncated and not text_full)
        notices = list(self._warnings)
        if truncated:
            shown, size = human_size(self._shown), human_size(event.size)
            more = " Save the message, or use Hex, to see the rest." if text_full else ""
            notices.append(f"Showing the first {shown} of {size}.{more}")
        self._set_notice(notices)

    def _format(self, event: MessageEvent, mode: str) -> str:
        if mode == MODE_HEX:
            return hex_dump(event.data[:DISPLAY_LIMIT])
        return decode_for_display(event.data, DISPLAY_LIMIT)

    def _show_more(self) -> None:
        """Append the next piece of the payload; costs the same however much is shown."""
        event = self._event
        if not isinstance(event, MessageEvent) or self._shown >= event.size:
            return
        start, end = self._shown, min(event.size, self._shown + DISPLAY_LIMIT)
        piece = event.data[start:end]
        if self._mode_combo.currentText() == MODE_HEX:
            text = "\n" + hex_dump(piece, offset=start)
        else:
            if self._decoder is None:
                self._decoder = _utf8_decoder()
            text = self._decoder.decode(piece, final=end == event.size)
        cursor = QTextCursor(self._body.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self._shown = end
        # The cached first-page body no longer matches the screen.
        self._bodies.pop(self._mode_combo.currentText(), None)
        self._update_truncation(event)

    def _save_payload(self) -> None:
        event = self._event
        if not isinstance(event, MessageEvent):
            return
        suffix = ".txt" if event.text else ".bin"
        path, _ = QFileDialog.getSaveFileName(self, "Save the message payload", f"message{suffix}")
        if not path:
            return
        try:
            Path(path).write_bytes(event.data)
        except OSError as exc:
            self._set_notice([*self._warnings, f"Not saved: {exc.strerror or exc}"])
            return
        self._set_notice([*self._warnings, f"Saved {human_size(event.size)} to {path}"])

    # Other events ------------------------------------------------------------------------------

    def _show_description(self, event: object) -> None:
        header, body = describe_event(event)
        self._header.setText(header)
        self._mode_combo.hide()
        self._show_more_button.hide()
        self._save_button.hide()
        self._set_notice([])
        self._set_body(body, wrap=True, highlight=False)

    def _clear(self) -> None:
        self._header.clear()
        self._mode_combo.hide()
        self._show_more_button.hide()
        self._save_button.hide()
        self._set_notice([])
        self._set_body("", wrap=True, highlight=False)

    # Helpers -----------------------------------------------------------------------------------

    def _set_body(self, text: str, *, wrap: bool, highlight: bool) -> None:
        # Empty first: changing the wrap modes re-lays out whatever text is still there.
        self._body.clear()
        self._body.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap
        )
        # Qt's word wrap is quadratic in the length of a run without a break opportunity
        # (9 s for 256 KiB of base64 or minified data); wrapping anywhere is linear.
        self._body.setWordWrapMode(
            QTextOption.WrapMode.WrapAnywhere
            if wrap and _has_long_run(text)
            else QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
        )
        # Set before the text: the highlighter colors blocks as the text goes in.
        self._highlighter.enabled = highlight
        self._body.setPlainText(text)

    def _set_notice(self, lines: list[str]) -> None:
        self._notice.setText("\n".join(lines))
        self._notice.setVisible(bool(lines))


def _has_long_run(text: str) -> bool:
    return _LONG_RUN.search(text) is not None


def _plain_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    # Reasons, errors and header values come from the network: never render them as HTML.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_json(data: bytes) -> bool:
    return _JSON_START.match(data[:64].decode(errors="replace")) is not None


def _pretty_message(event: MessageEvent) -> str | None:
    if event.size > JSON_LIMIT or not _looks_like_json(event.data):
        return None
    text = event.decoded()
    return None if text is None else pretty_json(text)


def _utf8_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


def _message_warnings(event: MessageEvent) -> list[str]:
    if not event.text:
        return []
    # The whole message is checked (C speed, a few ms for 16 MiB): bad bytes past the part
    # on screen still matter to whoever debugs the sender.
    if not _is_utf8(event.data):
        return ["⚠ invalid UTF-8: bytes that do not decode are shown as \ufffd"]
    if event.size > JSON_LIMIT and _looks_like_json(event.data):
        return [f"No JSON view for messages over {human_size(JSON_LIMIT)}."]
    return []


# JSON coloring -----------------------------------------------------------------------------------

# Strings first, so digits and words inside them are not taken for numbers or literals.
_JSON_PARTS: Final = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<key>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


def _color_format(color: str, *, bold: bool = False) -> QTextCharFormat:
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
            "key": _color_format("#2b6cb0"),
            "string": _color_format("#2f855a"),
            "number": _color_format("#b7791f"),
            "literal": _color_format("#805ad5", bold=True),
        }

    def highlightBlock(self, text: str) -> None:
        if not self.enabled:
            return
        # Qt counts UTF-16 code units, Python code points: they differ after an emoji.
        to_qt = _utf16_offsets(text) if _ASTRAL.search(text) else None
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


def _utf16_offsets(text: str) -> list[int]:
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) > 0xFFFF else 1))
    return offsets
