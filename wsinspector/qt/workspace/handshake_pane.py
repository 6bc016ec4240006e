"""The opening handshake as it crossed the wire: request on the left, response on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from wsinspector.core.log.events import HandshakeEvent
from wsinspector.core.log.wording import extension_words, is_redirect, redirect_hops_words
from wsinspector.core.text.formatting import human_size

# A rejected handshake's body can be a whole HTML error page; show enough to read it.
BODY_PREVIEW_BYTES = 64 * 1024


def header_lines(first_line: str, headers: tuple[tuple[str, str], ...]) -> str:
    return "\n".join([first_line, *(f"{name}: {value}" for name, value in headers)])


def response_text(event: HandshakeEvent) -> str:
    if not event.status_line:
        return "(no HTTP response: the server closed the connection or did not answer)"
    text = header_lines(event.status_line, event.response_headers)
    if event.body:
        shown = event.body[:BODY_PREVIEW_BYTES].decode("utf-8", errors="replace")
        text += "\n\n" + shown
        if len(event.body) > BODY_PREVIEW_BYTES:
            text += f"\n… ({human_size(len(event.body))} in all)"
    return text


def _text_view(name: str) -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName(name)
    view.setReadOnly(True)
    # Wrapped: long header lines (cookies, tokens, CSP) were cut at the default width, and a
    # horizontal scroll bar took a line of the little height the pane has.
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


class HandshakePane(QWidget):
    """Request and response header views of the latest handshake."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request_view = _text_view("requestHeadersView")
        self.request_view.setPlaceholderText("The handshake request appears here once you connect.")
        self.response_view = _text_view("responseHeadersView")
        self.response_view.setPlaceholderText("The server's response appears here.")
        self.summary = QLabel()
        self.summary.setObjectName("handshakeSummaryLabel")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        # The redirect hops of the attempt shown (status, Location), one line.
        self.redirects = QLabel()
        self.redirects.setObjectName("handshakeRedirectsLabel")
        self.redirects.setWordWrap(True)
        self.redirects.setTextFormat(Qt.TextFormat.PlainText)
        self.redirects.hide()
        self._hops: list[HandshakeEvent] = []
        # The negotiated extensions' parameters in words (permessage-deflate's above all).
        self.extensions_label = QLabel()
        self.extensions_label.setObjectName("extensionsLabel")
        self.extensions_label.setWordWrap(True)
        self.extensions_label.setTextFormat(Qt.TextFormat.PlainText)
        self.extensions_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.extensions_label.hide()
        # Request above response: the pane sits beside the log, tall rather than wide, and
        # header lines are long.
        splitter = QSplitter(Qt.Orientation.Vertical)
        for title, view in (("Request", self.request_view), ("Response", self.response_view)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(QLabel(f"<b>{title}</b>"))
            box_layout.addWidget(view)
            splitter.addWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.redirects)
        layout.addWidget(self.extensions_label)
        layout.addWidget(splitter, 1)

    def show_handshake(self, event: HandshakeEvent) -> None:
        # Hops of one attempt share its connection number; another number starts afresh.
        if self._hops and self._hops[0].conn != event.conn:
            self._hops = []
        if is_redirect(event) and event not in self._hops:
            self._hops.append(event)
        self.redirects.setText(redirect_hops_words(self._hops))
        self.redirects.setVisible(bool(self._hops))
        self.request_view.setPlainText(header_lines(event.request_line, event.request_headers))
        self.response_view.setPlainText(response_text(event))
        if event.proxy_hop and event.accepted:
            self.summary.setText(
                f"Connection {event.conn}: proxy tunnel open · {event.status_line}"
            )
            self.summary.setStyleSheet("")
            self.extensions_label.hide()
        elif event.accepted:
            parts = [f"Connection {event.conn}: {event.status_line}"]
            parts.append(f"subprotocol: {event.subprotocol or 'none'}")
            parts.append(f"extensions: {event.extensions or 'none'}")
            self.summary.setText(" · ".join(parts))
            self.summary.setStyleSheet("")
            words = extension_words(event.extensions)
            self.extensions_label.setText("\n".join(words))
            self.extensions_label.setVisible(bool(words))
        else:
            verb = "redirected" if is_redirect(event) else "rejected"
            self.summary.setText(
                f"Handshake {verb}: {event.status_line or 'no response'}"
                + (f" · body {human_size(len(event.body))}" if event.body else "")
            )
            self.summary.setStyleSheet("color: #c53030; font-weight: bold;")
            self.extensions_label.hide()

    def clear(self) -> None:
        self._hops = []
        self.redirects.clear()
        self.redirects.hide()
        self.request_view.clear()
        self.response_view.clear()
        self.summary.clear()
        self.extensions_label.clear()
        self.extensions_label.hide()
