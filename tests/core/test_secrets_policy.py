"""One secrets policy: what a profile proposes for the keyring is what exports and the capture
redact, a {{placeholder}} is never a secret value, and what is printed for people (the status
line, `wsinspector record`) shows no secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.asyncwait import run, wait_state
from helpers.servers import RecordingServer
from helpers.sessions import close_session, options_for

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Event, StateEvent
from wsinspector.core.storage.logfiles import REDACTED, redact_headers, redact_uri
from wsinspector.core.storage.profiles import Profile, ProfileStore, SecretFlags
from wsinspector.core.storage.profiles.secrets import NoVault, propose_secrets, withhold
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session
from wsinspector.core.websocket.state import ConnectionState

# The pinned word list: a name on the left holds a credential, or doesn't.
SECRET_NAMES = {
    "token": True,
    "access_token": True,
    "refreshToken": True,
    "AUTHTOKEN": True,
    "token2": True,
    "apiKey": True,
    "api-key": True,
    "API_KEY": True,
    "X-Api-Key": True,
    "client_secret": True,
    "password": True,
    "password2": True,
    "passwd": True,
    "pwd": True,
    "pass": True,
    "auth": True,
    "X-Auth": True,
    "jwt": True,
    "sig": True,
    "signature": True,
    "session": True,
    "sessionId": True,
    "sessionid": True,
    "sid": True,
    "credential": True,
    "credentials": True,
    "Authorization": True,
    "Proxy-Authorization": True,
    "Cookie": True,
    "Set-Cookie": True,
    "page": False,
    "limit": False,
    "host": False,
    "monkey": False,
    "keyboard": False,
    "signal": False,
    "author": False,
    "X-Trace": False,
    "Accept": False,
    "Sec-WebSocket-Key": False,
}


@pytest.mark.parametrize(("name", "secret"), SECRET_NAMES.items())
def test_one_word_list_decides_the_keyring_and_the_redaction(name: str, secret: bool) -> None:
    options = ConnectionOptions(f"wss://h/ws?{name}=v4lue", headers=((name, "v4lue"),))
    proposed = propose_secrets(options, [name])
    assert (name in proposed.query) is secret
    assert (name in proposed.variables) is secret
    assert proposed.header(name) is secret
    assert (REDACTED in redact_uri(options.uri)) is secret
    assert (redact_headers(options.headers)[0][1] == REDACTED) is secret


PLACEHOLDER_PROFILE = Profile(
    name="templated",
    options=ConnectionOptions(
        "wss://h/ws?token={{token}}&access_token=lit3ral",
        headers=(("Authorization", "Bearer {{token}}"), ("X-Api-Key", "{{ api_key }}")),
    ),
    variables={"token": "s3cr3t", "api_key": "{{token}}"},
    secrets=SecretFlags(
        headers={"authorization", "x-api-key"},
        variables={"token", "api_key"},
        query={"token", "access_token"},
    ),
)


def test_a_placeholder_is_never_a_secret_value(tmp_path: Path) -> None:
    stored, values = withhold(PLACEHOLDER_PROFILE)
    assert values == {"variable/token": "s3cr3t", "query/access_token/0": "lit3ral"}
    assert stored.options.headers == PLACEHOLDER_PROFILE.options.headers
    assert stored.options.uri == "wss://h/ws?token={{token}}&access_token="
    assert stored.variables == {"token": "", "api_key": "{{token}}"}

    store = ProfileStore(tmp_path / "profiles", NoVault())
    saved = store.save(PLACEHOLDER_PROFILE)
    exported = tmp_path / "export.json"
    store.export(exported, [saved.id])
    text = exported.read_text()
    assert "Bearer {{token}}" in text and "{{ api_key }}" in text and "token={{token}}" in text
    assert "s3cr3t" not in text and "lit3ral" not in text

    # Redaction (exports, the capture's options) keeps them as written too.
    assert redact_headers(PLACEHOLDER_PROFILE.options.headers) == (
        PLACEHOLDER_PROFILE.options.headers
    )
    assert redact_uri(PLACEHOLDER_PROFILE.options.uri) == (
        f"wss://h/ws?token={{{{token}}}}&access_token={REDACTED}"
    )


class StatusLines:
    """Each state's status line, as the page and `record` show it."""

    def __init__(self, connection: ConnectionState) -> None:
        self.connection = connection
        self.lines: list[str] = []

    def event_appended(self, log: EventLog, event: Event) -> None:
        if type(event) is StateEvent:
            self.lines.append(self.connection.status_text())

    def messages_appended(self, log: EventLog) -> None:
        pass

    def log_cleared(self, log: EventLog) -> None:
        pass

    def events_dropped(self, log: EventLog, count: int) -> None:
        pass


def test_the_status_line_shows_no_secret(recording_server: RecordingServer) -> None:
    uri = recording_server.url("/echo?token=s3cr3t&room=1")

    async def body() -> list[str]:
        connection = ConnectionState(EventLog())
        status = StatusLines(connection)
        connection.log.add_listener(status, messages=False)
        options = options_for(uri)
        connection.begin(options)
        session = Session(options, connection.log)
        session.start()
        await wait_state(session, ConnState.OPEN)
        await close_session(session)
        return status.lines

    lines = run(body)
    assert lines[0].startswith("Connecting to ") and lines[1].startswith("Open — ")
    for text in lines[:2]:
        assert "s3cr3t" not in text and f"token={REDACTED}&room=1" in text, text
