"""A live page's help for bad input and failures: the URI error with its one-click fix, and
for an untrusted certificate the remedies (a CA file, or no verification) with the
certificate itself shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from wsinspector.core.log.events import ErrorKind
from wsinspector.core.websocket.tlsinfo import describe_certificate, fetch_certificate
from wsinspector.core.websocket.validation import suggest_uri

if TYPE_CHECKING:
    from wsinspector.qt.pages.live_page import LivePage


class Remedies:
    """The remedies of one live page, shown in its status strip."""

    def __init__(self, page: LivePage) -> None:
        self.page = page
        self._suggestion = ""

    def show_uri_errors(self, messages: list[str]) -> None:
        self.page.uri_error.setText("\n".join(messages))
        self.page.uri_error.setVisible(bool(messages))
        suggestion = suggest_uri(self.page.uri_edit.text()) if messages else None
        self._suggestion = suggestion or ""
        if suggestion:
            self.page.uri_fix_button.setText(f"Use {suggestion}")
        self.page.uri_fix_button.setVisible(bool(suggestion))

    def apply_uri_fix(self) -> None:
        """The user took the suggested URI: use it and connect."""
        self.page.set_uri(self._suggestion)
        self.page.uri_fix_button.hide()
        self.page.uri_error.hide()
        self.page.connect_from_form()

    def offer(self) -> None:
        """An untrusted certificate: offer a CA file or no verification, show the certificate."""
        error = self.page.connection.last_error
        options = self.page.connection.options
        if error is None or error.kind is not ErrorKind.TLS_UNTRUSTED or options is None:
            return
        self.page.ca_file_button.show()
        self.page.no_verify_button.show()
        self.page.certificate_label.setText("Reading the server's certificate …")
        self.page.certificate_label.show()
        self.page.controller.spawn(self._show_certificate(options.uri))

    async def _show_certificate(self, uri: str) -> None:
        info = await fetch_certificate(uri)
        if not self.page.certificate_label.isHidden():
            self.page.certificate_label.setText(
                describe_certificate(info).replace("\n", " · ")
                if info is not None
                else "The server's certificate could not be read."
            )

    def hide(self) -> None:
        for widget in (
            self.page.ca_file_button,
            self.page.no_verify_button,
            self.page.certificate_label,
        ):
            widget.hide()

    def choose_ca_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.page, "Trust the CA certificates in", "", "PEM files (*.pem *.crt *.cer);;All (*)"
        )
        if path:
            self.page.form.ca_file_edit.setText(path)
            self.page.form.tls_verify_check.setChecked(True)
            self.page.connect_from_form()

    def connect_without_verification(self) -> None:
        self.page.form.tls_verify_check.setChecked(False)
        self.page.connect_from_form()
