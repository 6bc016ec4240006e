"""Checks of the form's input before anything is sent, each with a message for people.

Every problem names the field it belongs to, so the window can show it next to that field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from websockets.frames import EXTERNAL_CLOSE_CODES

from wsinspector.core.websocket.auth import check_auth
from wsinspector.core.websocket.clientcert import ClientCertError, load_identity
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import ProxyMode, check_proxy_url

# RFC 9110 §5.6.2: token = 1*tchar
# \Z, not $: "$" also matches before a trailing newline, which would let "name\n" through.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")

# RFC 3986 §3.1 scheme, followed by "://".
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_WEB_TO_WS = {"http": "ws", "https": "wss"}
_HALF_SCHEME = re.compile(r"^(?:wss?|https?):(?!//)", re.IGNORECASE)
# Besides letters and digits, what host names and IP addresses hold (IPv6 without brackets).
_HOST_PUNCTUATION = frozenset("._~%:-")

# Headers that websockets writes itself; a second copy would break the handshake.
LIBRARY_HEADERS = {
    "host": "websockets sets Host from the URI",
    "upgrade": "Upgrade: websocket is part of every WebSocket handshake",
    "connection": "Connection: Upgrade is part of every WebSocket handshake",
    "sec-websocket-key": "the client library generates a fresh key for each handshake",
    "sec-websocket-version": "the client library always sends version 13",
    "sec-websocket-accept": "Sec-WebSocket-Accept is a response header, computed by the server",
    "sec-websocket-extensions": "use the permessage-deflate setting instead",
    "sec-websocket-protocol": "use the Subprotocols field instead",
    "origin": "use the Origin field instead",
    "user-agent": "use the User-Agent field instead",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    """`field` is one of: uri, origin, subprotocols, headers, user_agent, ca_file,
    close_code, close_reason, reconnect, proxy, client_cert, auth, cookies. `row` is the header
    row for header problems."""

    field: str
    message: str
    row: int | None = None


def is_token(text: str) -> bool:
    return bool(_TOKEN.match(text))


def suggest_uri(text: str) -> str | None:
    """The ws:// or wss:// URI that `text` most likely means, or None.

    "localhost:8765" → "ws://localhost:8765", "example.com:443/feed" → "wss://…" (port 443
    is TLS), "http://…" → "ws://…", "https://…" → "wss://…". None for text that already is a
    ws:// or wss:// URI, for other schemes, and for text that can't be a URI (empty, blanks,
    no host, a bad port).
    """
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        return None
    match = _SCHEME.match(text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in _WEB_TO_WS:
            return None  # ws/wss already, or a scheme that has nothing to do with WebSockets
        scheme, rest = _WEB_TO_WS[scheme], text[match.end() :]
    elif _HALF_SCHEME.match(text):
        return None  # "ws:/x", "http:host": a scheme without "//", not a host name
    else:
        scheme, rest = "", text.removeprefix("//")
    try:
        parts = urlsplit("//" + rest)
        port = parts.port
    except ValueError:  # a bad port, or a bracketed host that is no IPv6 address
        return None
    host = parts.hostname
    if not host or port == 0 or parts.netloc.endswith(":"):
        return None
    if not all(c.isalnum() or c in _HOST_PUNCTUATION for c in host):
        return None
    if not scheme:
        scheme = "wss" if port == 443 else "ws"
    return f"{scheme}://{rest}"


BAD_BRACKETED_HOST = (
    "The host in [brackets] must be a whole IPv6 address with its closing bracket, "
    "for example ws://[::1]:8765/"
)


def check_uri(uri: str) -> str | None:
    uri = uri.strip()
    if not uri:
        return "Enter a WebSocket URI, for example ws://localhost:8765/"
    try:
        parts = urlsplit(uri)
    except ValueError:
        # "ws://[::1", "ws://[abc]/x": Python refuses a bracketed host that isn't IPv6.
        return BAD_BRACKETED_HOST
    if parts.scheme.lower() not in ("ws", "wss"):
        if not _SCHEME.match(uri):
            # No scheme at all ("localhost:8765" reads as scheme "localhost" to urlsplit).
            suggestion = suggest_uri(uri)
            if suggestion:
                return f"The URI must start with ws:// or wss://: did you mean {suggestion}?"
        shown = parts.scheme or uri.split(":", 1)[0]
        hint = ""
        if parts.scheme.lower() in ("http", "https"):
            hint = f" (use {'wss' if parts.scheme.lower() == 'https' else 'ws'}://)"
        return f"The URI must start with ws:// or wss://, not {shown!r}{hint}"
    if not parts.hostname:
        return "The URI has no host name, for example ws://localhost:8765/"
    try:
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return "The port must be a number from 1 to 65535"
    if port == 0:
        # websockets would quietly connect to the scheme's default port instead.
        return "The port must be a number from 1 to 65535"
    if any(c in uri for c in " \t\r\n"):
        return "The URI must not contain spaces or line breaks (encode them as %20)"
    return None


def _origin_has_host(origin: str) -> bool:
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)


def _is_latin1(text: str) -> bool:
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def _has_control(text: str) -> bool:
    return any(c in text for c in "\r\n\x00")


def _browser_origin(origin: str) -> bool:
    """A scheme and host, or what browsers send from pages that have none ("null", "file://")."""
    return origin == "null" or origin.lower().startswith("file:") or _origin_has_host(origin)


def check_options(options: ConnectionOptions) -> list[FieldError]:
    errors: list[FieldError] = []
    problem = check_uri(options.uri)
    if problem:
        errors.append(FieldError("uri", problem))
    if options.origin:
        if _has_control(options.origin):
            errors.append(FieldError("origin", "The Origin must not contain line breaks or NUL"))
        elif not _browser_origin(options.origin):
            errors.append(
                FieldError("origin", "The Origin is a scheme and host, e.g. https://example.com")
            )
    for protocol in options.subprotocols:
        if not is_token(protocol):
            errors.append(
                FieldError(
                    "subprotocols",
                    f"Subprotocol {protocol!r} is not a token: letters, digits and "
                    "!#$%&'*+-.^_`|~ only, separated by commas",
                )
            )
            break
    for row, (name, value) in enumerate(options.headers):
        if not is_token(name):
            errors.append(
                FieldError(
                    "headers",
                    f"Header name {name!r} is not a valid token (no spaces, colons or quotes)",
                    row,
                )
            )
        elif name.lower() in LIBRARY_HEADERS:
            errors.append(
                FieldError(
                    "headers", f"{name} can't be set here: {LIBRARY_HEADERS[name.lower()]}", row
                )
            )
        elif _has_control(value):
            errors.append(
                FieldError("headers", f"The value of {name} must not hold CR, LF or NUL", row)
            )
        elif not _is_latin1(value):
            errors.append(
                FieldError(
                    "headers",
                    f"The value of {name} has characters outside ISO-8859-1 (Latin-1)",
                    row,
                )
            )
    if options.user_agent_mode == "custom":
        if _has_control(options.user_agent):
            errors.append(FieldError("user_agent", "The User-Agent must not hold CR, LF or NUL"))
        elif not _is_latin1(options.user_agent):
            errors.append(
                FieldError("user_agent", "The User-Agent has characters outside ISO-8859-1")
            )
    if options.origin and not _is_latin1(options.origin):
        errors.append(
            FieldError("origin", "The Origin has characters outside ISO-8859-1 (use punycode)")
        )
    for message in options.on_connect_messages:
        try:
            message.encode()
        except UnicodeEncodeError:
            errors.append(
                FieldError("reconnect", "An on-connect message is not valid Unicode text")
            )
            break
    if options.ca_file:
        if not options.is_secure:
            errors.append(FieldError("ca_file", "A CA file only applies to wss:// URIs"))
        elif not os.path.isfile(options.ca_file):
            errors.append(FieldError("ca_file", f"No such file: {options.ca_file}"))
    policy = options.reconnect
    if policy.initial_delay < 0 or policy.max_delay <= 0 or policy.max_attempts < 0:
        errors.append(FieldError("reconnect", "Reconnect delays and attempts can't be negative"))
    errors.extend(check_reach(options))
    return errors


def check_close(code: int, reason: str) -> list[FieldError]:
    """RFC 6455 §7.4: only some codes may appear on the wire; the reason fits in 123 bytes."""
    errors: list[FieldError] = []
    if code not in EXTERNAL_CLOSE_CODES and not 3000 <= code <= 4999:
        errors.append(
            FieldError(
                "close_code",
                f"Close code {code} can't be sent: use 1000-1003, 1007-1014 or 3000-4999",
            )
        )
    if len(reason.encode()) > 123:
        errors.append(FieldError("close_reason", "The close reason is limited to 123 bytes"))
    return errors


def check_reach(options: ConnectionOptions) -> list[FieldError]:
    """The proxy's settings (core/websocket/proxies.py), the client certificate
    (core/websocket/clientcert.py) and the Auth tab (core/websocket/auth.py)."""
    errors: list[FieldError] = []
    if options.proxy_mode is ProxyMode.CUSTOM:
        problem = check_proxy_url(options.proxy_url)
        if problem:
            errors.append(FieldError("proxy", problem))
    if options.client_cert or options.client_key:
        if not options.is_secure:
            errors.append(FieldError("client_cert", "A client certificate only applies to wss://"))
        elif not options.client_cert:
            errors.append(FieldError("client_cert", "Give the certificate of this key"))
        else:
            try:
                load_identity(options.client_cert, options.client_key, options.client_key_password)
            except ClientCertError as exc:
                errors.append(FieldError("client_cert", str(exc)))
    problem = check_auth(options.auth)
    if problem:
        errors.append(FieldError("auth", problem))
    for name, value in options.cookies:
        if not is_token(name.strip()):
            errors.append(FieldError("cookies", f"“{name}” is not a cookie name"))
        elif any(c in value for c in ';,"\r\n\0') or not _is_latin1(value):
            errors.append(
                FieldError(
                    "cookies", f"The value of cookie {name} can't hold ; , \" or line breaks"
                )
            )
    return errors
