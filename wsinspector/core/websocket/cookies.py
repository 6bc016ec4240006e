"""Cookies: the Cookie header built from name/value rows, rows read from a browser's request,
and the cookies a handshake's Set-Cookie headers give.

The rows are the Cookies tab's (qt/forms/cookie_settings.py); ConnectionOptions sends them as
one Cookie header (RFC 6265 §5.4: one header, pairs joined by "; "), after a Cookie header the
user typed in the Headers tab, if any. A page that opts in (`keep_set_cookies`) takes the
cookies of each accepted handshake's Set-Cookie into its rows, as a browser keeps them for the
next request: a later value replaces an earlier one of the same name, and an expired one
(Max-Age=0 or less, or an Expires in the past) is removed. Cookie values are secrets, like the
Cookie header (core/text/secrets.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime

Pairs = tuple[tuple[str, str], ...]


def cookie_header_value(cookies: Iterable[tuple[str, str]]) -> str:
    """'a=1; b=2' from the rows (rows without a name are left out)."""
    return "; ".join(f"{name.strip()}={value}" for name, value in cookies if name.strip())


def with_cookies(headers: list[tuple[str, str]], cookies: Pairs) -> list[tuple[str, str]]:
    """The handshake's headers with the rows' cookies in the one Cookie header."""
    value = cookie_header_value(cookies)
    if not value:
        return headers
    for index, (name, existing) in enumerate(headers):
        if name.lower() == "cookie":
            joined = f"{existing}; {value}" if existing.strip() else value
            return [*headers[:index], (name, joined), *headers[index + 1 :]]
    return [*headers, ("Cookie", value)]


def parse_cookie_text(text: str) -> Pairs:
    """The cookies in pasted text: a Cookie header's value ("a=1; b=2"), the header line
    ("Cookie: a=1"), or a browser's whole request (DevTools' "Copy request headers", where
    the Cookie line is found among the others, ":authority"-style HTTP/2 names included)."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    cookie_lines = [line for line in lines if line.lower().startswith(("cookie:", "cookie :"))]
    if cookie_lines:
        values = [line.partition(":")[2] for line in cookie_lines]
    elif len(lines) == 1:
        values = lines
    else:
        return ()
    pairs: list[tuple[str, str]] = []
    for value in values:
        for part in value.split(";"):
            name, equals, cookie = part.strip().partition("=")
            if equals and name.strip():
                pairs.append((name.strip(), cookie.strip()))
    return tuple(pairs)


def _expired(attributes: list[str], now: float) -> bool:
    for attribute in attributes:
        key, _, value = attribute.strip().partition("=")
        key = key.strip().lower()
        if key == "max-age":
            try:
                return int(value.strip()) <= 0
            except ValueError:
                continue
        if key == "expires":
            try:
                return parsedate_to_datetime(value.strip()).timestamp() <= now
            except (TypeError, ValueError):
                continue
    return False


def kept_cookies(
    current: Pairs, response_headers: Iterable[tuple[str, str]], now: float | None = None
) -> Pairs:
    """`current` updated by the response's Set-Cookie headers: new names appended, known
    ones given their new value, expired ones removed."""
    moment = time.time() if now is None else now
    kept = dict(current)
    for name, value in response_headers:
        if name.lower() != "set-cookie":
            continue
        pair, *attributes = value.split(";")
        cookie_name, equals, cookie_value = pair.partition("=")
        cookie_name = cookie_name.strip()
        if not equals or not cookie_name:
            continue
        if _expired(attributes, moment):
            kept.pop(cookie_name, None)
        else:
            kept[cookie_name] = cookie_value.strip()
    return tuple(kept.items())
