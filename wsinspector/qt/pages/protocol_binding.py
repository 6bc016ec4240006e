"""A live page's protocol: the bar's choice, the composer's fields, and the reader of the
log (rows, the Protocol detail tab, the filter: LogWorkspace.set_protocol), kept in step with
the page's session (its controller's ProtocolDriver); and the protocol's saved messages: saved
with the composer's fields, sent or loaded back, and those marked "on connect" handed to the
connection. Every field's {{variables}} are filled the way a plain message's are (the page's
profile binding).

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
from wsinspector.core.protocols.base import BODY, Composed, ComposeError, WireProtocol
from wsinspector.core.protocols.graphql import GraphQLProtocol
from wsinspector.core.storage.profiles import SavedMessage
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

    @property
    def speaks(self) -> bool:
        """The page speaks a protocol on top of WebSocket."""
        return self.key != registry.WEBSOCKET

    def send(self, body: str) -> bool:
        """Send the composer's message in the page's protocol; False for plain WebSocket."""
        if not self.speaks:
            return False
        self.send_body(body)
        return True

    def send_body(self, body: str) -> str:
        """Send the protocol composer's fields with `body`: "" when sent, else why not (also
        shown next to its field)."""
        return self._send_composed(self.composer.composed(body))

    def send_saved(self, message: SavedMessage) -> str:
        """Send a saved protocol message, if the page speaks its protocol: "" when sent, else
        why not (also shown under the composer)."""
        if message.protocol != self.key:
            problem = (
                f"“{message.name}” is a {registry.info(message.protocol).label} "
                f"message; this page speaks {registry.info(self.key).label}"
            )
            self.page.composer.show_error(f"Not sent: {problem}")
            return problem
        return self._send_composed(message.composed())

    def save_new(self, text: str, mode: str) -> None:
        """Keep the composer's message, with the protocol's fields when the page speaks one."""
        key = "" if self.key == registry.WEBSOCKET else self.key
        self.page.saved_messages.save_new(text, mode, key, self.composer.fields(key))

    def load(self, message: SavedMessage) -> None:
        """Put a saved message back into the composers (its body, its protocol's fields)."""
        self.page.composer.set_draft(message.text, message.mode)
        self.composer.fill(dict(message.fields))

    def on_connect(self, messages: tuple[SavedMessage, ...]) -> tuple[Composed, ...] | str:
        """The saved messages to send on connect in the page's protocol, filled; or why
        not (an undefined variable), in words."""
        return self.page.profile_binding.prepare_on_connect(messages, self.key)

    def _send_composed(self, composed: Composed) -> str:
        self.composer.show_error(None)
        prepared = self.page.profile_binding.prepare_composed(composed)
        if prepared.composed is None:
            self.page.composer.show_error(f"Not sent: {prepared.problem}")
            return prepared.problem
        try:
            self.page.controller.send_composed(prepared.composed)
        except ComposeError as exc:
            if exc.field == BODY:
                self.page.composer.show_error(str(exc))
            else:
                self.composer.show_error(exc)
            return str(exc)
        finally:
            self._show_running()
        return ""

    # -- reactions --------------------------------------------------------------------------

    def _propose(self, _text: str = "") -> None:
        subprotocols = tuple(self.page.form.subprotocols_edit.text().split(","))
        self.bar.propose(self.page.uri_edit.text(), subprotocols)

    def _on_protocol(self, key: str) -> None:
        self.composer.set_protocol(key)
        self.page.composer.empty_saves = key != registry.WEBSOCKET
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
