"""Secret values of a profile: which to propose, how to take them out and put them back,
and the system keyring that keeps them. Which names are secret, and that a `{{placeholder}}`
is never a secret value, is the one policy of wsinspector.core.text.secrets.

A secret is named by a field key: `header/<lower-case name>/<n>` (the n-th header of that
name), `variable/<name>`, `query/<name>/<n>` (the n-th URI query parameter of that decoded
name), `proxy/password`, `tls/client_key_password`, `auth/password` and `auth/token` (the
Auth tab's password, bearer token or API key), `cookie/<name>/<n>` (the Cookies tab's n-th
cookie of that name) and `protocol/<param>` (the protocol's credentials and payloads its
registry entry names: an MQTT password, a STOMP passcode, a Socket.IO auth payload, a GraphQL
connection_init payload): always secret, flagged or not,
and, in the environments file, `environment/<env>/<name>`. In the keyring the service
is "wsinspector" and the user name `<profile id>/<field key>` (`environments/<field key>` for
environments).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Protocol
from urllib.parse import unquote_plus

from wsinspector.core.protocols import registry
from wsinspector.core.storage.profiles.model import Environments, Profile, SecretFlags
from wsinspector.core.text.secrets import is_placeholder_value, is_secret_name
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.proxies import proxy_password, with_proxy_password

KEYRING_SERVICE = "wsinspector"
ENVIRONMENTS_KEY_PREFIX = "environments"
PROXY_PASSWORD_KEY = "proxy/password"
CLIENT_KEY_PASSWORD_KEY = "tls/client_key_password"
AUTH_PASSWORD_KEY = "auth/password"
AUTH_TOKEN_KEY = "auth/token"
PROTOCOL_KEY_PREFIX = "protocol/"


class SecretStoreError(Exception):
    """The keyring refused or failed (locked, no backend, D-Bus gone, …)."""


# -- URI query parameters --------------------------------------------------------------------


def _split_uri(uri: str) -> tuple[str, str | None, str]:
    head, hash_mark, fragment = uri.partition("#")
    base, question_mark, query = head.partition("?")
    return base, (query if question_mark else None), hash_mark + fragment


def query_parameters(uri: str) -> list[tuple[str, str]]:
    """The URI's query parameters in order: (decoded name, raw value as written)."""
    _, query, _ = _split_uri(uri)
    if not query:
        return []
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((unquote_plus(name), value))
    return pairs


def _replace_query_values(uri: str, new_value: Mapping[tuple[str, int], str]) -> str:
    """The URI with the raw value of the n-th parameter called `name` replaced, as given by
    new_value[(name, n)]; everything else stays byte for byte."""
    base, query, fragment = _split_uri(uri)
    if query is None:
        return uri
    seen: dict[str, int] = {}
    items = []
    for item in query.split("&"):
        if item:
            raw_name, _, _ = item.partition("=")
            name = unquote_plus(raw_name)
            n = seen.get(name, 0)
            seen[name] = n + 1
            value = new_value.get((name, n))
            if value is not None and (value or "=" in item):
                item = f"{raw_name}={value}"
        items.append(item)
    return f"{base}?{'&'.join(items)}{fragment}"


# -- proposing -------------------------------------------------------------------------------


def propose_secrets(
    options: ConnectionOptions, variables: Iterable[str] = (), current: SecretFlags | None = None
) -> SecretFlags:
    """The flags to offer: `current` plus the credential-like headers, query parameters and
    variable names found in `options` and `variables`."""
    current = current or SecretFlags()
    return SecretFlags(
        headers=current.headers | {name for name, _ in options.headers if is_secret_name(name)},
        variables=current.variables | {name for name in variables if is_secret_name(name)},
        query=current.query
        | {name for name, _ in query_parameters(options.uri) if is_secret_name(name)},
    )


# -- taking secrets out and putting them back ------------------------------------------------


def secret_values(profile: Profile) -> dict[str, str]:
    """{field key: value} for every flagged value of the profile (empty ones included), but
    not those made only of placeholders ("Bearer {{token}}"): they stay as written."""
    flags = profile.secrets
    values: dict[str, str] = {}
    seen: dict[str, int] = {}
    for name, value in profile.options.headers:
        lower = name.lower()
        n = seen.get(lower, 0)
        seen[lower] = n + 1
        if flags.header(name) and not is_placeholder_value(value):
            values[f"header/{lower}/{n}"] = value
    for name, value in profile.variables.items():
        if name in flags.variables and not is_placeholder_value(value):
            values[f"variable/{name}"] = value
    counts: dict[str, int] = {}
    for name, value in query_parameters(profile.options.uri):
        n = counts.get(name, 0)
        counts[name] = n + 1
        if name in flags.query and not is_placeholder_value(value):
            values[f"query/{name}/{n}"] = value
    # Always secret, flagged or not: a proxy's password.
    password = proxy_password(profile.options.proxy_url)
    if password and not is_placeholder_value(password):
        values[PROXY_PASSWORD_KEY] = password
    passphrase = profile.options.client_key_password
    if passphrase and not is_placeholder_value(passphrase):
        values[CLIENT_KEY_PASSWORD_KEY] = passphrase
    auth = profile.options.auth
    for key, value in ((AUTH_PASSWORD_KEY, auth.password), (AUTH_TOKEN_KEY, auth.token)):
        if value and not is_placeholder_value(value):
            values[key] = value
    seen_cookies: dict[str, int] = {}
    for name, value in profile.options.cookies:
        n = seen_cookies.get(name, 0)
        seen_cookies[name] = n + 1
        if value and not is_placeholder_value(value):
            values[f"cookie/{name}/{n}"] = value
    secret_params = registry.info(profile.options.protocol).secrets
    for name, value in profile.options.protocol_params:
        if name in secret_params and value and not is_placeholder_value(value):
            values[f"{PROTOCOL_KEY_PREFIX}{name}"] = value
    return values


def _with_values(profile: Profile, values: Mapping[str, str]) -> Profile:
    """The profile with each field key in `values` set to its value (others unchanged)."""
    if not values:
        return profile
    seen: dict[str, int] = {}
    headers = []
    for name, value in profile.options.headers:
        lower = name.lower()
        n = seen.get(lower, 0)
        seen[lower] = n + 1
        headers.append((name, values.get(f"header/{lower}/{n}", value)))
    variables = {
        name: values.get(f"variable/{name}", value) for name, value in profile.variables.items()
    }
    query_values: dict[tuple[str, int], str] = {}
    for key, value in values.items():
        kind, _, rest = key.partition("/")
        if kind == "query":
            query_name, _, index = rest.rpartition("/")
            if index.isdigit():
                query_values[(query_name, int(index))] = value
    uri = _replace_query_values(profile.options.uri, query_values)
    proxy_url = profile.options.proxy_url
    if PROXY_PASSWORD_KEY in values:
        proxy_url = with_proxy_password(proxy_url, values[PROXY_PASSWORD_KEY])
    passphrase = values.get(CLIENT_KEY_PASSWORD_KEY, profile.options.client_key_password)
    seen_cookies: dict[str, int] = {}
    cookies = []
    for name, value in profile.options.cookies:
        n = seen_cookies.get(name, 0)
        seen_cookies[name] = n + 1
        cookies.append((name, values.get(f"cookie/{name}/{n}", value)))
    protocol_params = tuple(
        (name, values.get(f"{PROTOCOL_KEY_PREFIX}{name}", value))
        for name, value in profile.options.protocol_params
    )
    options = replace(
        profile.options,
        headers=tuple(headers),
        cookies=tuple(cookies),
        uri=uri,
        proxy_url=proxy_url,
        client_key_password=passphrase,
        auth=replace(
            profile.options.auth,
            password=values.get(AUTH_PASSWORD_KEY, profile.options.auth.password),
            token=values.get(AUTH_TOKEN_KEY, profile.options.auth.token),
        ),
        protocol_params=protocol_params,
    )
    return replace(profile, options=options, variables=variables)


def withhold(profile: Profile) -> tuple[Profile, dict[str, str]]:
    """(the profile with every secret value emptied, {field key: the value taken out})."""
    values = secret_values(profile)
    return _with_values(profile, dict.fromkeys(values, "")), values


def restore(profile: Profile, values: Mapping[str, str]) -> Profile:
    """Put withheld values back (field keys that the profile no longer has are ignored)."""
    return _with_values(profile, values)


def environment_secret_values(environments: Environments) -> dict[str, str]:
    return {
        f"environment/{env}/{name}": value
        for env, variables in environments.environments.items()
        for name, value in variables.items()
        if name in environments.secret_variables and not is_placeholder_value(value)
    }


def _environments_with(environments: Environments, values: Mapping[str, str]) -> Environments:
    return replace(
        environments,
        environments={
            env: {
                name: values.get(f"environment/{env}/{name}", value)
                for name, value in variables.items()
            }
            for env, variables in environments.environments.items()
        },
    )


def withhold_environments(environments: Environments) -> tuple[Environments, dict[str, str]]:
    values = environment_secret_values(environments)
    return _environments_with(environments, dict.fromkeys(values, "")), values


def restore_environments(environments: Environments, values: Mapping[str, str]) -> Environments:
    return _environments_with(environments, values)


# -- the keyring -----------------------------------------------------------------------------


class SecretVault(Protocol):
    """Where secret values go when not in the file. Every method raises SecretStoreError."""

    def works(self) -> bool: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def delete(self, key: str) -> None: ...


class KeyringVault:
    """The system keyring through the `keyring` package (whichever backend it has chosen,
    looked up at each call, so keyring.set_keyring() takes effect at once)."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    def works(self) -> bool:
        """False when keyring has no usable backend (its fail or null keyring)."""
        try:
            import keyring
            from keyring.backends import chainer, fail, null

            backend = keyring.get_keyring()
        except Exception:
            return False
        if isinstance(backend, fail.Keyring | null.Keyring):
            return False
        return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)

    def get(self, key: str) -> str | None:
        import keyring

        try:
            return keyring.get_password(self.service, key)
        except Exception as exc:
            raise SecretStoreError(str(exc) or type(exc).__name__) from exc

    def set(self, key: str, value: str) -> None:
        import keyring

        try:
            keyring.set_password(self.service, key, value)
        except Exception as exc:
            raise SecretStoreError(str(exc) or type(exc).__name__) from exc

    def delete(self, key: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(self.service, key)
        except PasswordDeleteError:
            pass  # not there: nothing to delete
        except Exception as exc:
            raise SecretStoreError(str(exc) or type(exc).__name__) from exc


class NoVault:
    """No keyring at all: secrets stay in the files."""

    def works(self) -> bool:
        return False

    def get(self, key: str) -> str | None:
        raise SecretStoreError("no keyring")

    def set(self, key: str, value: str) -> None:
        raise SecretStoreError("no keyring")

    def delete(self, key: str) -> None:
        raise SecretStoreError("no keyring")
