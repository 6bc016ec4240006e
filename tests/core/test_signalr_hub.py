"""SignalR's JSON hub protocol over the core session, against a hub scripted from the
specification (helpers/signalr_hub.py): negotiate, handshake, pings, invoke, send, streams."""

from __future__ import annotations

import pytest
from helpers.asyncwait import run, until
from helpers.sessions import close_session, options_for
from helpers.signalr_hub import Hub, running

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent, NoteEvent
from wsinspector.core.protocols.base import Reading
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.signalr.negotiate import NegotiateError, negotiate
from wsinspector.core.protocols.signalr.protocol import (
    CancelStream,
    Invoke,
    SignalRProtocol,
    SignalRSettings,
    describe,
)
from wsinspector.core.websocket.reconnect import ReconnectPolicy
from wsinspector.core.websocket.session import Session


class Client:
    def __init__(
        self, uri: str, settings: SignalRSettings | None = None, **options: object
    ) -> None:
        self.protocol = SignalRProtocol(settings)
        self.session = Session(options_for(uri, **options), EventLog())
        self.readings: list[Reading] = []
        self.driver = ProtocolDriver(self.session, self.protocol, self._read)

    def _read(self, event_id: int, reading: Reading) -> None:
        self.readings.append(reading)

    def of_kind(self, kind: str) -> list[Reading]:
        return [reading for reading in self.readings if reading.kind == kind]

    def sent(self) -> list[Reading]:
        return [
            describe(event.data.decode())
            for event in self.session.log
            if isinstance(event, MessageEvent) and event.direction is Direction.OUT
        ]

    async def open(self) -> None:
        self.session.start()
        await until(lambda: self.of_kind("handshake"), message=self.why)
        assert self.protocol.handshaken, self.readings

    async def close(self) -> None:
        await self.driver.stop()
        await close_session(self.session)

    def why(self) -> str:
        return f"(read {self.readings}, state {self.session.state})"


def test_negotiate_then_invoke_send_and_stream() -> None:
    async def scenario() -> None:
        async with running(Hub()) as hub:
            negotiated = await negotiate(hub.http_uri, (("X-Test", "1"),))
            assert negotiated.uri == f"{hub.ws_uri}?id=token-1"
            assert hub.negotiations[0]["path"] == "/hub/negotiate?negotiateVersion=1"
            assert hub.negotiations[0]["X-Test"] == "1"
            client = Client(negotiated.uri)
            await client.open()
            try:
                assert hub.connected_with == [{"id": ["token-1"]}]
                await client.driver.send(Invoke("echo", ({"a": [1, 2]},)))
                await until(lambda: client.of_kind("completion"), message=client.why)
                completion = client.of_kind("completion")[0]
                assert completion.name == "echo"  # the method it answers, not just an id
                assert isinstance(completion.value, dict)
                assert completion.value["result"] == {"a": [1, 2]}
                assert isinstance(completion.value["seconds"], float)

                await client.driver.send(Invoke("broadcast", ("hi", 2), answer=False))
                await until(lambda: client.of_kind("invocation"), message=client.why)
                invocation = client.of_kind("invocation")[0]
                assert invocation.name == "message"
                assert isinstance(invocation.value, dict)
                assert invocation.value["arguments"] == ["hi", 2]
                assert "invocationId" not in hub.received[-1]  # sent: no answer asked

                await client.driver.send(Invoke("count", (3,), stream=True))
                await until(lambda: len(client.of_kind("completion")) == 2, message=client.why)
                items = client.of_kind("stream item")
                assert [r.value["item"] for r in items if isinstance(r.value, dict)] == [0, 1, 2]
                assert {r.name for r in items} == {"count"}
                assert [r.kind for r in client.sent()] == [
                    "handshake",
                    "invocation",
                    "invocation",
                    "stream invocation",
                ]
                assert not [r for r in client.readings if r.problem]
            finally:
                await client.close()

    run(scenario)


def test_a_reconnect_starts_the_protocol_afresh() -> None:
    """The driver sends the handshake on every open, and the protocol forgets the last
    connection's invocations."""

    async def scenario() -> None:
        async with running(Hub()) as hub:
            quick = ReconnectPolicy(True, 0.05, 0.05, 1.5, 0.1, jitter=False)
            client = Client(hub.ws_uri, reconnect=quick)
            await client.open()
            try:
                await client.driver.send(Invoke("count", (1000,), stream=True))
                await until(lambda: client.of_kind("stream item"))
                await hub.drop()
                await until(lambda: len(client.of_kind("handshake")) == 2, message=client.why)
                assert client.protocol.handshaken and not client.protocol.pending
                await client.driver.send(Invoke("echo", ("again",)))
                await until(lambda: client.of_kind("completion"), message=client.why)
                assert hub.received[-1]["invocationId"] == "1"
                assert [r.kind for r in client.sent()].count("handshake") == 2
            finally:
                await client.close()

    run(scenario)


def test_a_running_stream_can_be_cancelled() -> None:
    async def scenario() -> None:
        async with running(Hub()) as hub:
            client = Client(hub.ws_uri)  # skip negotiation: straight to the WebSocket
            await client.open()
            try:
                await client.driver.send(Invoke("count", (1000,), stream=True))
                await until(lambda: client.of_kind("stream item"), message=client.why)
                await client.driver.send(CancelStream("1"))
                await until(lambda: hub.received[-1]["type"] == 5)
                count = len(client.of_kind("stream item"))
                # The server stops within a step or two; no completion comes for it.
                await until(lambda: len(client.of_kind("ping")) >= 2)
                assert len(client.of_kind("stream item")) <= count + 2
                assert not client.of_kind("completion") and not client.protocol.pending
            finally:
                await client.close()

    run(scenario)


def test_pings_both_ways_and_a_silent_server_is_reported() -> None:
    async def scenario() -> None:
        async with running(Hub(ping_every=0.1)) as hub:
            client = Client(hub.ws_uri, SignalRSettings(keepalive=0.2, server_timeout=0.5))
            await client.open()
            try:
                await until(lambda: len(client.of_kind("ping")) >= 2)
                await until(lambda: [m for m in hub.received if m["type"] == 6])
                assert not [e for e in client.session.log if isinstance(e, NoteEvent)]
                hub.pinging = False
                await until(
                    lambda: [e for e in client.session.log if isinstance(e, NoteEvent)],
                    message=client.why,
                )
                note = next(e for e in client.session.log if isinstance(e, NoteEvent))
                assert "nothing from the server for" in note.text
            finally:
                await client.close()

    run(scenario)


def test_negotiate_follows_a_redirect_with_its_access_token() -> None:
    async def scenario() -> None:
        async with running(Hub()) as hub:
            hub.negotiate_answer = {"url": hub.http_uri + "?hub=chat", "accessToken": "secret"}
            negotiated = await negotiate(hub.http_uri)
            assert negotiated.uri == f"{hub.ws_uri}?hub=chat&id=token-1&access_token=secret"
            assert hub.negotiations[1]["Authorization"] == "Bearer secret"
            assert hub.negotiations[1]["path"] == "/hub/negotiate?hub=chat&negotiateVersion=1"

    run(scenario)


@pytest.mark.parametrize(
    ("answer", "transports", "words"),
    [
        ({"error": "no hub here"}, None, "refused to negotiate: no hub here"),
        (None, ("LongPolling",), "no WebSocket transport (it offers LongPolling)"),
    ],
)
def test_negotiate_failures_in_words(
    answer: dict[str, object] | None, transports: tuple[str, ...] | None, words: str
) -> None:
    async def scenario() -> None:
        hub = Hub(negotiate_answer=answer)
        if transports:
            hub.transports = transports
        async with running(hub):
            with pytest.raises(NegotiateError, match=words.replace("(", r"\(").replace(")", r"\)")):
                await negotiate(hub.http_uri)

    run(scenario)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('{"type":1}', "no record separator"),
        ("{nope\x1e", "not JSON"),
        ("[1]\x1e", "not a JSON object"),
        ('{"type":42}\x1e', "unknown message type 42"),
        (b"\x00", "sent as text"),
    ],
)
def test_what_is_not_a_hub_message_is_read_with_its_reason(data: str | bytes, words: str) -> None:
    protocol = SignalRProtocol()
    protocol.on_open()
    protocol.read("{}\x1e")
    reading, answers = protocol.read(data)
    assert words in reading.problem and answers == []
    assert words in describe(data).problem


def test_the_handshake_answer_may_share_a_message_with_the_first_ones() -> None:
    protocol = SignalRProtocol()
    protocol.on_open()
    reading, _ = protocol.read('{}\x1e{"type":6}\x1e')
    assert reading.kind == "handshake + ping" and protocol.handshaken
    refused = SignalRProtocol()
    refused.on_open()
    reading, _ = refused.read('{"error":"Requested protocol \'json\' is not available."}\x1e')
    assert reading.kind == "handshake" and not refused.handshaken
    assert "not available" in refused.handshake_error
