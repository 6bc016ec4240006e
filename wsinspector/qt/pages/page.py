"""What the window asks of every page kind, whatever its source of events.

A page is a source of events, a LogWorkspace showing them, and its own controls. The
window holds pages in tabs and treats them alike through `Page`: the tab's title and state,
the workspace (log, detail, handshake), export, clearing, the layout of the splitters and
shutting down. What only one kind can do (connect, send, ping) the window asks of that
kind. A new kind (a server page, a relay page) is one more module with a Page subclass.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QByteArray, Signal
from PySide6.QtWidgets import QWidget

from wsinspector.core.log.events import ConnState
from wsinspector.qt.workspace.detail_view import MessageDetailView
from wsinspector.qt.workspace.handshake_pane import HandshakePane
from wsinspector.qt.workspace.log_view import LogPanel, LogView
from wsinspector.qt.workspace.logmodel import LogModel
from wsinspector.qt.workspace.workspace import LogWorkspace

STATE_COLORS = {
    ConnState.IDLE: "#6b7280",
    ConnState.CONNECTING: "#b7791f",
    ConnState.OPEN: "#2f855a",
    ConnState.CLOSING: "#b7791f",
    ConnState.CLOSED: "#6b7280",
    ConnState.RECONNECTING: "#b7791f",
    ConnState.FAILED: "#c53030",
}

NEW_PAGE_TITLE = "New connection"


def title_for_uri(uri: str) -> str:
    """A tab title: host and path of the URI ("localhost:8765/chat"), or the text itself."""
    uri = uri.strip()
    if not uri:
        return NEW_PAGE_TITLE
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri
    if not parts.netloc:
        return uri
    path = parts.path if parts.path not in ("", "/") else ""
    return f"{parts.netloc}{path}"


class Page(QWidget):
    """A page of the window's tabs. Subclasses build `workspace` and their controls.

    Signals:
        title_changed(): the tab title or state changed (read `title()` and `state`).
    """

    title_changed = Signal()
    # True for a page that shows events and can't make any (a file, a recorded session).
    read_only = False

    def __init__(self, workspace: LogWorkspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace

    def title(self) -> str:
        raise NotImplementedError

    def location(self) -> str:
        """Where the events come from (a URI, a file), "" when nowhere yet."""
        raise NotImplementedError

    @property
    def state(self) -> ConnState:
        """The state the tab's dot shows."""
        return ConnState.IDLE

    @property
    def is_running(self) -> bool:
        """True while the page has a connection running (it must be closed before quitting)."""
        return False

    def export_log(self, path: str, scope: str = "all", *, include_secrets: bool = False) -> None:
        """Write the whole log ("all"), the filtered rows or the selected rows to `path`."""
        self.workspace.export_log(path, scope, include_secrets=include_secrets)

    def clear_log(self) -> None:
        raise NotImplementedError

    async def shutdown(self, reason: str = "client shutting down") -> None:
        """Stop everything of this page (a connection closes with 1001, bounded in time)."""
        self.workspace.shutdown()

    def splitter_state(self) -> dict[str, QByteArray]:
        return self.workspace.splitter_state()

    def restore_splitters(self, states: dict[str, QByteArray]) -> None:
        self.workspace.restore_splitters(states)

    # -- the workspace's parts, as the page's (tests and the window reach them so) ----------

    @property
    def model(self) -> LogModel:
        return self.workspace.model

    @property
    def log_panel(self) -> LogPanel:
        return self.workspace.log_panel

    @property
    def log_view(self) -> LogView:
        return self.workspace.log_view

    @property
    def detail_view(self) -> MessageDetailView:
        return self.workspace.detail_view

    @property
    def handshake_pane(self) -> HandshakePane:
        return self.workspace.handshake_pane
