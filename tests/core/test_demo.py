"""The built-in demo server (wsinspector --demo), driven by a plain websockets client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from wsinspector.core.tools.demo import DEMO_SUBPROTOCOL, FORBIDDEN_BODY, DemoServer

TIMEOUT = 5.0


def run_with_demo(body: Callable[[DemoServer], Awaitable[None]], **kwargs: Any) -> None:
    """Start a demo server, run ``body``, stop it, and check that no task is left behind."""

    async def main() -> None:
        async with asyncio.timeout(TIMEOUT * 2):
            async with DemoServer(**kwargs) as demo:
                await body(demo)
            assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())


def test_url_and_port() -> None:
    async def body(demo: DemoServer) -> None:
        assert demo.running
        assert 0 < demo.port < 65536
        assert demo.url() == f"ws://127.0.0.1:{demo.port}/"
        assert demo.url("/echo") == f"ws://127.0.0.1:{demo.port}/echo"
        assert demo.url("ticks") == f"ws://127.0.0.1:{demo.port}/ticks"

    run_with_demo(body)


def test_port_before_start_raises() -> None:
    with pytest.raises(RuntimeError):
        _ = DemoServer().port


def test_echo_text_and_binary_as_is() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT), connect(demo.url("/echo")) as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.send(b"\x00\x01\xffbin")
            reply = await ws.recv()
            assert isinstance(reply, bytes)
            assert reply == b"\x00\x01\xffbin"
            await ws.send("help")  # no help on /echo: plain echo
            assert await ws.recv() == "help"

    run_with_demo(body)


def test_ticks_welcome_then_tick_then_echo_and_help() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT), connect(demo.url("/ticks")) as ws:
            welcome = json.loads(await ws.recv())
            assert welcome == {"type": "welcome", "path": "/ticks", "subprotocol": None}
            tick = json.loads(await ws.recv())  # the first tick comes right after connect
            assert tick["type"] == "tick"
            assert tick["seq"] == 1
            assert isinstance(tick["price"], float)
            assert datetime.fromisoformat(tick["time"]).utcoffset() is not None

            await ws.send("ping me back")
            await ws.send(b"\x01\x02")
            await ws.send("help")
            seen: list[Any] = []
            while len(seen) < 3:
                message = await ws.recv()
                if isinstance(message, str) and message.startswith('{"type": "tick"'):
                    continue
                seen.append(message)
            assert seen[0] == "ping me back"
            assert seen[1] == b"\x01\x02"
            help_ = json.loads(seen[2])
            assert help_["type"] == "help"
            assert "/echo" in help_["paths"]

    run_with_demo(body)


def test_ticks_keep_coming() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT), connect(demo.url("/")) as ws:
            assert json.loads(await ws.recv())["path"] == "/"
            seqs = [json.loads(await ws.recv())["seq"] for _ in range(3)]
            assert seqs == [1, 2, 3]

    run_with_demo(body, tick_interval=0.05)


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        (["chat"], "chat"),
        ([DEMO_SUBPROTOCOL], DEMO_SUBPROTOCOL),
        (["chat", DEMO_SUBPROTOCOL], "chat"),
        (["mqtt", DEMO_SUBPROTOCOL], DEMO_SUBPROTOCOL),
        (None, None),
    ],
)
def test_subprotocol_negotiation(offered: list[str] | None, expected: str | None) -> None:
    subprotocols = None if offered is None else [Subprotocol(s) for s in offered]

    async def body(demo: DemoServer) -> None:
        async with (
            asyncio.timeout(TIMEOUT),
            connect(demo.url("/ticks"), subprotocols=subprotocols) as ws,
        ):
            assert ws.subprotocol == expected
            assert json.loads(await ws.recv())["subprotocol"] == expected

    run_with_demo(body)


def test_unsupported_subprotocol_only_is_not_rejected() -> None:
    async def body(demo: DemoServer) -> None:
        async with (
            asyncio.timeout(TIMEOUT),
            connect(demo.url("/echo"), subprotocols=[Subprotocol("mqtt")]) as ws,
        ):
            assert ws.subprotocol is None
            await ws.send("x")
            assert await ws.recv() == "x"

    run_with_demo(body)


def test_forbidden_is_403_with_body_and_header() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT):
            with pytest.raises(InvalidStatus) as info:
                async with connect(demo.url("/forbidden")):
                    pass
        response = info.value.response
        assert response.status_code == 403
        assert response.body == FORBIDDEN_BODY.encode()
        assert response.headers["X-Demo-Reason"] == "forbidden path"
        assert response.headers["Content-Type"].startswith("text/plain")

    run_with_demo(body)


def test_unknown_path_is_404() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT):
            with pytest.raises(InvalidStatus) as info:
                async with connect(demo.url("/nope")):
                    pass
        assert info.value.response.status_code == 404
        assert b"/nope" in info.value.response.body

    run_with_demo(body)


def test_close_with_code_and_reason() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT), connect(demo.url("/close?code=4000&reason=bye")) as ws:
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
        assert info.value.rcvd is not None
        assert info.value.rcvd.code == 4000
        assert info.value.rcvd.reason == "bye"

    run_with_demo(body)


def test_close_with_unsendable_code_is_400() -> None:
    async def body(demo: DemoServer) -> None:
        async with asyncio.timeout(TIMEOUT):
            with pytest.raises(InvalidStatus) as info:
                async with connect(demo.url("/close?code=1005")):
                    pass
        assert info.value.response.status_code == 400

    run_with_demo(body)


def test_stop_closes_open_connections_and_leaves_no_tasks() -> None:
    async def main() -> None:
        async with asyncio.timeout(TIMEOUT * 2):
            demo = DemoServer()
            await demo.start()
            with pytest.raises(RuntimeError):
                await demo.start()
            ticks = await connect(demo.url("/ticks"))
            echo = await connect(demo.url("/echo"))
            await ticks.recv()
            await demo.stop()
            assert not demo.running
            for ws in (ticks, echo):
                await ws.wait_closed()
                assert ws.close_code == 1001  # going away
            await demo.stop()  # idempotent
            assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
