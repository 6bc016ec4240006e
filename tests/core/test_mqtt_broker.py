"""MQTT over WebSocket against a real mosquitto: the core session, the MQTT protocol and the
driver that joins them, as a page and `record` use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.asyncwait import run, until
from helpers.brokers import mosquitto
from helpers.sessions import close_session, options_for

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent, NoteEvent
from wsinspector.core.protocols.base import Reading
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.mqtt.codec import Version
from wsinspector.core.protocols.mqtt.protocol import (
    SUBPROTOCOL,
    MqttProtocol,
    MqttSettings,
    Publish,
    Subscribe,
    Unsubscribe,
    describe,
)
from wsinspector.core.websocket.session import Session

# The first test may install mosquitto (helpers.brokers) before the broker starts.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mosquitto(tmp_path_factory.mktemp("mosquitto")) as uri:
        yield uri


class Client:
    """A session with the MQTT protocol driven on it, and what it read."""

    def __init__(self, uri: str, settings: MqttSettings) -> None:
        self.protocol = MqttProtocol(settings)
        self.session = Session(options_for(uri, subprotocols=(SUBPROTOCOL,)), EventLog())
        self.readings: list[Reading] = []
        self.driver = ProtocolDriver(self.session, self.protocol, self._read)

    def _read(self, event_id: int, reading: Reading) -> None:
        self.readings.append(reading)

    def kinds(self) -> list[str]:
        return [reading.kind for reading in self.readings]

    def sent_kinds(self) -> list[str]:
        return [
            describe(event.data, self.protocol.version).kind
            for event in self.session.log
            if isinstance(event, MessageEvent) and event.direction is Direction.OUT
        ]

    async def open(self) -> None:
        self.session.start()
        await until(lambda: "CONNACK" in self.kinds(), message=self.why)
        assert self.protocol.connected, self.readings

    async def close(self) -> None:
        await self.driver.stop()
        await close_session(self.session)

    def why(self) -> str:
        return f"(read {self.kinds()}, sent {self.sent_kinds()}, state {self.session.state})"


def test_publish_and_receive_at_each_qos_v311(broker: str) -> None:
    run(lambda: _round_trip(broker, Version.V311))


def test_publish_and_receive_at_each_qos_v5(broker: str) -> None:
    run(lambda: _round_trip(broker, Version.V5))


async def _round_trip(uri: str, version: Version) -> None:
    client = Client(uri, MqttSettings(version=version, keepalive=30))
    await client.open()
    try:
        for qos in (0, 1, 2):
            await client.driver.send(Subscribe(f"wsi/test/{version}/{qos}", qos))
        await until(lambda: client.kinds().count("SUBACK") == 3, message=client.why)
        for qos in (0, 1, 2):
            await client.driver.send(Publish(f"wsi/test/{version}/{qos}", f"hello {qos}", qos))

        def received() -> dict[str, object]:
            values = [r.value for r in client.readings if r.kind == "PUBLISH"]
            return {str(v["topic"]): v for v in values if isinstance(v, dict)}

        await until(lambda: len(received()) == 3, message=client.why)
        for qos in (0, 1, 2):
            got = received()[f"wsi/test/{version}/{qos}"]
            assert isinstance(got, dict)
            assert (got["payload"], got["qos"]) == (f"hello {qos}", qos)
        # Each handshake of QoS 1 and 2, both ways, done by the protocol and logged as rows:
        # ours (PUBLISH → PUBACK; PUBLISH → PUBREC, PUBREL → PUBCOMP) and the broker's.
        await until(lambda: "PUBCOMP" in client.kinds(), message=client.why)
        assert {"PUBACK", "PUBREC", "PUBCOMP"} <= set(client.kinds())
        await until(lambda: {"PUBACK", "PUBREC", "PUBCOMP"} <= set(client.sent_kinds()))
        assert "PUBREL" in client.sent_kinds() and "PUBREL" in client.kinds()
        assert not [r for r in client.readings if r.problem]

        await client.driver.send(Unsubscribe(f"wsi/test/{version}/0"))
        await until(lambda: "UNSUBACK" in client.kinds(), message=client.why)
    finally:
        await client.close()


def test_keepalive_pings_and_the_broker_answers(broker: str) -> None:
    async def scenario() -> None:
        client = Client(broker, MqttSettings(keepalive=1))
        await client.open()
        try:
            await until(lambda: "PINGRESP" in client.kinds(), timeout=4, message=client.why)
            assert "PINGREQ" in client.sent_kinds()
            # The keepalive kept the broker from dropping us (it does after 1.5 keepalives).
            await until(lambda: client.kinds().count("PINGRESP") >= 3, timeout=6)
            assert client.session.state == "open"
            assert not [e for e in client.session.log if isinstance(e, NoteEvent)]
        finally:
            await client.close()

    run(scenario)


def test_credentials_refused_show_in_the_connack(tmp_path: Path) -> None:
    """A broker that wants a password: the CONNACK's refusal is read, in words."""
    # mosquitto's password file needs its own tool; a broker without anonymous access and
    # no password file refuses everyone, which is what this test needs.
    config_broker = tmp_path / "b"
    config_broker.mkdir()
    with mosquitto(config_broker, anonymous=False) as uri:

        async def scenario() -> None:
            client = Client(uri, MqttSettings(username="u", password="p"))
            client.session.start()
            try:
                await until(lambda: "CONNACK" in client.kinds(), message=client.why)
                connack = client.readings[client.kinds().index("CONNACK")].value
                assert isinstance(connack, dict)
                assert connack["return_code"] == 5 and connack["meaning"] == "not authorized"
                assert not client.protocol.connected
                sent = next(e for e in client.session.log if isinstance(e, MessageEvent))
                connect = describe(sent.data).value
                assert isinstance(connect, dict)
                assert connect["username"] == "u" and connect["password"] == "(sent)"
            finally:
                await client.close()

        run(scenario)
