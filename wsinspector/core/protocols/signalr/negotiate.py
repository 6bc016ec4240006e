"""SignalR's negotiate: the HTTP POST before the WebSocket that says where to connect
(ASP.NET Core SignalR, "Transport Protocols", negotiate version 1).

The answer is a connection token to put in the WebSocket URI's `id`, a redirect to another
server with an access token (followed, as the official clients do), or an error. A server
with skip-negotiation takes the WebSocket straight away: then this is not called at all.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wsinspector.core.app.errors import UserError

# The official clients give up after 100 redirects.
MAX_REDIRECTS = 100
_HTTP = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
_WS = {"http": "ws", "https": "wss"}


class NegotiateError(UserError):
    """Negotiate failed; the message says how, in the user's terms."""


@dataclass(frozen=True, slots=True)
class Negotiated:
    uri: str  # the ws:// or wss:// URI to connect to
    connection_id: str
    access_token: str = ""


def _with_query(url: str, extra: dict[str, str], *, path_suffix: str = "") -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    path = parts.path.rstrip("/") + path_suffix if path_suffix else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def negotiate_url(hub: str) -> str:
    """The negotiate endpoint of a hub URI (http, https, ws or wss)."""
    parts = urlsplit(hub.strip())
    scheme = _HTTP.get(parts.scheme.lower())
    if scheme is None:
        raise NegotiateError(f"A SignalR hub's address starts with http(s):// or ws(s)://: {hub}")
    http = urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    return _with_query(http, {"negotiateVersion": "1"}, path_suffix="/negotiate")


def _post(
    url: str, headers: dict[str, str], context: ssl.SSLContext | None, timeout: float
) -> dict[str, object]:
    # No system proxy: the inspector connects where it is told (as the WebSocket does).
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, data=b"", headers=headers, method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(1 << 20)
    except urllib.error.HTTPError as exc:
        raise NegotiateError(f"negotiate failed: HTTP {exc.code} {exc.reason} from {url}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NegotiateError(f"negotiate failed: {reason} ({url})") from exc
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise NegotiateError(f"negotiate answered with something not JSON: {body[:80]!r}") from exc
    if not isinstance(answer, dict):
        raise NegotiateError("negotiate answered with JSON that is not an object")
    return answer


async def negotiate(
    hub: str,
    headers: tuple[tuple[str, str], ...] = (),
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 10.0,
) -> Negotiated:
    """Negotiate with the hub at `hub`; the WebSocket URI to open, with its connection token."""
    sent = dict(headers)
    access_token = ""
    for _ in range(MAX_REDIRECTS + 1):
        url = negotiate_url(hub)
        answer = await asyncio.to_thread(_post, url, sent, ssl_context, timeout)
        if "error" in answer:
            raise NegotiateError(f"the server refused to negotiate: {answer['error']}")
        if "url" in answer:
            hub = str(answer["url"])
            access_token = str(answer.get("accessToken", ""))
            if access_token:
                sent["Authorization"] = f"Bearer {access_token}"
            continue
        return _connect_to(hub, answer, access_token)
    raise NegotiateError(f"negotiate was redirected more than {MAX_REDIRECTS} times")


def _connect_to(hub: str, answer: dict[str, object], access_token: str) -> Negotiated:
    transports = answer.get("availableTransports", [])
    names = (
        [t.get("transport") for t in transports if isinstance(t, dict)]
        if isinstance(transports, list)
        else []
    )
    if "WebSockets" not in names:
        offered = ", ".join(str(n) for n in names) or "none"
        raise NegotiateError(f"the server offers no WebSocket transport (it offers {offered})")
    connection_id = str(answer.get("connectionId", ""))
    token = (
        str(answer.get("connectionToken", connection_id))
        if answer.get("negotiateVersion", 0)
        else connection_id
    )
    parts = urlsplit(hub.strip())
    scheme = _WS.get(_HTTP.get(parts.scheme.lower(), "http"), "ws")
    base = urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    extra = {"id": token}
    if access_token:
        # Browsers can't set headers on a WebSocket: the official clients put it here.
        extra["access_token"] = access_token
    return Negotiated(_with_query(base, extra), connection_id, access_token)
