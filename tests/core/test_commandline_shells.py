"""Command lines as people paste them from READMEs and terminals (issue 19, "Command lines
pasted or typed"): prompts, pipelines, containers, environment variables, usage lines."""

from __future__ import annotations

import base64

import pytest

from wsinspector.core.storage.profiles.commandline import parse_command_line, usage_line_words
from wsinspector.core.websocket.auth import Auth, AuthType, auth_header
from wsinspector.core.websocket.validation import check_uri

# websocat's README (github.com/vi/websocat, MIT), "Serve and connect" and the Chromium example.
WEBSOCAT_PROMPT_B = "B$ websocat ws://127.0.0.1:1234/"
WEBSOCAT_PIPE = (
    """$ echo 'Page.navigate {"url":"https://example.com"}' | websocat -n1 --jsonrpc """
    "ws://127.0.0.1:9222/devtools/page/A331E56CCB8615EB4FCB720425A82259"
)
WEBSOCAT_BACKGROUND = "$ websocat --oneshot -b tcp-l:127.0.0.1:1236 ws://127.0.0.1:1234/&"
# websocat's README, "SSL on Android".
WEBSOCAT_CERT_FILE = "SSL_CERT_FILE=cacert.pem /data/local/tmp/websocat wss://echo.websocket.org"
# websocat's container image as its users run it (ghcr.io/vi/websocat).
WEBSOCAT_DOCKER = (
    "docker run --rm -ti ghcr.io/vi/websocat:nightly "
    '"wss://controller.storck.xyz/ws/output?group_id=test&name=Test"'
)
# wscat's README (github.com/websockets/wscat, MIT), its usage line.
WSCAT_USAGE = "Usage: wscat [options] (--listen <port> | --connect <url>)"


def uri_of(text: str) -> str:
    parsed = parse_command_line(text)
    assert parsed is not None, text
    return parsed.options.uri


def test_a_prompt_before_the_command_is_not_part_of_it() -> None:
    assert uri_of(WEBSOCAT_PROMPT_B) == "ws://127.0.0.1:1234/"
    assert uri_of("me@box:~/src$ wscat -c ws://localhost:8080") == "ws://localhost:8080"


def test_the_websocat_of_a_pipeline_is_read() -> None:
    parsed = parse_command_line(WEBSOCAT_PIPE)
    assert parsed is not None and parsed.tool == "websocat"
    assert parsed.options.uri.endswith("/devtools/page/A331E56CCB8615EB4FCB720425A82259")


def test_a_trailing_ampersand_runs_in_the_background_and_is_dropped() -> None:
    assert uri_of(WEBSOCAT_BACKGROUND) == "ws://127.0.0.1:1234/"
    # An & inside a quoted URI's query stays.
    assert uri_of("websocat 'ws://x/?a=1&b=2'") == "ws://x/?a=1&b=2"


def test_ssl_cert_file_sets_the_ca_file() -> None:
    parsed = parse_command_line(WEBSOCAT_CERT_FILE)
    assert parsed is not None
    assert parsed.options.uri == "wss://echo.websocket.org"
    assert parsed.options.ca_file == "cacert.pem"
    node = parse_command_line("NODE_EXTRA_CA_CERTS=corp.pem wscat -c wss://a.example/")
    assert node is not None and node.options.ca_file == "corp.pem"


def test_docker_run_of_websocat() -> None:
    parsed = parse_command_line(WEBSOCAT_DOCKER)
    assert parsed is not None and parsed.tool == "websocat"
    assert parsed.options.uri == "wss://controller.storck.xyz/ws/output?group_id=test&name=Test"
    assert parse_command_line("docker run --rm -ti alpine ws://x/") is None


def test_websocat_basic_auth_is_base64_encoded() -> None:
    parsed = parse_command_line("websocat --basic-auth user:pass ws://127.0.0.1:1234/")
    assert parsed is not None
    token = base64.b64encode(b"user:pass").decode()
    assert parsed.options.auth == Auth(AuthType.BASIC, username="user", password="pass")
    assert auth_header(parsed.options.auth) == ("Authorization", f"Basic {token}")


@pytest.mark.parametrize("text", [WSCAT_USAGE, WSCAT_USAGE.removeprefix("Usage: ")])
def test_wscat_usage_line_is_said_to_be_one(text: str) -> None:
    assert parse_command_line(text) is None
    words = usage_line_words(text)
    assert words is not None and words.startswith("That is wscat's usage line")
    assert usage_line_words("wscat -c ws://localhost:8080") is None


@pytest.mark.parametrize("uri", ["ws://[::1", "ws://[abc]/x"])
def test_a_malformed_bracketed_host_is_said_not_raised(uri: str) -> None:
    problem = check_uri(uri)
    assert problem is not None and "[brackets]" in problem
