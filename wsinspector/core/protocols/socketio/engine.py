"""Engine.IO, the transport under Socket.IO: which version a page speaks, the URI of its
websocket transport, and v3's keepalive.

Engine.IO v4 (Socket.IO v3 and later) has the server ping and the client answer; v3
(Socket.IO v2 servers, still common) the reverse: the client pings every pingInterval of the
open packet and the server pongs, and a server that heard no ping for pingInterval +
pingTimeout drops the client.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wsinspector.core.protocols.base import Outgoing
from wsinspector.core.protocols.params import Params, ProtocolSettingsError, text_param

DEFAULT_PATH = "/socket.io/"
# The Socket.IO setting that chooses the version: auto reads the URI's EIO= (v4 without).
VERSION_PARAM = "eio"
AUTO = "auto"
VERSIONS = (AUTO, "4", "3")
PING = "2"


def engine_version(uri: str, params: Params) -> int:
    """3 or 4, as the setting says; auto: the EIO= the user typed in the URI, else 4.
    Raises ProtocolSettingsError for a version this page can't speak."""
    setting = text_param(params, VERSION_PARAM, AUTO).lower()
    if setting == AUTO:
        try:
            query = dict(parse_qsl(urlsplit(uri.strip()).query))
        except ValueError:
            query = {}
        setting = query.get("EIO", "4").strip() or "4"
    if setting not in VERSIONS[1:]:
        raise ProtocolSettingsError(f"Engine.IO {setting} is not spoken here (3 or 4)")
    return int(setting)


def socketio_uri(uri: str, params: Params | None = None) -> str:
    """The websocket transport's URI for what the user typed: http(s):// is accepted as
    Postman does, the path defaults to /socket.io/, and EIO=<version>&transport=websocket
    are added."""
    version = engine_version(uri, params or {})
    parts = urlsplit(uri.strip())
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme.lower(), parts.scheme.lower())
    path = parts.path if parts.path not in ("", "/") else DEFAULT_PATH
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query["EIO"] = str(version)
    query["transport"] = "websocket"
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))


class ClientPings:
    """Engine.IO v3's keepalive, the client's side: a ping every pingInterval from the open
    packet on, and a problem said once when the server's pong is later than pingTimeout."""

    def __init__(self) -> None:
        self.interval: float | None = None
        self.timeout = 0.0
        self._next = 0.0
        self._pong_due: float | None = None

    def reset(self) -> None:
        """A new connection: nothing is due until its open packet."""
        self.interval = None
        self._pong_due = None

    def opened(self, open_data: object, now: float) -> None:
        """The server's open packet: its pingInterval and pingTimeout, in ms."""
        if not isinstance(open_data, dict):
            return
        interval = open_data.get("pingInterval")
        timeout = open_data.get("pingTimeout")
        if isinstance(interval, int | float) and interval > 0:
            self.interval = interval / 1000
            self.timeout = timeout / 1000 if isinstance(timeout, int | float) else self.interval
            self._next = now + self.interval
            self._pong_due = None

    def ponged(self) -> None:
        self._pong_due = None

    def tick(self, now: float) -> tuple[list[Outgoing], str]:
        if self.interval is None:
            return [], ""
        problem = ""
        if self._pong_due is not None and now > self._pong_due:
            problem = f"the Socket.IO server did not answer a ping within {self.timeout:g} s"
            self._pong_due = None
        if now < self._next:
            return [], problem
        self._next = now + self.interval
        if self._pong_due is None:
            self._pong_due = now + self.timeout
        return [Outgoing(PING, "Engine.IO v3 keepalive")], problem
