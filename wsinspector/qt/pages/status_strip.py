"""The live page's status strip: the connection's status, a URI's or a close's error, the TLS
remedies and warning, and the rates; in one strip of fixed height, so that nothing below jumps."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState
from wsinspector.qt.forms.field_widgets import ERROR_STYLE
from wsinspector.qt.pages.page import STATE_COLORS
from wsinspector.qt.pages.rate_view import RateView
from wsinspector.qt.widgets.elided_label import ElidedLabel

FORM_PROBLEM_TEXT = "Not connected: fix what is in red, then Connect (F5)."
# At 1280 px wide the status keeps about half the strip beside a URI's fix button.
FIX_TEXT_WIDTH = 240


def notice_label(name: str, style: str) -> ElidedLabel:
    """A hidden one-line notice under the status, elided, its whole text in the tooltip."""
    label = ElidedLabel(max_lines=1)
    label.setObjectName(name)
    label.setStyleSheet(style)
    label.setFixedHeight(label.fontMetrics().lineSpacing())
    label.hide()
    return label


class FixButton(QPushButton):
    """A button whose long text ("Use ws://host/a/long/path…") is elided in the middle to
    FIX_TEXT_WIDTH, so that it leaves the status its room; `text()` and the tooltip keep
    the whole of it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._whole = ""

    def text(self) -> str:
        return self._whole

    def setText(self, text: str) -> None:
        self._whole = text
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, FIX_TEXT_WIDTH)
        super().setText(shown.replace("&", "&&"))  # a "&" of a query is not a shortcut
        self.setToolTip(text if shown != text else "")


class StatusStrip(QFrame):
    """Its widgets are the page's to show, hide and fill (objectNames: statusArea,
    connectionStatusLabel, tlsWarningLabel, uriError, uriFixButton, closeError,
    useCaFileButton, skipVerificationButton, certificateLabel; RateView's)."""

    def __init__(self, log: EventLog, last_rtt: Callable[[], float | None]) -> None:
        super().__init__()
        # The strip holds two lines: a longer status (a reconnect's last error) ends in "…"
        # with the whole of it in the tooltip, rather than the strip growing. While
        # reconnecting the status alternates between a short "Connecting …" and a long
        # "Reconnecting … last error: …" on every attempt; a growing strip would bounce the
        # log up and down each time. The error is also a row of the log, shown in full.
        self.status_label = ElidedLabel(max_lines=2)
        self.status_label.setObjectName("connectionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setMinimumWidth(200)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        # The notices below get what the status leaves of the two lines, the certificate's
        # details and a URI's errors one line each: they end in "…" with the whole text in
        # their tooltip, never cut through the middle by the strip's edge.
        self.tls_warning = ElidedLabel(max_lines=2)
        self.tls_warning.setText(
            "⚠ TLS verification is off: this connection is encrypted, but the server's "
            "identity is not checked."
        )
        self.tls_warning.setObjectName("tlsWarningLabel")
        self.tls_warning.setStyleSheet(
            "background: #fefcbf; color: #744210; padding: 3px 6px; border-radius: 3px;"
        )
        # Two lines of it, within the strip's height: not squeezed into three.
        half = self.tls_warning.fontMetrics().horizontalAdvance(self.tls_warning.text()) // 2
        self.tls_warning.setFixedWidth(min(420, half + 40))
        self.tls_warning.hide()
        self.uri_error = notice_label("uriError", ERROR_STYLE)
        self.uri_fix_button = FixButton()
        self.uri_fix_button.setObjectName("uriFixButton")
        self.uri_fix_button.hide()
        self.close_error = notice_label("closeError", ERROR_STYLE)
        self.ca_file_button = QPushButton("Use a CA file…")
        self.ca_file_button.setObjectName("useCaFileButton")
        self.ca_file_button.setToolTip("Trust the server's CA from a PEM file, and connect again")
        self.no_verify_button = QPushButton("Connect without verification")
        self.no_verify_button.setObjectName("skipVerificationButton")
        self.no_verify_button.setToolTip(
            "Turn certificate and host name checks off for this connection, and connect again"
        )
        self.certificate_label = notice_label("certificateLabel", "color: #4a5568;")
        for widget in (self.ca_file_button, self.no_verify_button, self.certificate_label):
            widget.hide()

        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(0)
        left.addWidget(self.status_label)
        left.addWidget(self.certificate_label)
        left.addWidget(self.uri_error)
        left.addWidget(self.close_error)
        left.addStretch(1)
        right = QHBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.uri_fix_button)
        right.addWidget(self.ca_file_button)
        right.addWidget(self.no_verify_button)
        right.addWidget(self.tls_warning)
        # The page's status bar also shows the rates each way and the last round trip, with a
        # chart of the last minutes; in this strip it takes no height from the log.
        self.rate_view = RateView(log, last_rtt)
        right.addWidget(self.rate_view)
        strip = QHBoxLayout()
        strip.setContentsMargins(4, 2, 4, 2)
        strip.addLayout(left, 1)
        strip.addLayout(right)
        self.setObjectName("statusArea")
        self.setLayout(strip)
        self.setFixedHeight(self.fontMetrics().height() * 2 + 10)

    def show_form_problem(self) -> None:
        """A new attempt stopped by the form's errors (marked in red by their fields): the
        headline no longer shows the last attempt's failure. The next state restyles it."""
        self.status_label.setText(FORM_PROBLEM_TEXT)
        self.status_label.setStyleSheet(
            f"color: {STATE_COLORS[ConnState.IDLE]}; font-weight: bold;"
        )
