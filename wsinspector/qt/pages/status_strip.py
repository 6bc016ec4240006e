"""The live page's status strip: the connection's status, a URI's or a close's error, the TLS
remedies and warning, and the rates; in one strip of fixed height, so that nothing below jumps."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

from wsinspector.core.log.eventlog import EventLog
from wsinspector.qt.forms.field_widgets import error_label
from wsinspector.qt.pages.rate_view import RateView
from wsinspector.qt.widgets.elided_label import ElidedLabel


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
        self.tls_warning = QLabel(
            "⚠ TLS verification is off: this connection is encrypted, but the server's "
            "identity is not checked."
        )
        self.tls_warning.setObjectName("tlsWarningLabel")
        self.tls_warning.setStyleSheet(
            "background: #fefcbf; color: #744210; padding: 3px 6px; border-radius: 3px;"
        )
        self.tls_warning.setWordWrap(True)
        self.tls_warning.setMaximumWidth(420)
        self.tls_warning.hide()
        self.uri_error = error_label("uriError")
        self.uri_error.setTextFormat(Qt.TextFormat.PlainText)
        self.uri_fix_button = QPushButton()
        self.uri_fix_button.setObjectName("uriFixButton")
        self.uri_fix_button.hide()
        self.close_error = error_label("closeError")
        self.ca_file_button = QPushButton("Use a CA file…")
        self.ca_file_button.setObjectName("useCaFileButton")
        self.ca_file_button.setToolTip("Trust the server's CA from a PEM file, and connect again")
        self.no_verify_button = QPushButton("Connect without verification")
        self.no_verify_button.setObjectName("skipVerificationButton")
        self.no_verify_button.setToolTip(
            "Turn certificate and host name checks off for this connection, and connect again"
        )
        self.certificate_label = QLabel()
        self.certificate_label.setObjectName("certificateLabel")
        self.certificate_label.setTextFormat(Qt.TextFormat.PlainText)
        self.certificate_label.setWordWrap(True)
        self.certificate_label.setStyleSheet("color: #4a5568;")
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
