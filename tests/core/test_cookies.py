"""Cookies (issue 22): rows sent as one Cookie header to a real server, pasted from a
browser's request, kept from a Set-Cookie when the page opts in, secret in profiles."""

from __future__ import annotations

from helpers.asyncwait import run
from helpers.sessions import close_session, of_type, open_session, options_for
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from wsinspector.core.log.events import HandshakeEvent
from wsinspector.core.storage.profiles import Profile
from wsinspector.core.storage.profiles.format import options_from_json, options_to_json
from wsinspector.core.storage.profiles.secrets import restore, withhold
from wsinspector.core.websocket.cookies import kept_cookies, parse_cookie_text
from wsinspector.core.websocket.validation import check_options

CHROME_REQUEST = """GET wss://chat.example.com/socket HTTP/1.1
Host: chat.example.com
Connection: Upgrade
Upgrade: websocket
Origin: https://chat.example.com
Cookie: sid=abc123; theme=dark
Sec-WebSocket-Version: 13
"""


def test_rows_become_one_cookie_header_and_set_cookie_is_kept() -> None:
    seen: list[str] = []

    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response:
        seen.append(request.headers.get("Cookie", ""))
        response.headers["Set-Cookie"] = "session=s1; Path=/; HttpOnly"
        response.headers["Set-Cookie"] = "old=; Max-Age=0"
        return response

    async def echo(connection: ServerConnection) -> None:
        await connection.wait_closed()

    async def main() -> HandshakeEvent:
        async with serve(echo, "127.0.0.1", 0, process_response=process_response) as server:
            port = server.sockets[0].getsockname()[1]
            options = options_for(
                f"ws://127.0.0.1:{port}/",
                headers=(("Cookie", "typed=1"),),
                cookies=(("old", "x"), ("theme", "dark")),
            )
            session = await open_session(options)
            (handshake,) = of_type(session.log, HandshakeEvent)
            await close_session(session)
            return handshake

    handshake = run(main)
    assert seen == ["typed=1; old=x; theme=dark"]
    kept = kept_cookies((("old", "x"), ("theme", "dark")), handshake.response_headers)
    assert kept == (("theme", "dark"), ("session", "s1"))


def test_pasted_from_a_browser() -> None:
    assert parse_cookie_text(CHROME_REQUEST) == (("sid", "abc123"), ("theme", "dark"))
    assert parse_cookie_text("Cookie: a=1") == (("a", "1"),)
    assert parse_cookie_text(" a=1; b = 2 ") == (("a", "1"), ("b", "2"))
    assert parse_cookie_text("Host: x\nAccept: y") == ()


def test_expires_in_the_past_removes_and_later_values_replace() -> None:
    headers = [
        ("Set-Cookie", "a=2"),
        ("Set-Cookie", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
        ("Set-Cookie", "c=3; Expires=Fri, 01 Jan 2100 00:00:00 GMT"),
    ]
    assert kept_cookies((("a", "1"), ("b", "1")), headers, now=1e9) == (("a", "2"), ("c", "3"))


def test_bad_cookies_are_said_and_profiles_keep_values_in_the_keyring() -> None:
    bad = options_for("ws://h/", cookies=(("a b", "1"), ("c", "x;y")))
    assert [error.field for error in check_options(bad)] == ["cookies", "cookies"]
    options = options_for(
        "ws://h/", cookies=(("sid", "abc"), ("sid", "def")), keep_set_cookies=True
    )
    assert options_from_json(options_to_json(options)) == options
    withheld, values = withhold(Profile(name="p", options=options))
    assert values == {"cookie/sid/0": "abc", "cookie/sid/1": "def"}
    assert withheld.options.cookies == (("sid", ""), ("sid", ""))
    assert restore(withheld, values).options == options
