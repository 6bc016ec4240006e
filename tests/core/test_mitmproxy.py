"""Through mitmproxy, as Kong/insomnia#5562's user wanted (issue 22): a wss:// connection
goes through mitmdump on 127.0.0.1, trusted by naming mitmproxy's CA as the page's CA file,
and the proxy sees the WebSocket and its messages."""

from __future__ import annotations

from helpers.asyncwait import run, until
from helpers.fixtures import TlsServer
from helpers.proxies import mitmdump
from helpers.sessions import close_session, of_type, open_session, options_for

from wsinspector.core.log.events import MessageEvent
from wsinspector.core.websocket.proxies import ProxyMode


def test_a_wss_connection_through_mitmproxy_with_its_ca(tls_server: TlsServer) -> None:
    server = tls_server.server
    with mitmdump(tls_server.ca_file) as (proxy, proxy_ca):
        options = options_for(
            server.url("/echo"),
            proxy_mode=ProxyMode.CUSTOM,
            proxy_url=proxy.url,
            ca_file=str(proxy_ca),
        )

        async def main() -> None:
            session = await open_session(options)
            await session.send_text("seen by mitmproxy")
            await until(lambda: len(of_type(session.log, MessageEvent)) == 2, 10)
            await close_session(session)

        run(main)
        assert server.connections[-1].received == ["seen by mitmproxy"]
        # The proxy saw the upgrade and the message both ways (its CA made it trusted).
        log = proxy.log()
        assert f"GET https://127.0.0.1:{server.port}/echo" in log, log[-1500:]
        assert "<< 101 Switching Protocols" in log
        assert "-> WebSocket text message ->" in log and "<- WebSocket text message <-" in log
