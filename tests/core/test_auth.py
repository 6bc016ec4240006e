"""The Auth tab's credentials become a header or query parameter at connect time (issue 22):
seen by a real server, redacted where secrets are, kept in the keyring by profiles, used by
`wsinspector record`."""

from __future__ import annotations

import base64

from helpers.asyncwait import run
from helpers.recordcli import run as record_cli
from helpers.servers import RecordingServer
from helpers.sessions import close_session, of_type, open_session, options_for

from wsinspector.core.log.events import HandshakeEvent
from wsinspector.core.storage.logfiles.common import redact_event
from wsinspector.core.storage.profiles import Profile, ProfileStore
from wsinspector.core.storage.profiles.format import options_from_json, options_to_json
from wsinspector.core.storage.profiles.secrets import restore, withhold
from wsinspector.core.storage.profiles.variables import resolve
from wsinspector.core.websocket.auth import Auth, AuthType
from wsinspector.core.websocket.validation import check_options


def _sent(
    server: RecordingServer, auth: Auth, path: str = "/echo?a=1"
) -> tuple[str, dict[str, str]]:
    """(the path the server saw, its headers) after one connection with `auth`; the handshake
    event is checked for redaction on the way."""

    async def main() -> None:
        session = await open_session(server.url(path), auth=auth)
        (handshake,) = of_type(session.log, HandshakeEvent)
        redacted = redact_event(handshake)
        assert isinstance(redacted, HandshakeEvent)
        for secret in (auth.password, auth.token):
            if secret:
                assert secret not in redacted.request_line
                assert all(secret not in value for _, value in redacted.request_headers)
        await close_session(session)

    run(main)
    connection = server.connections[-1]
    return connection.path, dict(connection.headers)


def test_basic_and_bearer_become_the_authorization_header(
    recording_server: RecordingServer,
) -> None:
    _, headers = _sent(recording_server, Auth(AuthType.BASIC, username="ann", password="p:w"))
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ann:p:w").decode()
    _, headers = _sent(recording_server, Auth(AuthType.BEARER, token="t0k3n"))
    assert headers["Authorization"] == "Bearer t0k3n"


def test_api_key_in_a_header_or_in_the_query(recording_server: RecordingServer) -> None:
    _, headers = _sent(
        recording_server, Auth(AuthType.API_KEY_HEADER, token="k3y", key_name="X-Api-Key")
    )
    assert headers["X-Api-Key"] == "k3y"
    path, headers = _sent(
        recording_server, Auth(AuthType.API_KEY_QUERY, token="a b&c", key_name="api_key")
    )
    assert path == "/echo?a=1&api_key=a%20b%26c"
    assert "Authorization" not in headers


def test_bad_auth_is_said_before_connecting() -> None:
    cases = {
        Auth(AuthType.BASIC): "Basic auth needs a user name",
        Auth(AuthType.BEARER): "Give the bearer token",
        Auth(AuthType.API_KEY_QUERY, token="x"): "Name the API key's query parameter",
        Auth(AuthType.API_KEY_HEADER, key_name="X-Key"): "Give the API key",
    }
    for auth, words in cases.items():
        errors = check_options(options_for("ws://127.0.0.1:1/", auth=auth))
        assert [(error.field, error.message) for error in errors] == [("auth", words)]


def test_variables_fill_the_auth_fields() -> None:
    options = options_for("ws://h/", auth=Auth(AuthType.BEARER, token="{{token}}"))
    resolved, errors = resolve(options, {"token": "from-env"}, {})
    assert errors == [] and resolved.auth.token == "from-env"
    _, errors = resolve(options, {}, {})
    assert [error.field for error in errors] == ["auth"]


def test_profiles_keep_the_auth_and_its_secrets_apart() -> None:
    auth = Auth(AuthType.BASIC, username="ann", password="pw", token="tk", key_name="k")
    options = options_for("ws://h/", auth=auth)
    assert options_from_json(options_to_json(options)).auth == auth
    withheld, values = withhold(Profile(name="p", options=options))
    assert values == {"auth/password": "pw", "auth/token": "tk"}
    assert (withheld.options.auth.password, withheld.options.auth.token) == ("", "")
    assert restore(withheld, values).options.auth == auth


def test_record_uses_the_profiles_auth(recording_server: RecordingServer) -> None:
    # No keyring in tests (conftest): the subprocess reads the token from the profile file.
    ProfileStore().save(
        Profile(
            name="authed",
            options=options_for(
                recording_server.url("/echo"), auth=Auth(AuthType.BEARER, token="rec-token")
            ),
        )
    )
    result = record_cli("--profile", "authed", "--duration", "0.3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert dict(recording_server.connections[-1].headers)["Authorization"] == "Bearer rec-token"
    assert "rec-token" not in result.stdout + result.stderr
