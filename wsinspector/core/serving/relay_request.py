"""What of the app's own request goes on to the upstream.

The app asks the relay for a path, a query and headers meant for the real server; a relay
that dropped them would show an upstream the app never meant to talk to. So:

- the path the app asks for is appended to the upstream URI's path, and its query to the
  upstream URI's query (upstream `ws://host/api?v=2`, app asks `/chat?room=1`: the upstream
  gets `/api/chat?v=2&room=1`); an app asking for `/` leaves the upstream URI as it is;
- the headers that say who the app is (Cookie, Authorization, Origin and any `X-` header)
  go along, unless the page's settings name the same header (or an Origin): the page wins.

- the subprotocols the app offers are offered to the upstream, unless the page names its own;
  the app then gets the one the upstream chose (relay.py).
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from websockets.http11 import Request
from websockets.typing import Subprotocol

from wsinspector.core.websocket.options import ConnectionOptions

FORWARDED_HEADERS: Final = frozenset({"cookie", "authorization"})
FORWARDED_PREFIX: Final = "x-"
PATH_RULE: Final = "the app's path and query are appended to the upstream URI's"


def upstream_uri(base: str, requested: str) -> str:
    """`base` with the app's `requested` path (and query) appended to its own."""
    asked = urlsplit(requested)
    parts = urlsplit(base)
    path = parts.path
    if asked.path and asked.path != "/":
        path = path.rstrip("/") + "/" + asked.path.lstrip("/")
    query = "&".join(q for q in (parts.query, asked.query) if q)
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def forwarded(request: Request, options: ConnectionOptions) -> list[tuple[str, str]]:
    """The app's headers that go on to the upstream, the page's own left out."""
    own = {name.strip().lower() for name, _ in options.headers}
    kept: list[tuple[str, str]] = []
    for name, value in request.headers.raw_items():
        key = name.lower()
        if key in own:
            continue
        if key in FORWARDED_HEADERS or key.startswith(FORWARDED_PREFIX):
            kept.append((name, value))
    return kept


def offered_subprotocols(request: Request) -> list[str]:
    return [
        part.strip()
        for value in request.headers.get_all("Sec-WebSocket-Protocol")
        for part in value.split(",")
        if part.strip()
    ]


def upstream_kwargs(request: Request, options: ConnectionOptions) -> dict[str, Any]:
    """connect() arguments for one client's upstream leg: the page's, plus the app's own."""
    kwargs = options.connect_kwargs()
    extra = forwarded(request, options)
    if extra:
        kwargs["additional_headers"] = extra + list(options.headers)
    if not options.subprotocols:
        kwargs["subprotocols"] = [Subprotocol(p) for p in offered_subprotocols(request)] or None
    origin = request.headers.get("Origin")
    if not options.origin and origin and "origin" not in {n.lower() for n, _ in options.headers}:
        kwargs["origin"] = origin
    return kwargs
