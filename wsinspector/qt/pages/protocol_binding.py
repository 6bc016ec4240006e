"""A live page's protocol: the bar's choice, the composer's fields, and the reader of the
log (rows, the Protocol detail tab, the filter: LogWorkspace.set_protocol), kept in step with
the page's session (its controller's ProtocolDriver).

Messages are read by the session's own protocol once connected (it knows which event an ack
answers, which operation a `next` belongs to), else by a fresh one that knows only the
messages themselves, as for a log read back from a file.

objectNames: the bar and the composer name their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from wsinspector.core.app.errors import UserError
from wsinspector.core.log.events import ConnState
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import BODY, ComposeError, WireProtocol
from wsinspector.core.protocols.graphql import GraphQLProtocol
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.qt.forms.protocol_bar import ProtocolBar
from wsinspector.qt.forms.protocol_composer import ProtocolComposer

if TYPE_CHECKING:
    from wsinspector.qt.pages.live_page import LivePage


class ProtocolBinding(QObject):
    def __init__(self, page: LivePage) -> None:
        super().__init__(page)
        self.page = page
        self.bar = ProtocolBar()
        self.composer = ProtocolComposer()
        self.bar.changed.connect(self._on_protocol)
        self.composer.stop_requested.connect(self._stop)
        page.uri_edit.textEdited.connect(self._propose)
        page.form.subprotocols_edit.textEdited.connect(self._propose)
        page.controller.state_changed.connect(self._on_state)
        page.model.rows_flushed.connect(lambda _rows: self._show_running())
        self._on_protocol(self.bar.key)

    @property
    def key(self) -> str:
        return self.bar.key

    def apply(self, options: ConnectionOptions) -> ConnectionOptions:
        """The form's options with the page's protocol and its settings."""
        from dataclasses import replace

        key = "" if self.key == registry.WEBSOCKET else self.key
        return replace(options, protocol=key, protocol_params=self.bar.params())

    def show(self, options: ConnectionOptions) -> None:
        self.bar.set_protocol(options.protocol, options.protocol_params)

    def send(self, body: str) -> bool:
        """Send the composer's message in the page's protocol; False for plain WebSocket."""
        if self.key == registry.WEBSOCKET:
            return False
        self.composer.show_error(None)
        try:
            self.page.controller.send_composed(self.composer.composed(body))
        except ComposeError as exc:
            if exc.field == BODY:
                self.page.composer.show_error(str(exc))
            else:
                self.composer.show_error(exc)
        self._show_running()
        return True

    # -- reactions --------------------------------------------------------------------------

    def _propose(self, _text: str = "") -> None:
        subprotocols = tuple(self.page.form.subprotocols_edit.text().split(","))
        self.bar.propose(self.page.uri_edit.text(), subprotocols)

    def _on_protocol(self, key: str) -> None:
        self.composer.set_protocol(key)
        self._use_reader()

    def _on_state(self, event: object) -> None:
        if getattr(event, "state", None) is ConnState.OPEN:
            self._use_reader()

    def _use_reader(self) -> None:
        driver = self.page.controller.driver
        reader: WireProtocol | None
        if driver is not None and driver.protocol.name == self.key:
            reader = driver.protocol
        else:
            try:
                reader = registry.create(ConnectionOptions("", protocol=self.key))
            except UserError:
                reader = None
        self.page.workspace.set_protocol(reader)

    def _show_running(self) -> None:
        driver = self.page.controller.driver
        protocol = driver.protocol if driver is not None else None
        if isinstance(protocol, GraphQLProtocol):
            self.composer.set_running(protocol.running())

    def _stop(self, operation_id: str) -> None:
        try:
            self.page.controller.send_composed({"stop": operation_id})
        except ComposeError as exc:
            self.composer.show_error(exc)
        self._show_running()
