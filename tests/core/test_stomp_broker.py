"""STOMP over WebSocket against a real RabbitMQ with web-stomp: the core session, the STOMP
protocol and the driver that joins them, as a page and `record` use them."""

from __future__ import annotations

import pytest
from helpers.asyncwait import run, until
from helpers.sessions import close_session, options_for

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent, NoteEvent
from wsinspector.core.protocols.base import Reading
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.stomp.protocol import (
    SUBPROTOCOLS,
    StompCompose,
    StompProtocol,
    StompSettings,
    describe,
)
from wsinspector.core.websocket.session import Session

# The first test may install rabbitmq-server and Erlang (helpers.brokers), then the broker
# takes 10 to 20 s to start.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def broker(stomp_broker_uri: str) -> str:
    # One broker for the run (helpers.fixtures): other tests speak STOMP to it too.
    return stomp_broker_uri


class Client:
    """A session with the STOMP protocol driven on it, and what it read."""

    def __init__(self, uri: str, settings: StompSettings, subprotocol: str = SUBPROTOCOLS[0]):
        self.protocol = StompProtocol(settings)
        self.session = Session(options_for(uri, subprotocols=(subprotocol,)), EventLog())
        self.readings: list[Reading] = []
        self.driver = ProtocolDriver(self.session, self.protocol, self._read)

    def _read(self, event_id: int, reading: Reading) -> None:
        self.readings.append(reading)

    def kinds(self) -> list[str]:
        return [reading.kind for reading in self.readings]

    def of_kind(self, kind: str) -> list[Reading]:
        return [reading for reading in self.readings if reading.kind == kind]

    def sent(self) -> list[Reading]:
        return [
            describe(event.data)
            for event in self.session.log
            if isinstance(event, MessageEvent) and event.direction is Direction.OUT
        ]

    async def open(self) -> None:
        self.session.start()
        await until(lambda: "CONNECTED" in self.kinds() or "ERROR" in self.kinds(), timeout=10)
        assert self.protocol.connected, self.readings

    async def send(self, command: str, destination: str = "", body: str = "", **headers: str):
        composed = StompCompose(command, destination, tuple(headers.items()), body)
        await self.driver.send(composed)

    async def close(self) -> None:
        await self.driver.stop()
        await close_session(self.session)

    def why(self) -> str:
        return f"(read {self.readings}, state {self.session.state})"


GUEST = StompSettings(login="guest", passcode="guest")


@pytest.mark.parametrize("subprotocol", SUBPROTOCOLS)
def test_subscribe_and_receive_what_was_sent(broker: str, subprotocol: str) -> None:
    async def scenario() -> None:
        version = subprotocol[1] + "." + subprotocol[2]
        client = Client(broker, StompSettings("guest", "guest", versions=(version,)), subprotocol)
        await client.open()
        queue = f"/queue/wsi-{subprotocol}"
        try:
            assert client.protocol.version == version
            await client.send("SUBSCRIBE", queue, receipt="r-sub")
            await until(lambda: client.of_kind("RECEIPT"), message=client.why)
            # A body with what escaping and content-length are for: a NUL, a colon, lines.
            body = "first line\nsecond: \x00 after a NUL"
            await client.send("SEND", queue, body, **{"content-type": "text/plain", "x-k": "a:b"})
            await until(lambda: client.of_kind("MESSAGE"), message=client.why)
            message = client.of_kind("MESSAGE")[0]
            assert message.name == queue and not message.problem
            assert isinstance(message.value, dict)
            assert message.value["body"] == body
            headers = message.value["headers"]
            assert isinstance(headers, dict) and headers["x-k"] == "a:b"
            assert headers["subscription"] == "sub-1"

            await client.send("UNSUBSCRIBE", queue, receipt="r-unsub")
            await until(lambda: len(client.of_kind("RECEIPT")) == 2, message=client.why)
            assert [r.kind for r in client.sent()][:3] == ["CONNECT", "SUBSCRIBE", "SEND"]
        finally:
            await client.close()

    run(scenario, timeout=30)


def test_acknowledged_subscription_and_a_transaction(broker: str) -> None:
    async def scenario() -> None:
        client = Client(broker, GUEST)
        await client.open()
        queue = "/queue/wsi-acks"
        try:
            await client.send("SUBSCRIBE", queue, ack="client-individual")
            await client.send("BEGIN")
            await client.send("SEND", queue, "in a transaction", transaction="tx-1")
            await client.send("COMMIT", receipt="r-commit")
            await until(lambda: client.of_kind("MESSAGE"), message=client.why)
            # ACK with no id: the protocol takes the last MESSAGE's ack header.
            await client.send("ACK", receipt="r-ack")
            await until(lambda: len(client.of_kind("RECEIPT")) == 2, message=client.why)
            sent = {r.kind: r for r in client.sent()}
            assert sent["ACK"].name and sent["COMMIT"].name == "tx-1"
            assert not client.of_kind("ERROR")
        finally:
            await client.close()

    run(scenario, timeout=30)


def test_heart_beats_both_ways(broker: str) -> None:
    async def scenario() -> None:
        client = Client(
            broker, StompSettings("guest", "guest", heartbeat_send=500, heartbeat_receive=500)
        )
        await client.open()
        try:
            assert client.protocol.send_every and client.protocol.expect_every
            await until(lambda: len(client.of_kind("heart-beat")) >= 2, timeout=10)
            await until(lambda: [r for r in client.sent() if r.kind == "heart-beat"], timeout=5)
            assert not [e for e in client.session.log if isinstance(e, NoteEvent)]
        finally:
            await client.close()

    run(scenario, timeout=30)


def test_a_refused_login_is_an_error_frame_in_words(broker: str) -> None:
    async def scenario() -> None:
        client = Client(broker, StompSettings("guest", "wrong"))
        client.session.start()
        try:
            await until(lambda: client.of_kind("ERROR"), timeout=10, message=client.why)
            error = client.of_kind("ERROR")[0]
            assert not client.protocol.connected and not error.problem
            assert error.name  # the server's message header, shown as the row's name
            connect = client.sent()[0]
            assert isinstance(connect.value, dict)
            headers = connect.value["headers"]
            assert isinstance(headers, dict) and headers["passcode"] == "(sent)"
        finally:
            await client.close()

    run(scenario, timeout=30)
