"""Everything the form asks for, as one typed record, and how it maps onto websockets' connect()."""

from __future__ import annotations

import enum
import ssl
from dataclasses import dataclass, field
from typing import Any

from wsinspector.core.decoders.settings import DecoderSettings
from wsinspector.core.websocket.auth import Auth, auth_header, auth_uri
from wsinspector.core.websocket.clientcert import configure as configure_client_cert
from wsinspector.core.websocket.clientcert import load_identity
from wsinspector.core.websocket.cookies import with_cookies
from wsinspector.core.websocket.limits import websockets_max_size
from wsinspector.core.websocket.proxies import ProxyMode, proxy_argument
from wsinspector.core.websocket.reconnect import ReconnectPolicy
from wsinspector.core.websocket.redirects import MOST_REDIRECTS

# An inspector must be able to receive what a server sends; the library's 1 MiB default would
# fail the connection with 1009 on the first large message.
DEFAULT_MAX_MESSAGE_SIZE = 64 * 2**20

# websockets' queue of received frames: reading pauses above the first, resumes below the
# second. Measured under a flood with recording on (alternating runs): Close→closed 343 to 386 ms
# against 735 to 987 ms unbounded, at the same rate; (2048, 512) was no faster to close.
READ_QUEUE_MARKS = (8192, 2048)

# The settings form's ranges (wsinspector.qt.forms.connection_form), so that a record survives
# form → options → form exactly when its values lie inside them:
# - seconds have SECONDS_DECIMALS decimals; an optional timeout's spin at 0 means None;
# - max_message_size is None ("no limit") or 1 byte .. MAX_MESSAGE_SIZE_MIB MiB + 1 MiB - 1
#   (a MiB spin plus an exact remainder in bytes); 0 can't be shown and reads back as None;
# - URI, Origin and CA file lose surrounding blanks (they are pasted into one-line fields);
#   header names and values and the User-Agent are kept exactly; a header whose name is blank
#   is ignored;
# - on-connect messages are lines of one text box: none may be blank or hold a line or
#   paragraph break (\n, \r, U+2029) or Qt's frame markers U+FDD0/U+FDD1, and the first can't
#   start with a byte-order mark U+FEFF.
SECONDS_DECIMALS = 2
OPEN_TIMEOUT_MAX = 600.0
PING_SECONDS_MAX = 3600.0
CLOSE_TIMEOUT_MAX = 600.0
MAX_MESSAGE_SIZE_MIB = 4096


class UserAgentMode(enum.StrEnum):
    DEFAULT = "default"  # the library's "Python/x.y websockets/z"
    CUSTOM = "custom"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    uri: str
    origin: str = ""
    subprotocols: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    user_agent_mode: UserAgentMode = UserAgentMode.DEFAULT
    user_agent: str = ""
    tls_verify: bool = True
    ca_file: str = ""
    open_timeout: float | None = 10.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    close_timeout: float = 3.0
    max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE
    compression: bool = True
    # HTTP redirects one connection attempt follows at most (websockets' own limit is the most).
    max_redirects: int = MOST_REDIRECTS
    reconnect: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    on_connect_messages: tuple[str, ...] = ()
    # How the page shows binary payloads (log, filter, detail view); not sent anywhere.
    decoder: DecoderSettings = field(default_factory=DecoderSettings)
    # The system's proxy by default, as browsers (core/websocket/proxies.py); the URL may hold
    # user:password, the password a secret.
    proxy_mode: ProxyMode = ProxyMode.SYSTEM
    proxy_url: str = ""
    # Mutual TLS (core/websocket/clientcert.py): a PEM certificate (its key inside or in
    # client_key) or one PKCS#12 file; the passphrase is a secret.
    client_cert: str = ""
    client_key: str = ""
    client_key_password: str = ""
    # What rides on the socket (a key of core/protocols/registry; "" is plain WebSocket) and
    # its settings by name (Socket.IO's namespace and auth, GraphQL's init payload, …).
    protocol: str = ""
    protocol_params: tuple[tuple[str, str], ...] = ()
    # The Auth tab (core/websocket/auth.py): applied by connect_uri and connect_kwargs.
    auth: Auth = field(default_factory=Auth)
    # The Cookies tab (core/websocket/cookies.py): rows sent in the Cookie header, and
    # whether an accepted handshake's Set-Cookie updates them.
    cookies: tuple[tuple[str, str], ...] = ()
    keep_set_cookies: bool = False

    @property
    def is_secure(self) -> bool:
        return self.uri.strip().lower().startswith("wss://")

    @property
    def connect_uri(self) -> str:
        """The URI to open: `uri` plus the API key when the Auth tab puts it in the query."""
        return auth_uri(self.uri, self.auth)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for wss:// (None for ws://).

        Verification on: the system's trust store plus `ca_file`. Off: no certificate and no
        host-name check at all.
        """
        if not self.is_secure:
            return None
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        if not self.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.client_cert:
            identity = load_identity(self.client_cert, self.client_key, self.client_key_password)
            configure_client_cert(context, identity)
        return context

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for websockets.asyncio.client.connect (without uri and hooks)."""
        headers = with_cookies(list(self.headers), self.cookies)
        extra = auth_header(self.auth)
        if extra is not None:
            headers.append(extra)
        kwargs: dict[str, Any] = {
            "origin": self.origin or None,
            "subprotocols": list(self.subprotocols) or None,
            "additional_headers": headers or None,
            "compression": "deflate" if self.compression else None,
            "open_timeout": self.open_timeout,
            "ping_interval": self.ping_interval,
            "ping_timeout": self.ping_timeout,
            "close_timeout": self.close_timeout,
            # The user's limit is enforced on whole messages by the frame tap (websocket/limits.py);
            # websockets only bounds one frame.
            "max_size": websockets_max_size(self.max_message_size),
            # Flow control with a high mark: one 256 KiB socket read parses thousands of small
            # messages while the reader logs 512 a loop turn, so without it the queue grew for
            # the whole flood and Close waited ~1 s for the reader to log it (issue 20). The
            # marks are high so that pauses are rare: each re-creates a QSocketNotifier under
            # qasync, which cost 40% of a flood when websockets' default (16) paused constantly.
            "max_queue": READ_QUEUE_MARKS,
            "proxy": proxy_argument(self.proxy_mode, self.proxy_url),
        }
        if self.user_agent_mode is UserAgentMode.NONE:
            kwargs["user_agent_header"] = None
        elif self.user_agent_mode is UserAgentMode.CUSTOM:
            kwargs["user_agent_header"] = self.user_agent
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl"] = context
        return kwargs
