"""Following HTTP redirects during the opening handshake, each hop shown, a bad one said in words.

websockets' `connect` follows 300/301/302/303/307/308 answers with a Location on its own and
shows nothing of them; a Location it can't parse escapes as Python's own ValueError ("Invalid
IPv6 URL", "Port out of range 0-65535"). `RedirectingConnect` reports every hop to the session
(which logs the 3xx response and a note where it leads), refuses a Location it can't follow
with a RedirectError that names the hop and the Location, and stops after the user's number
of hops.

websockets itself stops after MAX_REDIRECTS connections (10 unless the environment says
otherwise), that is after MAX_REDIRECTS - 1 redirects followed; the option can't go past it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import MAX_REDIRECTS, ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from wsinspector.core.websocket.errors import status_line

# The most redirects websockets lets one attempt follow, and the option's default.
MOST_REDIRECTS = MAX_REDIRECTS - 1
REDIRECT_CODES = frozenset({300, 301, 302, 303, 307, 308})

# (the 3xx answer, the URI it leads to or why it won't be followed, hop number)
RedirectCallback = Callable[[InvalidStatus, "str | Exception", int], None]


class RedirectError(InvalidHandshake):
    """A redirect this client won't follow; str() is the whole sentence."""


def is_redirect(exc: Exception) -> bool:
    return (
        isinstance(exc, InvalidStatus)
        and exc.response.status_code in REDIRECT_CODES
        and "Location" in exc.response.headers
    )


def location_of(exc: InvalidStatus) -> str:
    """The (first) Location header as sent."""
    return exc.response.headers.get_all("Location")[0]


def _hop_words(exc: InvalidStatus) -> str:
    response = exc.response
    return (
        f"the server redirected ({status_line(response.status_code, response.reason_phrase)}) "
        f"to “{location_of(exc)}”"
    )


def _reason(error: BaseException) -> str:
    """Why a Location can't be used, without Python's exception class names."""
    text = str(error).strip() or "it is not a valid URI"
    return text[0].lower() + text[1:]


class RedirectingConnect(connect):
    """websockets' connect, reporting each redirect hop and following at most `max_redirects`."""

    def __init__(
        self,
        uri: str,
        *,
        on_redirect: RedirectCallback,
        max_redirects: int = MOST_REDIRECTS,
        **kwargs: Any,
    ) -> None:
        super().__init__(uri, **kwargs)
        self._on_redirect = on_redirect
        self._max_redirects = min(max_redirects, MOST_REDIRECTS)
        self._hops = 0

    async def connect(self) -> ClientConnection:
        # One connection attempt (a reconnect starts counting again).
        self._hops = 0
        return await super().connect()

    def process_redirect(self, exc: Exception) -> Exception | str:
        if not is_redirect(exc):
            return super().process_redirect(exc)
        assert isinstance(exc, InvalidStatus)
        self._hops += 1
        outcome: Exception | str
        try:
            outcome = super().process_redirect(exc)
        except Exception as error:  # urllib and websockets raise a mix
            outcome = RedirectError(f"{_hop_words(exc)}, which can't be followed: {_reason(error)}")
        else:
            if isinstance(outcome, str) and self._hops > self._max_redirects:
                plural = "s" if self._max_redirects != 1 else ""
                outcome = RedirectError(
                    f"stopped after {self._max_redirects} redirect{plural} (the limit): "
                    f"{_hop_words(exc)} once more"
                )
            elif isinstance(outcome, Exception) and outcome is not exc:
                outcome = RedirectError(f"{_hop_words(exc)}, which can't be followed: {outcome}")
        self._on_redirect(exc, outcome, self._hops)
        return outcome
