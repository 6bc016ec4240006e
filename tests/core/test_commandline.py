"""Pasted wscat / websocat / curl command lines become connection options."""

from __future__ import annotations

import base64

import pytest

from wsinspector.core.storage.profiles.commandline import parse_command_line
from wsinspector.core.websocket.auth import Auth, AuthType, auth_header
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode
from wsinspector.core.websocket.reconnect import ReconnectPolicy
from wsinspector.core.websocket.validation import check_options


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


# -- wscat -----------------------------------------------------------------------------------


def test_wscat_full() -> None:
    parsed = parse_command_line(
        "wscat -c wss://stream.example.com:9443/ws?streams=btcusdt@trade "
        '-H "Authorization: Bearer abc.def" --header "X-Client:  desktop " '
        "-o https://example.com -s mqtt -s v12.stomp -n --ca ./ca.pem "
        '-x \'{"op":"subscribe"}\' -w 5 -P'
    )
    assert parsed is not None and parsed.tool == "wscat"
    assert parsed.options == ConnectionOptions(
        uri="wss://stream.example.com:9443/ws?streams=btcusdt@trade",
        origin="https://example.com",
        subprotocols=("mqtt", "v12.stomp"),
        headers=(("Authorization", "Bearer abc.def"), ("X-Client", "desktop")),
        tls_verify=False,
        ca_file="./ca.pem",
        on_connect_messages=('{"op":"subscribe"}',),
    )
    assert parsed.ignored == ("-w 5", "-P")


def test_wscat_variants() -> None:
    parsed = parse_command_line("$ npx -y wscat --connect=localhost:8080 --auth user:pa:ss")
    assert parsed is not None
    assert parsed.options.uri == "ws://localhost:8080"  # wscat adds ws:// itself
    # Basic auth fills the Auth tab; the handshake still carries the same header.
    assert parsed.options.auth == Auth(AuthType.BASIC, username="user", password="pa:ss")
    assert auth_header(parsed.options.auth) == ("Authorization", basic("user:pa:ss"))
    combined = parse_command_line("wscat -nc wss://h/")
    assert combined is not None
    assert (combined.options.uri, combined.options.tls_verify) == ("wss://h/", False)
    origin_header = parse_command_line('wscat -c ws://h/ -H "Origin: http://o.example"')
    assert origin_header is not None
    assert origin_header.options.origin == "http://o.example"
    assert origin_header.options.headers == ()


# -- websocat --------------------------------------------------------------------------------


def test_websocat_full() -> None:
    parsed = parse_command_line(
        "websocat -k --origin https://app.example --protocol graphql-ws "
        '-H="X-Api-Key: k1" -H "Cookie: session=s1" --ua "probe/1.0" '
        "--ping-interval 15 --ping-timeout 30 --cacert /etc/ssl/my.pem -t - "
        "wss://api.example/graphql"
    )
    assert parsed is not None and parsed.tool == "websocat"
    assert parsed.options == ConnectionOptions(
        uri="wss://api.example/graphql",
        origin="https://app.example",
        subprotocols=("graphql-ws",),
        headers=(("X-Api-Key", "k1"), ("Cookie", "session=s1")),
        user_agent_mode=UserAgentMode.CUSTOM,
        user_agent="probe/1.0",
        tls_verify=False,
        ca_file="/etc/ssl/my.pem",
        ping_interval=15.0,
        ping_timeout=30.0,
    )
    assert parsed.ignored == ("-t",)


def test_websocat_overlays_and_basic_auth() -> None:
    parsed = parse_command_line(
        "websocat --insecure --basic-auth alice:s3cret autoreconnect:wss://h.example/feed"
    )
    assert parsed is not None
    assert parsed.options.uri == "wss://h.example/feed"
    assert parsed.options.reconnect == ReconnectPolicy(enabled=True)
    assert parsed.options.auth == Auth(AuthType.BASIC, username="alice", password="s3cret")
    assert auth_header(parsed.options.auth) == ("Authorization", basic("alice:s3cret"))


# -- curl ------------------------------------------------------------------------------------

CHROME_COPY = r"""curl 'wss://chat.example.com/socket?room=42' \
  -H 'Pragma: no-cache' \
  -H 'Origin: https://chat.example.com' \
  -H 'Accept-Language: en-US,en;q=0.9' \
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
  -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' \
  -H 'Upgrade: websocket' \
  -H 'Cache-Control: no-cache' \
  -H 'Cookie: sid=abc; theme=dark' \
  -H 'Connection: Upgrade' \
  -H 'Sec-WebSocket-Version: 13' \
  -H 'Sec-WebSocket-Protocol: v2.chat, v1.chat' \
  -H 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits' \
  --compressed"""


def test_curl_from_browser_devtools() -> None:
    parsed = parse_command_line(CHROME_COPY)
    assert parsed is not None and parsed.tool == "curl"
    assert parsed.options == ConnectionOptions(
        uri="wss://chat.example.com/socket?room=42",
        origin="https://chat.example.com",
        subprotocols=("v2.chat", "v1.chat"),
        headers=(
            ("Pragma", "no-cache"),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Cache-Control", "no-cache"),
            ("Cookie", "sid=abc; theme=dark"),
        ),
        user_agent_mode=UserAgentMode.CUSTOM,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
        compression=True,
    )
    assert parsed.ignored == ("--compressed",)
    assert check_options(parsed.options) == []  # ready to connect as it is


def test_curl_http_upgrade() -> None:
    parsed = parse_command_line(
        "curl -i -N -sSk --cacert ca.crt -u bob:pw -b 'a=1' -A ua/2 "
        '-H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" '
        '-H "Sec-WebSocket-Key: SGVsbG8sIHdvcmxkIQ==" -H "X-Empty;" '
        "-H 'Sec-WebSocket-Extensions: x-custom' https://127.0.0.1:8443/ws | head"
    )
    assert parsed is not None
    assert parsed.options == ConnectionOptions(
        uri="wss://127.0.0.1:8443/ws",
        headers=(("Cookie", "a=1"), ("X-Empty", "")),
        auth=Auth(AuthType.BASIC, username="bob", password="pw"),
        user_agent_mode=UserAgentMode.CUSTOM,
        user_agent="ua/2",
        tls_verify=False,
        ca_file="ca.crt",
        compression=False,
    )
    assert parsed.ignored == ("-i", "-N", "-s", "-S")


def test_curl_ws_url_needs_no_upgrade_header() -> None:
    parsed = parse_command_line("curl --url ws://localhost:8765/echo -X GET")
    assert parsed is not None
    assert parsed.options == ConnectionOptions(uri="ws://localhost:8765/echo")
    assert parsed.ignored == ("-X GET",)


# -- not a command ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ws://localhost:8765/",
        "hello world",
        "ls -la /tmp",
        "curl https://example.com/api",  # a plain HTTP request
        'curl -H "Upgrade: websocket" ftp://example.com/',
        "wscat -l 8080",  # a server
        "wscat --listen 8080 -c ws://h/",  # wscat refuses this too
        "websocat -s 8080",  # a server
        "websocat ws-l:127.0.0.1:8080 -",  # a listener
        "wscat -c ftp://x/",
        "wscat",
        "curl 'wss://unbalanced",
        "python -m websockets ws://localhost:8765/",
    ],
)
def test_not_a_websocket_client_command(text: str) -> None:
    assert parse_command_line(text) is None
