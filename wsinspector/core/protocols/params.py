"""A protocol's settings as the page and profiles keep them: text by name
(ConnectionOptions.protocol_params), read here into numbers, switches and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping

from wsinspector.core.app.errors import UserError

Params = Mapping[str, str]
# The parameter the registry adds for packages that read the subprotocols offered (STOMP's
# version follows v12.stomp / v11.stomp).
SUBPROTOCOLS = "subprotocols"


class ProtocolSettingsError(UserError, ValueError):
    """A protocol's settings (an auth or init payload, a keepalive) can't be read."""


def text_param(params: Params, key: str, default: str = "") -> str:
    return params.get(key, "").strip() or default


def int_param(params: Params, key: str, default: int, what: str) -> int:
    text = params.get(key, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ProtocolSettingsError(f"The {what} is a whole number, not {text!r}") from None
    if value < 0:
        raise ProtocolSettingsError(f"The {what} can't be negative")
    return value


def bool_param(params: Params, key: str, default: bool) -> bool:
    text = params.get(key, "").strip().lower()
    if not text:
        return default
    return text in ("1", "true", "yes", "on")


def json_param(params: Params, key: str, what: str) -> object:
    text = params.get(key, "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolSettingsError(f"The {what} is not JSON: {exc}") from exc
