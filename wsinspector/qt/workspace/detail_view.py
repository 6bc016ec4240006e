"""The detail pane: the log event selected in the message log, in full.

A message is shown as Text, pretty JSON (when it parses), a JSON Tree or a hex dump, or decoded
(qt.decoded_view: MessagePack, CBOR, Protocol Buffers, base64; a binary message opens in the
page decoder's mode, set_decoder()), as text or, with "Tree" ticked, in the JSON tree. Only the
mode on screen is formatted, and a big payload is shown 128 KiB at a time ("Show more" appends
the next piece, at the same small cost each time) or saved whole to a file: selecting a 16 MiB
message in the log must not freeze the window, and neither may any button here. The Tree
(qt.json_tree) shows a JSON message of any size whole, parsed a few milliseconds at a time.

Ctrl+F opens a find bar (detail_find) over what is shown (the whole document in Tree mode);
`set_highlight()` marks the log filter's matches in the body. Texts and limits: detail_text."""

from __future__ import annotations

import bisect
import codecs
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QAction,
    QFontDatabase,
    QKeySequence,
    QShortcut,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.decoders.page import PageDecoder
from wsinspector.core.log.events import MessageEvent
from wsinspector.core.log.wording import describe_event, message_header
from wsinspector.core.text.formatting import hex_dump, human_size, is_utf8
from wsinspector.core.text.search import Folded, TextSearch
from wsinspector.qt.dialogs.save_payload import save_payload
from wsinspector.qt.workspace.decoded_view import (
    DecodedBody,
    decoded_body,
    decoded_modes,
    is_decoded_mode,
    preferred_mode,
)
from wsinspector.qt.workspace.detail_find import (
    MATCH_LIMIT,
    FindBar,
    FindKeys,
    MarksOnScroll,
    Match,
    count_words,
    hex_spans,
    mark_on_screen,
    position_words,
    same_in_qt,
    select_span,
    text_matches,
)
from wsinspector.qt.workspace.detail_text import (
    DISPLAY_LIMIT,
    EMPTY_HINT,
    HIGHLIGHT_LIMIT,
    MODE_HEX,
    MODE_JSON,
    MODE_TEXT,
    MODE_TREE,
    JsonHighlighter,
    first_piece,
    has_long_run,
    may_be_big_json,
    message_warnings,
    plain_label,
    pretty_message,
    set_wrap,
    text_can_grow,
    truncation_notice,
    utf8_decoder,
)
from wsinspector.qt.workspace.json_tree import JsonTreePane

# After "Show more", matches are looked for again from this many characters before the end
# of what was shown: one could have started there.
_OVERLAP: Final = 1024


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
        self._tree_event: MessageEvent | None = None  # the message the tree pane holds
        self._highlight: TextSearch | None = None  # the log filter's text, set_highlight()
        self._highlight_matches: list[Match] = []  # the filter's matches in the body
        self._find_matches: list[Match] = []  # the find bar's matches in the body
        self._find_current = -1  # which of them is selected
        self._find_suffix = ""  # " in the part shown" when the body is not the whole message
        self._last_line = 0  # characters of the body's last line, for Text's "Show more"
        self._plain: str | None = None  # the body's text for finding, read when first needed
        self._folded: Folded | None = None  # the tree's text case folded, for finds
        self._tree_match = (-1, -1)  # the last match found in the tree, and its row's offset
        self._page_decoder: PageDecoder | None = None  # set_decoder()
        self._decoded: dict[str, DecodedBody] = {}  # decoded modes' bodies, current event

        self._header = plain_label("detailHeader")
        self._notice = plain_label("detailNotice")
        self._notice.hide()

        self._mode_combo = QComboBox()
        self._mode_combo.setObjectName("detailModeCombo")
        self._mode_combo.setToolTip("How to show the message")
        self._mode_combo.currentIndexChanged.connect(self._render)
        self._mode_combo.hide()
        self._decoded_tree_check = QCheckBox("Tree")
        self._decoded_tree_check.setObjectName("detailDecodedTreeCheck")
        self._decoded_tree_check.setToolTip("Show the decoded value in the JSON tree")
        self._decoded_tree_check.toggled.connect(lambda _on: self._render())
        self._decoded_tree_check.hide()

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
        MarksOnScroll(self, self._body)

        self._tree = JsonTreePane()
        self._tree.loaded.connect(self._tree_loaded)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._body)
        self._stack.addWidget(self._tree)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self._mode_combo)
        bar.addWidget(self._decoded_tree_check)
        bar.addStretch(1)
        bar.addWidget(self._show_more_button)
        bar.addWidget(self._save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._header)
        layout.addWidget(self._notice)
        layout.addLayout(bar)
        layout.addWidget(self._build_find_bar())
        layout.addWidget(self._stack, 1)

    def _build_find_bar(self) -> QWidget:
        self._find_bar = FindBar()
        self._find_bar.text_changed.connect(self._find_changed)
        self._find_bar.previous_requested.connect(self.find_previous)
        self._find_bar.next_requested.connect(self.find_next)
        self._find_bar.close_requested.connect(self.close_find)
        self._find_bar.edit.installEventFilter(FindKeys(self))
        self._find_edit, self._find_count = self._find_bar.edit, self._find_bar.count

        # Ctrl+F here, not in the log's filter bar (the window's Ctrl+F leaves it to this).
        find = QAction("Find…", self)
        find.setObjectName("detailFindAction")
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(self.open_find)
        self.addAction(find)
        for keys, slot in (
            (QKeySequence.StandardKey.FindNext, self.find_next),
            (QKeySequence.StandardKey.FindPrevious, self.find_previous),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        return self._find_bar

    # API ---------------------------------------------------------------------------------------

    def show_event(self, event: object | None) -> None:
        """Show `event` (any record from wsinspector.core.log.events), or nothing for None.

        Showing the event already on screen again keeps the chosen mode and what is shown.
        """
        if event is self._event:
            return
        self._event = event
        self._bodies = {}
        self._decoded = {}
        self._tree_event = None
        self._tree.clear()
        self._folded = None
        if event is None:
            self._clear()
        elif isinstance(event, MessageEvent):
            self._show_message(event)
        else:
            self._show_description(event)

    def set_decoder(self, decoder: PageDecoder | None) -> None:
        """The page's decoder: binary messages open in its mode (and the message shown now)."""
        self._page_decoder = decoder
        event = self._event
        if isinstance(event, MessageEvent):
            self._event = None
            self.show_event(event)

    def text(self) -> str:
        """The body text on screen."""
        return self._body.toPlainText()

    def mode(self) -> str:
        """ "Text", "JSON", "Tree" or "Hex" for a message; "" for other events and when empty."""
        if not isinstance(self._event, MessageEvent):
            return ""
        return self._mode_combo.currentText()

    def set_highlight(self, text: str, regex: bool) -> None:
        """Mark the matches of the log filter's search text (a regex if `regex`) in the body.

        Matched like the filter does: case-insensitively, in the text shown (Text, JSON, other
        events) or in the payload's bytes (Hex, also as hex digits "de ad"). "" marks nothing;
        so does a regex that does not compile.
        """
        self._highlight = TextSearch.make(text, regex=regex)
        self._find_in_body()

    def open_find(self) -> None:
        """Show the find bar with its text selected, e.g. for Ctrl+F."""
        selected = self._body.textCursor().selectedText()
        if self._stack.currentWidget() is self._body and selected and "\u2029" not in selected:
            self._find_edit.setText(selected)
        self._find_bar.show()
        self._find_edit.setFocus()
        self._find_edit.selectAll()
        self._find_changed()

    def close_find(self) -> None:
        self._find_bar.hide()
        self._find_changed()
        shown = self._stack.currentWidget()
        if shown is not None:
            shown.setFocus()

    def find_next(self) -> None:
        self._find_step(forward=True)

    def find_previous(self) -> None:
        self._find_step(forward=False)

    # Messages ----------------------------------------------------------------------------------

    def _show_message(self, event: MessageEvent) -> None:
        self._header.setText(message_header(event))
        # The whole message is checked (C speed, a few ms for 16 MiB): bad bytes past the
        # part on screen still matter to whoever debugs the sender.
        valid = event.text and is_utf8(event.data)
        self._warnings = message_warnings(event, valid)
        modes = [MODE_TEXT, MODE_HEX]
        default = MODE_TEXT if event.text else MODE_HEX
        if valid:
            pretty = pretty_message(event)
            if pretty is not None:
                self._bodies[MODE_JSON] = pretty  # the default mode: formatted right away
                modes[1:1] = [MODE_JSON, MODE_TREE]
                default = MODE_JSON
            elif may_be_big_json(event):
                modes.insert(1, MODE_TREE)  # parsed when chosen, a slice at a time
        modes += decoded_modes(event, self._page_decoder)
        default = preferred_mode(event, self._page_decoder) or default
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
        if is_decoded_mode(mode):
            self._render_decoded(event, mode)
            return
        self._decoded_tree_check.hide()
        if mode == MODE_TREE:
            self._render_tree(event)
            return
        self._stack.setCurrentWidget(self._body)
        body = self._bodies.get(mode)
        if body is None:
            body = self._bodies[mode] = first_piece(event.data, hex_mode=mode == MODE_HEX)
        self._shown = event.size if mode == MODE_JSON else min(event.size, DISPLAY_LIMIT)
        self._decoder = None
        if mode == MODE_TEXT and self._shown < event.size:
            self._decoder = utf8_decoder()
            self._decoder.decode(event.data[: self._shown], final=False)
        # Notice and button first: showing them resizes the body, which lays out again all
        # the text it already holds (60 ms for 256 KiB).
        self._body.clear()
        self._last_line = len(body) - body.rfind("\n") - 1
        self._update_truncation(event)
        self._set_body(
            body,
            wrap=mode != MODE_HEX,
            highlight=mode == MODE_JSON and len(body) <= HIGHLIGHT_LIMIT,
        )

    def _render_tree(self, event: MessageEvent) -> None:
        self._stack.setCurrentWidget(self._tree)
        self._show_more_button.hide()
        self._set_notice(self._warnings)
        if self._tree_event is not event:
            self._tree_event = event
            self._tree.load(event.data)
        self._find_changed()

    def _render_decoded(self, event: MessageEvent, mode: str) -> None:
        body = self._decoded.get(mode)
        if body is None:
            body = self._decoded[mode] = decoded_body(event, mode, self._page_decoder)
        self._decoded_tree_check.setVisible(body.tree is not None)
        self._show_more_button.hide()
        self._shown = event.size
        self._set_notice(self._warnings + body.notices)
        if body.tree is not None and self._decoded_tree_check.isChecked():
            self._stack.setCurrentWidget(self._tree)
            self._tree_event = None  # the tree holds the decoded value, not the payload
            self._tree.load(body.tree)
            self._find_changed()
            return
        self._stack.setCurrentWidget(self._body)
        self._set_body(
            body.text, wrap=body.ok, highlight=body.ok and len(body.text) <= HIGHLIGHT_LIMIT
        )

    def _tree_loaded(self) -> None:
        if self._in_tree():  # else the find bar counts in the body, not in the tree
            self._find_changed()

    def _update_truncation(self, event: MessageEvent) -> None:
        truncated = self._shown < event.size
        step = min(DISPLAY_LIMIT, event.size - self._shown)
        text_full = self._mode_combo.currentText() == MODE_TEXT and not text_can_grow(
            event.data, self._shown, self._last_line
        )
        self._show_more_button.setText(f"Show {human_size(step)} more")
        self._show_more_button.setVisible(truncated and not text_full)
        notice = truncation_notice(self._shown, event.size, text_full) if truncated else []
        self._set_notice([*self._warnings, *notice])

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
                self._decoder = utf8_decoder()
            text = self._decoder.decode(piece, final=end == event.size)
            if self._body.wordWrapMode() != QTextOption.WrapMode.WrapAnywhere and has_long_run(
                text
            ):
                # Lays out again only the lines on screen (and the one appended to).
                self._body.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        cursor = QTextCursor(self._body.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        appended_at = cursor.position()
        cursor.insertText(text)
        self._shown = end
        # The cached first-page body no longer matches the screen.
        self._bodies.pop(self._mode_combo.currentText(), None)
        self._last_line = (
            len(text) - text.rindex("\n") - 1 if "\n" in text else self._last_line + len(text)
        )
        self._update_truncation(event)
        plain = self._plain
        if plain is None or self.mode() == MODE_HEX or not same_in_qt(plain):
            self._body_changed(jump=False)
            return
        # Find only in the new text (and a little before it): the same cost for every piece.
        cursor.setPosition(appended_at, QTextCursor.MoveMode.KeepAnchor)
        self._plain = plain + cursor.selectedText().replace("\u2029", "\n")
        self._find_in_body(since=max(0, len(plain) - _OVERLAP))

    def _save_payload(self) -> None:
        event = self._event
        if not isinstance(event, MessageEvent):
            return
        outcome = save_payload(self, event)
        if outcome is not None:
            self._set_notice([*self._warnings, outcome.words])

    # Other events ------------------------------------------------------------------------------

    def _show_description(self, event: object) -> None:
        self._clear(*describe_event(event))

    def _clear(self, header: str = "", body: str = "") -> None:
        self._header.setText(header)
        self._mode_combo.hide()
        self._decoded_tree_check.hide()
        self._show_more_button.hide()
        self._save_button.hide()
        self._set_notice([])
        self._stack.setCurrentWidget(self._body)
        self._set_body(body, wrap=True, highlight=False)

    # Finding and highlighting ------------------------------------------------------------------

    def _in_tree(self) -> bool:
        return self._stack.currentWidget() is self._tree

    def _find_search(self) -> TextSearch | None:
        if self._find_bar.isHidden():
            return None
        return TextSearch.make(self._find_edit.text(), regex=False)

    def _body_changed(self, *, jump: bool) -> None:
        """Find and mark the filter's and the find bar's matches in the new body text.

        `jump`: the text is new, so go to the first find match from the cursor on; else (more
        text appended) the current match stays.
        """
        self._plain = None
        self._find_in_body(jump=jump)

    def _find_in_body(self, *, jump: bool = False, since: int = 0) -> None:
        """Find the log filter's matches in the body and then the find bar's.

        `since`: the body up to there is as it was (only text was appended), and so are the
        matches that start before it.
        """
        search = None if self._in_tree() else self._highlight
        self._highlight_matches = (
            [] if search is None else self._body_matches(search, self._highlight_matches, since)
        )
        self._find_changed(jump=jump, since=since)

    def _find_changed(self, *, jump: bool = True, since: int = 0) -> None:
        """Find the find bar's text again in what is shown, then mark the matches."""
        search = self._find_search()
        current = self._find_matches[self._find_current] if self._find_current >= 0 else None
        previous = self._find_matches
        self._find_matches = []
        self._find_current = -1
        self._tree_match = (-1, -1)
        if search is None:
            self._find_count.clear()
        elif self._in_tree():
            text = self._tree.text()
            count = search.count(text, limit=MATCH_LIMIT, folded=self._tree_folded(text))
            loading = self._tree.is_loading()
            self._find_count.setText("Parsing…" if loading else count_words(count, MATCH_LIMIT))
        else:
            self._find_matches = self._body_matches(search, previous, since)
            event = self._event
            self._find_suffix = (
                " in the part shown"
                if isinstance(event, MessageEvent) and self._shown < event.size
                else ""
            )
            if jump and self._find_matches:
                cursor = self._body.textCursor().selectionStart()
                starts = [match[0][0] for match in self._find_matches]
                self._find_current = bisect.bisect_left(starts, cursor) % len(starts)
                self._select_current()
            elif current in self._find_matches:
                self._find_current = self._find_matches.index(current)
                self._select_current()
            else:
                label = count_words(len(self._find_matches), MATCH_LIMIT)
                self._find_count.setText(label + self._find_suffix)
        self.update_marks()

    def _find_step(self, *, forward: bool) -> None:
        if self._find_bar.isHidden():
            self.open_find()
            return
        search = self._find_search()
        if search is None:
            return
        if self._in_tree():
            self._find_in_tree(search, forward=forward)
            return
        if not self._find_matches:
            return
        total = len(self._find_matches)
        if self._find_current < 0:
            self._find_current = 0 if forward else total - 1
        else:
            self._find_current = (self._find_current + (1 if forward else -1)) % total
        self._select_current()
        self.update_marks()

    def _find_in_tree(self, search: TextSearch, *, forward: bool) -> None:
        text = self._tree.text()
        if not text:
            return
        # On from the last match while its row is still the selected one, else from the row.
        here = self._tree.current_offset()
        last_match, last_row = self._tree_match
        if here != last_row or last_row < 0:
            last_match = here - 1 if forward else here
        folded = self._tree_folded(text)
        at = search.next_in(text, last_match, forward=forward, folded=folded)
        if at is None:
            return
        self._tree.reveal(at)
        self._tree_match = (at, self._tree.current_offset())
        count = search.count(text, limit=MATCH_LIMIT, folded=folded)
        before = search.count_before(text, at, folded=folded)
        if before is not None and count <= MATCH_LIMIT:
            self._find_count.setText(f"{before + 1:,} of {count:,}")

    def _tree_folded(self, text: str) -> Folded:
        """The tree's text case folded, kept for the next find (16 ms for 16 MiB)."""
        if self._folded is None or self._folded.text is not text:
            self._folded = Folded(text)
        return self._folded

    def _select_current(self) -> None:
        select_span(self._body, self._find_matches[self._find_current][0])
        total = len(self._find_matches)
        words = position_words(self._find_current, total, MATCH_LIMIT)
        self._find_count.setText(words + self._find_suffix)

    def _body_matches(
        self, search: TextSearch, previous: list[Match] | None = None, since: int = 0
    ) -> list[Match]:
        """Where `search` matches in the body: Qt (UTF-16) spans, one per match but in Hex,
        where a match is marked in both columns, on each of its lines.

        With `since`, the `previous` matches before it are kept and the rest searched anew.
        """
        event = self._event
        if isinstance(event, MessageEvent) and self.mode() == MODE_HEX:
            byte_spans = search.byte_spans(event.data[: self._shown], limit=MATCH_LIMIT)
            return [hex_spans(start, end) for start, end in byte_spans]
        if self._plain is None:
            self._plain = self._body.toPlainText()  # 50 ms for 8 MiB: once per body
        return text_matches(search, self._plain, previous, since)

    def update_marks(self) -> None:
        """Mark the matches on screen (see mark_on_screen); scrolling and resizing mark again
        (`MarksOnScroll`)."""
        current = (
            self._find_matches[self._find_current]
            if 0 <= self._find_current < len(self._find_matches)
            else None
        )
        mark_on_screen(self._body, self._highlight_matches, self._find_matches, current)

    # Helpers -----------------------------------------------------------------------------------

    def _set_body(self, text: str, *, wrap: bool, highlight: bool) -> None:
        # Empty first: changing the wrap modes re-lays out whatever text is still there.
        self._body.clear()
        set_wrap(self._body, text, wrap=wrap)
        # Set before the text: the highlighter colors blocks as the text goes in.
        self._highlighter.enabled = highlight
        self._body.setPlainText(text)
        self._last_line = len(text) - text.rfind("\n") - 1
        self._body_changed(jump=True)

    def _set_notice(self, lines: list[str]) -> None:
        self._notice.setText("\n".join(lines))
        self._notice.setVisible(bool(lines))
