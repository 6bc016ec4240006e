"""Profiles as JSON (format version 1) and back, with migrations from older versions.

Every ConnectionOptions field is written under its own name, so options → JSON → options is
exact (floats use Python's shortest round-tripping repr; NaN and infinities are refused).
Reading is strict about types and names the offending place ("options.headers[2]") in a
ProfileFormatError. Missing keys take their defaults, unknown keys are ignored. A relay page's
profile also has "relay" (RelaySettings); other profiles have none.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from wsinspector.core.app.errors import UserError
from wsinspector.core.decoders.settings import DecoderKind, DecoderSettings
from wsinspector.core.log.events import Direction
from wsinspector.core.storage.profiles.model import (
    Environments,
    FieldValue,
    MessageMode,
    Profile,
    RelaySettings,
    SavedMessage,
    SecretFlags,
)
from wsinspector.core.websocket.auth import Auth, AuthType
from wsinspector.core.websocket.options import (
    DEFAULT_MAX_MESSAGE_SIZE,
    ConnectionOptions,
    UserAgentMode,
)
from wsinspector.core.websocket.proxies import ProxyMode
from wsinspector.core.websocket.reconnect import ReconnectPolicy

FORMAT_VERSION = 1
EXPORT_KIND = "wsinspector.profiles"

Json = dict[str, Any]


class ProfileFormatError(UserError, ValueError):
    """A profile document that can't be read: bad types, an unknown version, not JSON."""


# -- migrations ------------------------------------------------------------------------------


def _migrate_0_to_1(data: Json) -> Json:
    """Version 0 (the pre-release layout): connection fields at the top level, headers as an
    object, subprotocols as one comma-separated string, reconnect as a bool."""
    headers = data.get("headers", {})
    if not isinstance(headers, dict):
        raise ProfileFormatError("headers must be an object in a version 0 profile")
    subprotocols = data.get("subprotocols", "")
    if not isinstance(subprotocols, str):
        raise ProfileFormatError("subprotocols must be a string in a version 0 profile")
    options: Json = {
        "uri": data.get("uri", ""),
        "origin": data.get("origin", ""),
        "subprotocols": [part.strip() for part in subprotocols.split(",") if part.strip()],
        "headers": [[name, value] for name, value in headers.items()],
        "reconnect": {"enabled": data.get("reconnect", False)},
    }
    return {"version": 1, "name": data.get("name", ""), "options": options}


# MIGRATIONS[n] turns a version-n document into a version n+1 document.
MIGRATIONS: dict[int, Callable[[Json], Json]] = {0: _migrate_0_to_1}


def migrate(data: Json) -> Json:
    """Bring a profile document to FORMAT_VERSION, or raise ProfileFormatError."""
    version = data.get("version")
    if version is None:
        raise ProfileFormatError('no "version"')
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProfileFormatError(f"version {version!r} is not a number")
    if version > FORMAT_VERSION:
        raise ProfileFormatError(
            f"version {version} is newer than this wsinspector reads ({FORMAT_VERSION})"
        )
    if version < 0 or (version not in MIGRATIONS and version != FORMAT_VERSION):
        raise ProfileFormatError(f"unknown version {version}")
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version = data["version"]
    return data


# -- reading helpers -------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), "null" if value is None else "a number"
    )


def _fail(where: str, expected: str, value: object) -> ProfileFormatError:
    return ProfileFormatError(f"{where} must be {expected}, not {_type_name(value)}")


def _object(value: object, where: str) -> Json:
    if not isinstance(value, dict):
        raise _fail(where, "an object", value)
    return value


def _str(data: Json, key: str, where: str, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", "a string", value)
    return value


def _bool(data: Json, key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _fail(f"{where}.{key}", "true or false", value)
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "a number", value)
    if not math.isfinite(value):
        raise ProfileFormatError(f"{where} must be a finite number")
    return float(value)


def _float(data: Json, key: str, where: str, default: float) -> float:
    return _number(data.get(key, default), f"{where}.{key}")


def _optional_float(data: Json, key: str, where: str, default: float | None) -> float | None:
    value = data.get(key, default)
    return None if value is None else _number(value, f"{where}.{key}")


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "a whole number", value)
    return value


def _pairs(data: Json, key: str, where: str) -> tuple[tuple[str, str], ...]:
    """A list of [name, value] pairs of strings (missing: none)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        for pair in value
    ):
        raise ProfileFormatError(f"{where}.{key} must be a list of [name, value] pairs of strings")
    return tuple((pair[0], pair[1]) for pair in value)


def _strings(data: Json, key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _fail(f"{where}.{key}", "a list of strings", value)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _fail(f"{where}.{key}[{index}]", "a string", item)
    return tuple(value)


def _string_map(value: object, where: str) -> dict[str, str]:
    mapping = _object(value, where)
    for name, item in mapping.items():
        if not isinstance(item, str):
            raise _fail(f"{where}.{name}", "a string", item)
    return dict(mapping)


# -- options ---------------------------------------------------------------------------------


def policy_to_json(policy: ReconnectPolicy) -> Json:
    return {
        "enabled": policy.enabled,
        "initial_delay": policy.initial_delay,
        "min_delay": policy.min_delay,
        "factor": policy.factor,
        "max_delay": policy.max_delay,
        "max_attempts": policy.max_attempts,
        "jitter": policy.jitter,
        "on_clean_close": policy.on_clean_close,
    }


def policy_from_json(value: object, where: str = "options.reconnect") -> ReconnectPolicy:
    data = _object(value, where)
    default = ReconnectPolicy()
    return ReconnectPolicy(
        enabled=_bool(data, "enabled", where, default.enabled),
        initial_delay=_float(data, "initial_delay", where, default.initial_delay),
        min_delay=_float(data, "min_delay", where, default.min_delay),
        factor=_float(data, "factor", where, default.factor),
        max_delay=_float(data, "max_delay", where, default.max_delay),
        max_attempts=_int(data.get("max_attempts", default.max_attempts), f"{where}.max_attempts"),
        jitter=_bool(data, "jitter", where, default.jitter),
        on_clean_close=_bool(data, "on_clean_close", where, default.on_clean_close),
    )


def options_to_json(options: ConnectionOptions) -> Json:
    return {
        "uri": options.uri,
        "origin": options.origin,
        "subprotocols": list(options.subprotocols),
        "headers": [[name, value] for name, value in options.headers],
        "user_agent_mode": options.user_agent_mode.value,
        "user_agent": options.user_agent,
        "tls_verify": options.tls_verify,
        "ca_file": options.ca_file,
        "open_timeout": options.open_timeout,
        "ping_interval": options.ping_interval,
        "ping_timeout": options.ping_timeout,
        "close_timeout": options.close_timeout,
        "max_message_size": options.max_message_size,
        "compression": options.compression,
        "max_redirects": options.max_redirects,
        "reconnect": policy_to_json(options.reconnect),
        "on_connect_messages": list(options.on_connect_messages),
        "decoder": decoder_to_json(options.decoder),
        "proxy_mode": options.proxy_mode.value,
        "proxy_url": options.proxy_url,
        "client_cert": options.client_cert,
        "client_key": options.client_key,
        "client_key_password": options.client_key_password,
        "protocol": options.protocol,
        "protocol_params": dict(options.protocol_params),
        "auth": auth_to_json(options.auth),
        "cookies": [[name, value] for name, value in options.cookies],
        "keep_set_cookies": options.keep_set_cookies,
    }


def auth_to_json(auth: Auth) -> Json:
    return {
        "kind": auth.kind.value,
        "username": auth.username,
        "password": auth.password,
        "token": auth.token,
        "key_name": auth.key_name,
    }


def auth_from_json(value: object, where: str = "options.auth") -> Auth:
    """A missing "auth" (profiles written before the Auth tab) is no auth."""
    data = _object(value, where)
    kind = _str(data, "kind", where, AuthType.NONE.value)
    if kind not in set(AuthType):
        raise ProfileFormatError(f"{where}.kind must be one of {', '.join(AuthType)}, not {kind!r}")
    return Auth(
        kind=AuthType(kind),
        username=_str(data, "username", where),
        password=_str(data, "password", where),
        token=_str(data, "token", where),
        key_name=_str(data, "key_name", where),
    )


def decoder_to_json(decoder: DecoderSettings) -> Json:
    return {
        "kind": decoder.kind.value,
        "proto_file": decoder.proto_file,
        "message_type": decoder.message_type,
    }


def decoder_from_json(value: object, where: str = "options.decoder") -> DecoderSettings:
    """A missing "decoder" (profiles written before decoders existed) is no decoder."""
    data = _object(value, where)
    kind = _str(data, "kind", where, DecoderKind.NONE.value)
    try:
        decoder_kind = DecoderKind(kind)
    except ValueError:
        raise ProfileFormatError(
            f"{where}.kind must be one of {', '.join(k.value for k in DecoderKind)}, not {kind!r}"
        ) from None
    return DecoderSettings(
        decoder_kind, _str(data, "proto_file", where), _str(data, "message_type", where)
    )


def options_from_json(value: object, where: str = "options") -> ConnectionOptions:
    data = _object(value, where)
    if "uri" not in data:
        raise ProfileFormatError(f"{where} has no uri")
    default = ConnectionOptions(uri="")
    raw_headers = data.get("headers", [])
    if not isinstance(raw_headers, list):
        raise _fail(f"{where}.headers", "a list of [name, value] pairs", raw_headers)
    headers = []
    for index, pair in enumerate(raw_headers):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
        ):
            raise ProfileFormatError(
                f"{where}.headers[{index}] must be a [name, value] pair of strings"
            )
        headers.append((pair[0], pair[1]))
    mode = _str(data, "user_agent_mode", where, default.user_agent_mode.value)
    try:
        user_agent_mode = UserAgentMode(mode)
    except ValueError:
        raise ProfileFormatError(
            f"{where}.user_agent_mode must be one of "
            f"{', '.join(m.value for m in UserAgentMode)}, not {mode!r}"
        ) from None
    max_size = data.get("max_message_size", DEFAULT_MAX_MESSAGE_SIZE)
    proxy_mode = _str(data, "proxy_mode", where, default.proxy_mode.value)
    if proxy_mode not in set(ProxyMode):
        raise ProfileFormatError(
            f"{where}.proxy_mode must be one of {', '.join(ProxyMode)}, not {proxy_mode!r}"
        )
    return ConnectionOptions(
        uri=_str(data, "uri", where),
        origin=_str(data, "origin", where),
        subprotocols=_strings(data, "subprotocols", where),
        headers=tuple(headers),
        user_agent_mode=user_agent_mode,
        user_agent=_str(data, "user_agent", where),
        tls_verify=_bool(data, "tls_verify", where, default.tls_verify),
        ca_file=_str(data, "ca_file", where),
        open_timeout=_optional_float(data, "open_timeout", where, default.open_timeout),
        ping_interval=_optional_float(data, "ping_interval", where, default.ping_interval),
        ping_timeout=_optional_float(data, "ping_timeout", where, default.ping_timeout),
        close_timeout=_float(data, "close_timeout", where, default.close_timeout),
        max_message_size=None if max_size is None else _int(max_size, f"{where}.max_message_size"),
        compression=_bool(data, "compression", where, default.compression),
        max_redirects=_int(
            data.get("max_redirects", default.max_redirects), f"{where}.max_redirects"
        ),
        reconnect=policy_from_json(data.get("reconnect", {}), f"{where}.reconnect"),
        on_connect_messages=_strings(data, "on_connect_messages", where),
        decoder=decoder_from_json(data.get("decoder", {}), f"{where}.decoder"),
        proxy_mode=ProxyMode(proxy_mode),
        proxy_url=_str(data, "proxy_url", where),
        client_cert=_str(data, "client_cert", where),
        client_key=_str(data, "client_key", where),
        client_key_password=_str(data, "client_key_password", where),
        # Profiles written before protocols speak plain WebSocket.
        protocol=_str(data, "protocol", where),
        protocol_params=tuple(
            _string_map(data.get("protocol_params", {}), f"{where}.protocol_params").items()
        ),
        auth=auth_from_json(data.get("auth", {}), f"{where}.auth"),
        cookies=_pairs(data, "cookies", where),
        keep_set_cookies=_bool(data, "keep_set_cookies", where, default.keep_set_cookies),
    )


# -- profiles --------------------------------------------------------------------------------


def profile_to_json(profile: Profile, withheld: Iterable[str] = ()) -> Json:
    """The profile document (without its id, which is the file's name)."""
    document: Json = {
        "version": FORMAT_VERSION,
        "name": profile.name,
        "folder": profile.folder,
        "options": options_to_json(profile.options),
        "messages": [message_to_json(message) for message in profile.messages],
        "variables": dict(profile.variables),
        "secrets": {
            "headers": sorted(profile.secrets.headers),
            "variables": sorted(profile.secrets.variables),
            "query": sorted(profile.secrets.query),
        },
        "withheld": sorted(withheld),
        "tests": list(profile.tests),
    }
    if profile.server:  # a server page's profile only
        document["server"] = dict(profile.server)
    if profile.relay is not None:  # a relay page's profile only
        document["relay"] = relay_to_json(profile.relay)
    return document


# A relay's directions in its profile, by the way a message goes.
RELAY_WAYS = {Direction.OUT: "to-upstream", Direction.IN: "to-app"}


def relay_to_json(relay: RelaySettings) -> Json:
    return {
        "listen": relay.listen,
        "fault_code": relay.fault_code,
        "intercept": relay.intercept,
        "intercept_filter": relay.intercept_filter,
        "intercept_directions": [
            RELAY_WAYS[d] for d in (Direction.OUT, Direction.IN) if d in relay.intercept_directions
        ],
    }


def relay_from_json(value: object, where: str = "relay") -> RelaySettings:
    data = _object(value, where)
    default = RelaySettings()
    by_word = {word: direction for direction, word in RELAY_WAYS.items()}
    words = data.get("intercept_directions", list(by_word))
    if not isinstance(words, list) or any(w not in by_word for w in words):
        raise _fail(f"{where}.intercept_directions", "a list of to-upstream, to-app", words)
    return RelaySettings(
        listen=_str(data, "listen", where, default.listen),
        fault_code=_int(data.get("fault_code", default.fault_code), f"{where}.fault_code"),
        intercept=_bool(data, "intercept", where, default.intercept),
        intercept_filter=_str(data, "intercept_filter", where),
        intercept_directions=frozenset(by_word[w] for w in words),
    )


def message_to_json(message: SavedMessage) -> Json:
    """A saved message; a protocol message's keys are written only for one, so that a plain
    message reads the same as before protocols (and older versions read both)."""
    document: Json = {"name": message.name, "text": message.text, "mode": message.mode.value}
    if message.protocol:
        document["protocol"] = message.protocol
        document["fields"] = dict(message.fields)
        document["on_connect"] = message.on_connect
    return document


def _fields(data: Json, where: str) -> tuple[tuple[str, FieldValue], ...]:
    """A protocol composer's fields: strings, true/false or whole numbers."""
    fields = _object(data.get("fields", {}), f"{where}.fields")
    for name, value in fields.items():
        if not isinstance(value, str | bool | int):
            raise _fail(f"{where}.fields.{name}", "a string, true/false or a number", value)
    return tuple(fields.items())


def _messages(value: object) -> tuple[SavedMessage, ...]:
    if not isinstance(value, list):
        raise _fail("messages", "a list", value)
    messages = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        data = _object(item, where)
        mode = _str(data, "mode", where, MessageMode.TEXT.value)
        try:
            message_mode = MessageMode(mode)
        except ValueError:
            raise ProfileFormatError(
                f"{where}.mode must be text, json or binary, not {mode!r}"
            ) from None
        messages.append(
            SavedMessage(
                _str(data, "name", where),
                _str(data, "text", where),
                message_mode,
                protocol=_str(data, "protocol", where),
                fields=_fields(data, where),
                on_connect=_bool(data, "on_connect", where, False),
            )
        )
    return tuple(messages)


def _secret_flags(value: object) -> SecretFlags:
    data = _object(value, "secrets")
    return SecretFlags(
        headers=frozenset(_strings(data, "headers", "secrets")),
        variables=frozenset(_strings(data, "variables", "secrets")),
        query=frozenset(_strings(data, "query", "secrets")),
    )


def profile_from_json(data: Json, profile_id: str = "") -> tuple[Profile, frozenset[str]]:
    """A migrated document → (profile, the secret fields whose values the file doesn't hold)."""
    data = _object(data, "the profile")
    name = data.get("name")
    if not isinstance(name, str):
        raise _fail("name", "a string", name)
    profile = Profile(
        name=name,
        folder=_str(data, "folder", "profile"),
        options=options_from_json(data.get("options")),
        messages=_messages(data.get("messages", [])),
        variables=_string_map(data.get("variables", {}), "variables"),
        secrets=_secret_flags(data.get("secrets", {})),
        id=profile_id,
        server=dict(_object(data.get("server", {}), "server")),
        tests=_strings(data, "tests", "profile"),
        relay=relay_from_json(data["relay"]) if "relay" in data else None,
    )
    return profile, frozenset(_strings(data, "withheld", "profile"))


def parse_profile(raw: bytes, profile_id: str = "") -> tuple[Profile, frozenset[str]]:
    """Bytes of a profile file → (profile, withheld fields); ProfileFormatError if unreadable."""
    return profile_from_json(migrate(parse_document(raw)), profile_id)


def parse_document(raw: bytes) -> Json:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProfileFormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ProfileFormatError(
            f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None
    return _object(data, "the file")


def dump(document: Json) -> bytes:
    """Pretty, stable JSON; ProfileFormatError for NaN or infinite numbers."""
    try:
        text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    except ValueError as exc:
        raise ProfileFormatError(f"can't be saved: {exc}") from None
    return (text + "\n").encode("utf-8")


# -- environments ----------------------------------------------------------------------------


def environments_to_json(environments: Environments, withheld: Iterable[str] = ()) -> Json:
    return {
        "version": FORMAT_VERSION,
        "environments": {
            name: dict(variables) for name, variables in environments.environments.items()
        },
        "secret_variables": sorted(environments.secret_variables),
        "withheld": sorted(withheld),
    }


def environments_from_json(data: Json) -> tuple[Environments, frozenset[str]]:
    version = data.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ProfileFormatError(f"unknown environments version {version!r}")
    raw = _object(data.get("environments", {}), "environments")
    environments = {
        name: _string_map(variables, f"environments.{name}") for name, variables in raw.items()
    }
    return (
        Environments(
            environments=environments,
            secret_variables=frozenset(_strings(data, "secret_variables", "environments file")),
        ),
        frozenset(_strings(data, "withheld", "environments file")),
    )
