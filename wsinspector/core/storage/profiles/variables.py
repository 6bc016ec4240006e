"""{{name}} variables in a connection's fields and in messages.

A reference is `{{name}}` (blanks inside the braces allowed: `{{ name }}`), where a name is a
letter or underscore followed by letters, digits, `_`, `-` or `.`. Anything else between
double braces (`{{#each}}`, `{{"a": 1}}`) is left alone. Values come from the selected
environment first, then the profile's variables; they are inserted as they are, without
looking for references inside them. `{{$name}}` is a dynamic value (`{{$timestamp}}`,
`{{$randomUUID}}`, `{{$counter}}`…: core/storage/profiles/dynamic.py). An undefined name is
an error of the field that uses it, reported before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from wsinspector.core.storage.profiles.dynamic import NAMES, DynamicValues
from wsinspector.core.text.placeholders import REFERENCE as REFERENCE
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.validation import FieldError


def references(text: str) -> list[str]:
    """The names that `text` refers to, in order of first use."""
    return list(dict.fromkeys(REFERENCE.findall(text)))


def substitute(
    text: str, values: Mapping[str, str], dynamic: DynamicValues | None = None
) -> tuple[str, list[str]]:
    """(text with every defined reference replaced, the undefined names in order).

    `{{$name}}` references are dynamic values, filled from `dynamic` (a fresh one, its
    counter at 0, when None)."""
    missing: list[str] = []
    fill = (dynamic or DynamicValues()).filler() if "$" in text else None

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("$") and fill is not None:
            value = fill(name)
            if value is not None:
                return value
        elif name in values:
            return values[name]
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return REFERENCE.sub(value_of, text), missing


def merged(env_vars: Mapping[str, str], profile_vars: Mapping[str, str]) -> dict[str, str]:
    """One lookup table: the environment's values win over the profile's."""
    return {**profile_vars, **env_vars}


def undefined_message(names: list[str]) -> str:
    shown = ", ".join(f"{{{{{name}}}}}" for name in names)
    if all(name.startswith("$") for name in names):
        known = ", ".join(f"{{{{{name}}}}}" for name in NAMES)
        return f"Unknown dynamic value {shown}: the dynamic values are {known}"
    if len(names) == 1:
        return f"Undefined variable {shown}: define it in the environment or the profile"
    return f"Undefined variables {shown}: define them in the environment or the profile"


def _substitute_all(
    texts: tuple[str, ...], values: Mapping[str, str], dynamic: DynamicValues | None
) -> tuple[tuple[str, ...], list[str]]:
    """Several texts of one field: the results, and all their undefined names once."""
    results = []
    missing: list[str] = []
    for text in texts:
        result, names = substitute(text, values, dynamic)
        results.append(result)
        missing.extend(name for name in names if name not in missing)
    return tuple(results), missing


def resolve(
    options: ConnectionOptions,
    env_vars: Mapping[str, str],
    profile_vars: Mapping[str, str],
    dynamic: DynamicValues | None = None,
) -> tuple[ConnectionOptions, list[FieldError]]:
    """The options with {{variables}} replaced in the URI, Origin, subprotocols, header names
    and values, User-Agent, CA file, on-connect messages, the Auth tab's values and the
    cookies, and one FieldError per field that uses an undefined name (per header row for
    headers, `row` indexing options.headers). Fields: uri, origin, subprotocols, headers,
    user_agent, ca_file, on_connect, auth, cookies."""
    values = merged(env_vars, profile_vars)
    errors: list[FieldError] = []

    def field(texts: tuple[str, ...], name: str, row: int | None = None) -> tuple[str, ...]:
        results, missing = _substitute_all(texts, values, dynamic)
        if missing:
            errors.append(FieldError(name, undefined_message(missing), row))
        return results

    (uri,) = field((options.uri,), "uri")
    (origin,) = field((options.origin,), "origin")
    subprotocols = field(options.subprotocols, "subprotocols")
    headers = []
    for row, pair in enumerate(options.headers):
        header_name, header_value = field(pair, "headers", row)
        headers.append((header_name, header_value))
    (user_agent,) = field((options.user_agent,), "user_agent")
    (ca_file,) = field((options.ca_file,), "ca_file")
    on_connect = field(options.on_connect_messages, "on_connect")
    auth = options.auth
    username, password, token, key_name = field(
        (auth.username, auth.password, auth.token, auth.key_name), "auth"
    )
    cookies = []
    for pair in options.cookies:
        cookie_name, cookie_value = field(pair, "cookies")
        cookies.append((cookie_name, cookie_value))
    resolved = replace(
        options,
        uri=uri,
        origin=origin,
        subprotocols=subprotocols,
        headers=tuple(headers),
        user_agent=user_agent,
        ca_file=ca_file,
        on_connect_messages=on_connect,
        auth=replace(auth, username=username, password=password, token=token, key_name=key_name),
        cookies=tuple(cookies),
    )
    return resolved, errors


def resolve_message(
    text: str,
    env_vars: Mapping[str, str],
    profile_vars: Mapping[str, str],
    field: str = "message",
    dynamic: DynamicValues | None = None,
) -> tuple[str, list[FieldError]]:
    """A message to send with its {{variables}} and {{$dynamic values}} replaced, and an
    error if any is undefined."""
    result, missing = substitute(text, merged(env_vars, profile_vars), dynamic)
    return result, [FieldError(field, undefined_message(missing))] if missing else []
