"""The Auth tab's record, and the header or query parameter it becomes at connect time.

The credentials stay in their own fields (so that a profile keeps them in the keyring, see
core/storage/profiles/secrets.py) and become an `Authorization` header, an API key header or
an API key query parameter only when ConnectionOptions turn into websockets' arguments. The
handshake then shows them like any header or query parameter, redacted by the one secrets
policy (core/text/secrets.py).
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit


class AuthType(enum.StrEnum):
    NONE = "none"
    BASIC = "basic"
    BEARER = "bearer"
    API_KEY_HEADER = "api_key_header"
    API_KEY_QUERY = "api_key_query"


@dataclass(frozen=True, slots=True)
class Auth:
    """`username`/`password` for Basic; `token` is the bearer token or the API key's value
    (password and token are secrets); `key_name` names the API key's header or parameter."""

    kind: AuthType = AuthType.NONE
    username: str = ""
    password: str = ""
    token: str = ""
    key_name: str = ""


def auth_header(auth: Auth) -> tuple[str, str] | None:
    """The header that `auth` adds to the handshake, if any."""
    if auth.kind is AuthType.BASIC:
        pair = f"{auth.username}:{auth.password}".encode()
        return "Authorization", f"Basic {base64.b64encode(pair).decode('ascii')}"
    if auth.kind is AuthType.BEARER:
        return "Authorization", f"Bearer {auth.token}"
    if auth.kind is AuthType.API_KEY_HEADER:
        return auth.key_name.strip(), auth.token
    return None


def auth_uri(uri: str, auth: Auth) -> str:
    """`uri` with the API key appended to its query when `auth` puts it there."""
    if auth.kind is not AuthType.API_KEY_QUERY:
        return uri
    parts = urlsplit(uri)
    pair = f"{quote(auth.key_name.strip(), safe='')}={quote(auth.token, safe='')}"
    query = f"{parts.query}&{pair}" if parts.query else pair
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def check_auth(auth: Auth) -> str | None:
    """What is wrong with the Auth tab's fields, in words, or None."""
    if auth.kind is AuthType.BASIC:
        if not auth.username:
            return "Basic auth needs a user name"
        if ":" in auth.username:
            return "A Basic auth user name can't hold a colon"
    elif auth.kind is AuthType.BEARER:
        if not auth.token.strip():
            return "Give the bearer token"
    elif auth.kind in (AuthType.API_KEY_HEADER, AuthType.API_KEY_QUERY):
        where = "header" if auth.kind is AuthType.API_KEY_HEADER else "query parameter"
        if not auth.key_name.strip():
            return f"Name the API key's {where}"
        if not auth.token:
            return "Give the API key"
    fields = (auth.username, auth.password, auth.token, auth.key_name)
    if auth.kind is not AuthType.NONE and any(c in text for text in fields for c in "\r\n\0"):
        return "Auth values must not hold CR, LF or NUL"
    return None
