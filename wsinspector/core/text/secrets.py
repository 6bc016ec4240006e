"""The secrets policy: which names hold a credential and how their values are hidden.

One rule for every place that keeps or shows a connection's settings: what a profile proposes
for the keyring, what exports and the capture write as "<redacted>", what the status line and
`wsinspector record` print. A name is secret when it is one of the credential headers or is
made of a credential word ("access_token", "X-Api-Key", "sessionId", "password2").

A value made only of `{{placeholders}}` (after an optional scheme: `Bearer {{token}}`) is never
a secret value: the secret is the variable's, flagged and kept on its own, and the reference
must survive as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from wsinspector.core.text.placeholders import REFERENCE

REDACTED: Final = "<redacted>"

# Always secret, whatever the words in them.
SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Named like a secret but not one: the handshake's nonce and its answer, and plain HTTP.
_NOT_SECRET: Final = frozenset(
    {
        "sec-websocket-key",
        "sec-websocket-accept",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
        "keep-alive",
    }
)
# A name holding one of these words is secret: "api_key", "X-Auth", "sessionId", "token2".
SECRET_WORDS: Final = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "jwt",
        "key",
        "pass",
        "passwd",
        "password",
        "pwd",
        "secret",
        "session",
        "sessionid",
        "sid",
        "sig",
        "signature",
        "token",
    }
)
# Or one written as a single word that ends like one: "AUTHTOKEN", "clientsecret". Not a bare
# "key": "monkey" is no credential.
_SECRET_ENDINGS: Final = (
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "sessionkey",
    "sessionid",
)
# Words of a name: "X-Api-Key", "access_token", "apiKey", "AUTHTOKEN", "token2".
_WORD: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Only references, after an optional scheme word: "{{token}}", "Bearer {{token}}",
# "{{user}}:{{password}}".
_REF: Final = REFERENCE.pattern
_PLACEHOLDERS_ONLY: Final = re.compile(
    rf"\s*(?:[A-Za-z][A-Za-z0-9-]*\s+)?{_REF}(?:[\s:;,&=]*{_REF})*\s*"
)


def is_secret_name(name: str) -> bool:
    """True for a header, query parameter or variable whose value is a credential.

    Authorization, Proxy-Authorization, Cookie and Set-Cookie, and any name made of words like
    token, key, secret, password, auth, session or signature ("access_token", "X-Api-Key",
    "apiKey"), but not "monkey" or "keyboard". Sec-WebSocket-Key is not secret: it is a nonce,
    useless after the handshake.
    """
    lowered = name.strip().lower()
    if lowered in SECRET_HEADERS:
        return True
    if lowered in _NOT_SECRET:
        return False
    words = [word.lower() for word in _WORD.findall(name)]
    if any(word in SECRET_WORDS for word in words):
        return True
    return "".join(words).endswith(_SECRET_ENDINGS)


def is_placeholder_value(value: str) -> bool:
    """True when `value` is only `{{references}}`, perhaps after a scheme ("Bearer {{token}}"):
    no secret of its own, so it is kept as written."""
    return _PLACEHOLDERS_ONLY.fullmatch(value) is not None


def is_secret_value(name: str, value: str) -> bool:
    """Whether the value of field `name` is hidden: a secret name with a value of its own."""
    return bool(value) and is_secret_name(name) and not is_placeholder_value(value)


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Each secret header's value as <redacted> (an empty one too: its presence is no secret,
    but a file that says <redacted> tells the reader the header was hidden)."""
    return tuple(
        (name, REDACTED if is_secret_name(name) and not is_placeholder_value(value) else value)
        for name, value in headers
    )


def _redact_pairs(text: str) -> str:
    """'a=1&token=x' → 'a=1&token=<redacted>', keeping everything else exactly as written."""
    parts = text.split("&")
    changed = False
    for index, part in enumerate(parts):
        name, equals, value = part.partition("=")
        if equals and is_secret_value(unquote_plus(name), value):
            parts[index] = f"{name}={REDACTED}"
            changed = True
    return "&".join(parts) if changed else text


def redact_uri(uri: str) -> str:
    """The URI with the values of secret query (and fragment) parameters and any password
    replaced by <redacted>; everything else is kept as written."""
    try:
        parts = urlsplit(uri)
        password = parts.password
    except ValueError:
        return uri
    netloc = parts.netloc
    if password and not is_placeholder_value(password):
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{REDACTED}@{host}"
    query = _redact_pairs(parts.query)
    fragment = _redact_pairs(parts.fragment) if "=" in parts.fragment else parts.fragment
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return uri
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def redact_request_line(line: str) -> str:
    """'GET /x?token=1 HTTP/1.1' → 'GET /x?token=<redacted> HTTP/1.1'."""
    method, space, rest = line.partition(" ")
    if not space:
        return line
    if " " in rest:
        target, _, version = rest.rpartition(" ")
        return f"{method} {redact_uri(target)} {version}"
    return f"{method} {redact_uri(rest)}"


_URL_IN_TEXT: Final = re.compile(r"\b(?:wss?|https?)://[^\s\"'<>]+", re.IGNORECASE)


def redact_text(text: str) -> str:
    """Free text (an error message, a note, a status line) with every URL in it redacted."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: redact_uri(match.group()), text)
