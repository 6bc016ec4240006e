"""Proxies: which one an attempt goes through, the hop it makes there, its failures in words.

websockets 17 connects through HTTP(S) and SOCKS proxies itself (`proxy=`; SOCKS through
python-socks), and with `proxy=True` reads the system's setting the way urllib does
(`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`). This module only chooses what to pass
and says what happened: `ProxiedConnect` watches the proxy part of each attempt, reports the
CONNECT hop to the session and turns the library's proxy failures into ones that say which
side failed. An unreachable proxy is a `ProxyUnreachable` (an OSError, so that reconnecting
retries it like an unreachable server), never "connection refused" as if the server were.

websockets keeps nothing of a successful CONNECT's answer, so `_observe_answers` hooks the
place where it parses it (see there); should that hook ever miss, the hop is still noted.
"""

from __future__ import annotations

import enum
import ssl
import time
import urllib.parse
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import websockets.asyncio.client as ws_client
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidProxy, InvalidProxyStatus, InvalidURI, ProxyError
from websockets.http11 import Response
from websockets.proxy import Proxy, get_proxy, parse_proxy, prepare_connect_request
from websockets.uri import parse_uri

from wsinspector.core.log.events import Event, HandshakeEvent, Headers, NoteEvent
from wsinspector.core.text.secrets import REDACTED, redact_headers

try:
    from python_socks import ProxyConnectionError, ProxyTimeoutError
except ImportError:  # pragma: no cover - SOCKS proxies are then refused by check_proxy_url
    _SOCKS_UNREACHABLE: tuple[type[OSError], ...] = ()
else:
    _SOCKS_UNREACHABLE = (ProxyConnectionError, ProxyTimeoutError)
from wsinspector.core.websocket.errors import status_line
from wsinspector.core.websocket.redirects import RedirectingConnect

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h", "socks4", "socks4a")


@dataclass(frozen=True, slots=True)
class ProxyHop:
    """The CONNECT sent to an HTTP proxy (its Proxy-Authorization hidden) and the proxy's
    answer (None when the tunnel opened but its answer could not be observed)."""

    proxy: str  # scheme://host:port, no credentials
    request_line: str
    request_headers: Headers
    answer: Response | None
    accepted: bool = False  # the tunnel is open


ProxyHopCallback = Callable[[ProxyHop], None]


class ProxyMode(enum.StrEnum):
    SYSTEM = "system"  # the environment's setting, as websockets and browsers read it
    NONE = "none"
    CUSTOM = "custom"


def proxy_choice(text: str) -> tuple[ProxyMode, str]:
    """A command line's --proxy: "none", "system", or a proxy URL."""
    word = text.strip().lower()
    if word in (ProxyMode.NONE, ProxyMode.SYSTEM):
        return ProxyMode(word), ""
    return ProxyMode.CUSTOM, text.strip()


def proxy_argument(mode: ProxyMode, url: str) -> str | Literal[True] | None:
    """What websockets' connect(proxy=) takes for the page's setting."""
    if mode is ProxyMode.SYSTEM:
        return True
    if mode is ProxyMode.CUSTOM and url.strip():
        return url.strip()
    return None


def proxy_for(uri: str, mode: ProxyMode, url: str) -> str | None:
    """The proxy an attempt to `uri` goes through (None: straight to the server)."""
    argument = proxy_argument(mode, url)
    if argument is not True:
        return argument
    try:
        return get_proxy(parse_uri(uri.strip()))
    except (InvalidURI, ValueError):  # urllib: "Invalid IPv6 URL", a port out of range
        return None


def redact_proxy(url: str) -> str:
    """The proxy URL with its password hidden, for the log, the status and exports."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:{REDACTED}@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def proxy_password(url: str) -> str | None:
    """The password in a proxy URL as written (percent-encoded), None when it has none."""
    try:
        password = urllib.parse.urlsplit(url.strip()).password
    except ValueError:
        return None
    if password is None:
        return None
    return url.strip().partition("://")[2].rpartition("@")[0].partition(":")[2]


def with_proxy_password(url: str, password: str) -> str:
    """`url` with its password replaced (a URL without one is returned unchanged)."""
    if proxy_password(url) is None:
        return url
    scheme, _, rest = url.strip().partition("://")
    userinfo, _, host = rest.rpartition("@")
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:{password}@{host}"


def _where(proxy: Proxy) -> str:
    return f"{proxy.scheme}://{proxy.host}:{proxy.port}"


def check_proxy_url(url: str) -> str | None:
    """Why a custom proxy URL can't be used, in words; None when it can."""
    text = url.strip()
    if not text:
        return "Enter the proxy's URL, e.g. http://proxy.example:3128 or socks5://127.0.0.1:1080"
    try:
        proxy = parse_proxy(text)
    except InvalidProxy as exc:
        return f"Not a proxy URL ({exc.msg}): use {', '.join(p + '://' for p in PROXY_SCHEMES)}"
    except ValueError as exc:  # urllib: a port out of range, a bad IPv6 address
        return f"Not a proxy URL: {exc}"
    if proxy.scheme.startswith("socks") and not _SOCKS_UNREACHABLE:
        return "SOCKS proxies need the python-socks package (pip install python-socks)"
    return None


class ProxyUnreachable(OSError):
    """The proxy itself could not be reached; str() is the whole sentence."""


class ProxyRefused(InvalidProxyStatus):
    """An HTTP proxy answered the CONNECT with something else than 2xx."""

    def __init__(self, response: Response, words: str) -> None:
        super().__init__(response)
        self.words = words

    def __str__(self) -> str:
        return self.words


class SocksRefused(ProxyError):
    """A SOCKS proxy was reached but did not open the way to the server."""


def refused_words(proxy: Proxy, target: str, response: Response) -> str:
    status = status_line(response.status_code, response.reason_phrase)
    where = _where(proxy)
    # 407 by the book; some proxies (tinyproxy) answer wrong credentials with 401.
    if response.status_code in (401, 407):
        if proxy.username is None:
            return (
                f"the proxy {where} asks for credentials ({status}): "
                "put user:password@ in the proxy URL"
            )
        return f"the proxy {where} refused the user name or password ({status})"
    return f"the proxy {where} refused the tunnel to {target}: {status}"


# Who wants the answer of the CONNECT being made in this task (ProxiedConnect, around its
# attempt); unset for every other user of websockets in the process.
_answer_seen: ContextVar[Callable[[Response], None] | None] = ContextVar(
    "wsinspector_proxy_answer_seen", default=None
)


class _ObservedProxyConnection(ws_client.HTTPProxyConnection):
    """websockets' CONNECT protocol, handing the parsed 2xx answer to `_answer_seen`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read here: loop.create_connection builds the protocol in the caller's context.
        self._seen = _answer_seen.get()

    def run_parser(self) -> None:
        super().run_parser()
        seen, answer = self._seen, self.response
        if seen is not None and answer.done() and not answer.cancelled():
            if answer.exception() is None:
                seen(answer.result())
            self._seen = None


def _observe_answers() -> None:
    """Let ProxiedConnect see a successful CONNECT's answer.

    websockets parses the proxy's answer in HTTPProxyConnection and drops it (and the
    protocol) once the status is 2xx: neither connect nor its open_tcp_connection offer a
    hook, and connect_http_proxy builds the protocol by its module's name. So that name is
    pointed at a subclass that behaves alike and also reports the answer to whoever asked
    in the current task (`_answer_seen`). tests/core/test_websockets_pins.py checks that
    websockets still builds it so; if it stops, the hop is only noted, nothing breaks."""
    if ws_client.HTTPProxyConnection is not _ObservedProxyConnection:
        setattr(ws_client, "HTTPProxyConnection", _ObservedProxyConnection)  # noqa: B010


class ProxiedConnect(RedirectingConnect):
    """RedirectingConnect that reports the proxy hop and says proxy failures in words."""

    def __init__(self, uri: str, *, on_proxy_hop: ProxyHopCallback, **kwargs: Any) -> None:
        super().__init__(uri, **kwargs)
        self._on_proxy_hop = on_proxy_hop
        _observe_answers()

    def _proxy(self) -> Proxy | None:
        argument = self.proxy
        if argument is True:
            argument = get_proxy(self.ws_uri)
        return parse_proxy(argument) if argument else None

    def _report_hop(self, proxy: Proxy, answer: Response | None, accepted: bool) -> None:
        # The request as websockets builds it: the same function, the same arguments.
        raw = prepare_connect_request(proxy, self.ws_uri, self.user_agent_header).decode()
        line, *header_lines = [part for part in raw.split("\r\n") if part]
        headers = tuple(
            (name, value) for name, _, value in (h.partition(": ") for h in header_lines)
        )
        hop = ProxyHop(_where(proxy), line, redact_headers(headers), answer, accepted)
        self._on_proxy_hop(hop)

    async def open_tcp_connection(self) -> ClientConnection:
        proxy = self._proxy()
        if proxy is None:
            return await super().open_tcp_connection()
        target = f"{self.ws_uri.host}:{self.ws_uri.port}"
        where = _where(proxy)
        is_http = proxy.scheme.startswith("http")
        answers: list[Response] = []
        token = _answer_seen.set(answers.append)
        try:
            connection = await super().open_tcp_connection()
        except InvalidProxyStatus as exc:
            self._report_hop(proxy, exc.response, accepted=False)
            raise ProxyRefused(exc.response, refused_words(proxy, target, exc.response)) from exc
        except ProxyError as exc:
            cause = exc.__cause__
            detail = str(cause) if cause is not None else str(exc)
            raise SocksRefused(
                f"the SOCKS proxy {where} did not connect to {target}: {detail}"
            ) from exc
        except ImportError as exc:
            raise ProxyUnreachable(f"can't use the proxy {where}: {exc}") from exc
        except ssl.SSLError:
            raise  # TLS with the server, through the tunnel: the server's words apply
        except OSError as exc:
            # python-socks says ProxyConnectionError when it can't reach the proxy; through an
            # HTTP proxy every other OSError before TLS is the TCP connection to the proxy.
            from_proxy = is_http or isinstance(exc, _SOCKS_UNREACHABLE)
            if not from_proxy or (isinstance(exc, ConnectionResetError) and not exc.args):
                raise
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise ProxyUnreachable(
                f"the proxy {where} can't be reached ({reason}); the server was not tried"
            ) from exc
        finally:
            _answer_seen.reset(token)
        if is_http:
            self._report_hop(proxy, answers[0] if answers else None, accepted=True)
        return connection


def proxy_hop_events(conn: int, hop: ProxyHop) -> list[Event]:
    """The CONNECT as a handshake row (the pane shows the request and the proxy's whole
    answer; `HandshakeEvent.proxy_hop` tells it from the WebSocket handshake), then a note
    in words once the tunnel is open."""
    now, mono = time.time(), time.monotonic()
    answer = hop.answer
    events: list[Event] = []
    if answer is not None:
        events.append(
            HandshakeEvent(
                conn,
                now,
                mono,
                request_line=hop.request_line,
                request_headers=hop.request_headers,
                status_line=status_line(answer.status_code, answer.reason_phrase),
                response_headers=tuple(answer.headers.raw_items()),
                body=bytes(answer.body or b""),
                accepted=hop.accepted,
                status_code=answer.status_code,
            )
        )
    if hop.accepted:
        words = f"through the proxy {hop.proxy}: {hop.request_line} → tunnel open"
        events.append(NoteEvent(conn, now, mono, words))
    return events
