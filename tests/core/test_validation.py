"""The form's checks before anything is sent, and how options map onto websockets' connect()."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
from helpers.tls import write_ca_file

from wsinspector.core.websocket.options import (
    DEFAULT_MAX_MESSAGE_SIZE,
    ConnectionOptions,
    UserAgentMode,
)
from wsinspector.core.websocket.reconnect import ReconnectPolicy
from wsinspector.core.websocket.validation import (
    LIBRARY_HEADERS,
    FieldError,
    check_close,
    check_options,
    check_uri,
    is_token,
)

# -- check_uri ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "ws://localhost:8765/",
        "wss://example.com/path?q=1&r=%20",
        "ws://127.0.0.1/",
        "WS://LOCALHOST/",
        "ws://[::1]:9000/socket",
        "  ws://localhost/  ",  # surrounding blanks are trimmed
        "ws://host:65535/",
    ],
)
def test_good_uris(uri: str) -> None:
    assert check_uri(uri) is None


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("", ["Enter a WebSocket URI"]),
        ("   ", ["Enter a WebSocket URI"]),
        ("http://example.com/", ["ws:// or wss://", "'http'", "(use ws://)"]),
        ("https://example.com/", ["'https'", "(use wss://)"]),
        ("ftp://example.com/", ["'ftp'"]),
        ("example.com/socket", ["ws:// or wss://"]),
        ("ws://", ["no host name"]),
        ("ws:///path", ["no host name"]),
        ("ws://host:99999/", ["port", "1 to 65535"]),
        ("ws://host:http/", ["port", "1 to 65535"]),
        ("ws://host:0/", ["port", "1 to 65535"]),
        ("ws://host/a path", ["spaces", "%20"]),
        ("ws://host/a\tb", ["spaces"]),
        ("ws://host/a\nb", ["line breaks"]),
    ],
)
def test_bad_uris(uri: str, words: list[str]) -> None:
    problem = check_uri(uri)
    assert problem is not None
    for word in words:
        assert word in problem


def test_http_hint_is_only_given_for_http() -> None:
    problem = check_uri("ftp://example.com/")
    assert problem is not None
    assert "use" not in problem


# -- check_options -----------------------------------------------------------------------------


def options(**kwargs: Any) -> ConnectionOptions:
    kwargs.setdefault("uri", "ws://localhost:8765/")
    return ConnectionOptions(**kwargs)


def test_good_options_have_no_errors() -> None:
    assert (
        check_options(
            options(
                origin="https://example.com",
                subprotocols=("chat.v1", "graphql-ws"),
                headers=(("Authorization", "Bearer x"), ("X-A", "1"), ("X-A", "2")),
                user_agent_mode=UserAgentMode.CUSTOM,
                user_agent="tool/1.0 (test)",
            )
        )
        == []
    )


def test_uri_problem_is_reported_on_the_uri_field() -> None:
    assert check_options(options(uri="http://x/")) == [
        FieldError("uri", "The URI must start with ws:// or wss://, not 'http' (use ws://)")
    ]


@pytest.mark.parametrize(
    "name", ["X Bad", "X-Bad:", 'X"Q"', "", "Ünïcode", "X(1)", "a/b", "X-Evil\n", "X-Evil\r\n"]
)
def test_header_names_must_be_tokens(name: str) -> None:
    (error,) = check_options(options(headers=(("X-Fine", "1"), (name, "v"))))
    assert error.field == "headers"
    assert error.row == 1
    assert "not a valid token" in error.message


@pytest.mark.parametrize("name", ["X-Ok", "x_ok", "A!#$%&'*+-.^_`|~0", "Authorization", "Cookie"])
def test_token_header_names_are_accepted(name: str) -> None:
    assert is_token(name)
    assert check_options(options(headers=((name, "value"),))) == []


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "line\nbreak", "carriage\rreturn", "n\x00l"])
def test_header_values_with_cr_lf_nul_are_refused(value: str) -> None:
    (error,) = check_options(options(headers=(("X-Ok", "1"), ("X-Test", value))))
    assert error.field == "headers"
    assert error.row == 1
    assert "CR, LF or NUL" in error.message
    assert "X-Test" in error.message


def test_header_values_must_be_latin_1() -> None:
    assert check_options(options(headers=(("X-Name", "Zoë"),))) == []  # Latin-1 is fine
    (error,) = check_options(options(headers=(("X-Name", "雪"),)))
    assert (error.field, error.row) == ("headers", 0)
    assert "ISO-8859-1" in error.message


@pytest.mark.parametrize("name", sorted(LIBRARY_HEADERS))
def test_library_owned_headers_are_refused_with_a_reason(name: str) -> None:
    for spelling in (name, name.upper(), name.title()):
        (error,) = check_options(options(headers=((spelling, "x"),)))
        assert error.field == "headers"
        assert error.row == 0
        assert "can't be set here" in error.message
        assert LIBRARY_HEADERS[name] in error.message


def test_library_header_reasons_point_to_the_right_field() -> None:
    def message(name: str) -> str:
        (error,) = check_options(options(headers=((name, "x"),)))
        return error.message

    assert "Subprotocols field" in message("Sec-WebSocket-Protocol")
    assert "User-Agent field" in message("User-Agent")
    assert "Origin field" in message("Origin")
    assert "permessage-deflate" in message("Sec-WebSocket-Extensions")


def test_every_bad_header_row_is_reported() -> None:
    errors = check_options(options(headers=(("Host", "x"), ("Good", "1"), ("Bad Name", "2"))))
    assert [(e.field, e.row) for e in errors] == [("headers", 0), ("headers", 2)]


@pytest.mark.parametrize("protocol", ["chat v1", "a,b", "x/y", "", "chat\n"])
def test_subprotocols_must_be_tokens(protocol: str) -> None:
    (error,) = check_options(options(subprotocols=("ok.v1", protocol)))
    assert error.field == "subprotocols"
    assert repr(protocol) in error.message


def test_origin_checks() -> None:
    assert check_options(options(origin="https://example.com")) == []
    (error,) = check_options(options(origin="example.com"))
    assert error.field == "origin"
    (error,) = check_options(options(origin="https://example.com\r\nX: y"))
    assert (error.field, "line breaks" in error.message) == ("origin", True)


def test_user_agent_with_line_breaks_is_refused_only_when_used() -> None:
    bad = "agent\r\nX-Injected: 1"
    (error,) = check_options(options(user_agent_mode=UserAgentMode.CUSTOM, user_agent=bad))
    assert error.field == "user_agent"
    assert check_options(options(user_agent_mode=UserAgentMode.NONE, user_agent=bad)) == []


def test_ca_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    (error,) = check_options(options(uri="wss://localhost/", ca_file=str(missing)))
    assert error.field == "ca_file"
    assert "No such file" in error.message
    assert str(missing) in error.message
    (error,) = check_options(options(uri="wss://localhost/", ca_file=str(tmp_path)))
    assert error.field == "ca_file"  # a directory is not a CA file


def test_ca_file_only_applies_to_wss(tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text("not checked here")
    assert check_options(options(uri="wss://localhost/", ca_file=str(pem))) == []
    (error,) = check_options(options(uri="ws://localhost/", ca_file=str(pem)))
    assert error.field == "ca_file"
    assert "wss://" in error.message


@pytest.mark.parametrize(
    "policy",
    [
        ReconnectPolicy(initial_delay=-1),
        ReconnectPolicy(max_delay=0),
        ReconnectPolicy(max_attempts=-1),
    ],
)
def test_negative_reconnect_settings_are_refused(policy: ReconnectPolicy) -> None:
    (error,) = check_options(options(reconnect=policy))
    assert error.field == "reconnect"


# -- check_close -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1007, 1008, 1011, 1014, 3000, 4000, 4999])
def test_sendable_close_codes(code: int) -> None:
    assert check_close(code, "") == []


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
def test_unsendable_close_codes(code: int) -> None:
    (error,) = check_close(code, "")
    assert error.field == "close_code"
    assert str(code) in error.message


def test_close_reason_is_limited_to_123_bytes() -> None:
    assert check_close(1000, "x" * 123) == []
    (error,) = check_close(1000, "x" * 124)
    assert error.field == "close_reason"
    assert "123 bytes" in error.message
    # Bytes, not characters: 62 two-byte characters are 124 bytes.
    assert check_close(4000, "é" * 61) == []
    assert [e.field for e in check_close(4000, "é" * 62)] == ["close_reason"]


def test_close_reports_code_and_reason_together() -> None:
    assert [e.field for e in check_close(1005, "y" * 200)] == ["close_code", "close_reason"]


# -- ConnectionOptions.connect_kwargs ----------------------------------------------------------


def test_connect_kwargs_defaults() -> None:
    kwargs = options().connect_kwargs()
    assert kwargs["origin"] is None
    assert kwargs["subprotocols"] is None
    assert kwargs["additional_headers"] is None
    assert kwargs["compression"] == "deflate"
    # No message limit for websockets, one frame bounded: the frame tap enforces the user's
    # limit on whole messages (core/websocket/limits.py).
    assert kwargs["max_size"] == (None, 2 * DEFAULT_MAX_MESSAGE_SIZE + 64 * 1024)
    assert kwargs["proxy"] is True  # the system proxy by default, as browsers (issue 22)
    assert (kwargs["open_timeout"], kwargs["ping_interval"], kwargs["ping_timeout"]) == (
        10.0,
        20.0,
        20.0,
    )
    assert "user_agent_header" not in kwargs  # the library's default User-Agent
    assert "ssl" not in kwargs  # ws:// takes no TLS context at all


def test_connect_kwargs_carry_the_form() -> None:
    kwargs = options(
        origin="https://o.example",
        subprotocols=("a", "b"),
        headers=(("X-A", "1"), ("X-A", "2")),
        compression=False,
        max_message_size=None,
        open_timeout=None,
        close_timeout=0.5,
    ).connect_kwargs()
    assert kwargs["origin"] == "https://o.example"
    assert kwargs["subprotocols"] == ["a", "b"]
    assert kwargs["additional_headers"] == [("X-A", "1"), ("X-A", "2")]
    assert kwargs["compression"] is None
    assert kwargs["max_size"] is None
    assert kwargs["open_timeout"] is None
    assert kwargs["close_timeout"] == 0.5


def test_connect_kwargs_user_agent_modes() -> None:
    assert (
        "user_agent_header" not in options(user_agent_mode=UserAgentMode.DEFAULT).connect_kwargs()
    )
    none = options(user_agent_mode=UserAgentMode.NONE, user_agent="ignored").connect_kwargs()
    assert "user_agent_header" in none and none["user_agent_header"] is None
    custom = options(user_agent_mode=UserAgentMode.CUSTOM, user_agent="me/1").connect_kwargs()
    assert custom["user_agent_header"] == "me/1"


def test_ssl_context_only_for_wss() -> None:
    assert options(uri="ws://localhost/").ssl_context() is None
    assert options(uri="ws://localhost/", tls_verify=False).ssl_context() is None
    assert options(uri="wss://localhost/").is_secure
    assert options(uri=" WSS://localhost/").is_secure


def test_ssl_context_verifies_by_default() -> None:
    kwargs = options(uri="wss://localhost/").connect_kwargs()
    context = kwargs["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_ssl_context_verify_off() -> None:
    context = options(uri="wss://localhost/", tls_verify=False).connect_kwargs()["ssl"]
    assert context.verify_mode is ssl.CERT_NONE
    assert context.check_hostname is False


def test_ssl_context_loads_ca_file(tls_ca: trustme.CA, tmp_path: Path) -> None:
    ca_file = write_ca_file(tls_ca, tmp_path / "ca.pem")
    ca_der = ssl.PEM_cert_to_DER_cert(tls_ca.cert_pem.bytes().decode())
    without = options(uri="wss://localhost/").ssl_context()
    assert without is not None
    assert ca_der not in without.get_ca_certs(binary_form=True)
    context = options(uri="wss://localhost/", ca_file=str(ca_file)).ssl_context()
    assert context is not None
    assert ca_der in context.get_ca_certs(binary_form=True)
    assert context.verify_mode is ssl.CERT_REQUIRED
