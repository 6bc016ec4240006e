"""MQTT, STOMP and SignalR as a page and `record` reach them: named and guessed by the
registry, created from a profile's settings, composed from the composer's fields (a Mapping),
against the real brokers (mosquitto, RabbitMQ's web-stomp)."""

from __future__ import annotations

import pytest
from helpers.asyncwait import run, until
from helpers.sessions import close_session, options_for
from helpers.signalr_hub import Hub, running

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import BODY, ComposeError, Reading, WireProtocol
from wsinspector.core.protocols.driver import ProtocolDriver, start_session
from wsinspector.core.protocols.params import ProtocolSettingsError
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

pytestmark = pytest.mark.timeout(600)


def readings(session: Session, driver: ProtocolDriver, direction: Direction) -> list[Reading]:
    protocol: WireProtocol = driver.protocol
    return [
        protocol.describe(
            event.data.decode() if event.text else event.data, direction is Direction.IN
        )
        for event in session.log
        if isinstance(event, MessageEvent) and event.direction is direction
    ]


def kinds(session: Session, driver: ProtocolDriver) -> list[str]:
    return [r.kind for r in readings(session, driver, Direction.IN)]


def test_the_registry_names_and_guesses_them() -> None:
    keys = {info.key for info in registry.available()}
    assert {registry.MQTT, registry.STOMP, registry.SIGNALR} <= keys
    assert registry.guess("ws://h/ws", ["mqtt"]) == registry.MQTT
    assert registry.guess("ws://h/ws", ["v12.stomp"]) == registry.STOMP
    assert registry.guess("ws://h/ws", ["v11.stomp"]) == registry.STOMP
    assert registry.guess("wss://h/chatHub") == registry.SIGNALR
    assert registry.guess("ws://h/hubs/chat?id=1") == registry.SIGNALR
    assert registry.guess("ws://h/chat") == registry.WEBSOCKET


def test_prepare_offers_each_protocols_subprotocols() -> None:
    mqtt = registry.prepare(ConnectionOptions("ws://h/mqtt", protocol=registry.MQTT))
    assert mqtt.subprotocols == ("mqtt",)
    stomp = registry.prepare(ConnectionOptions("ws://h/ws", protocol=registry.STOMP))
    assert stomp.subprotocols == ("v12.stomp", "v11.stomp")
    chosen = ConnectionOptions("ws://h/ws", subprotocols=("v11.stomp",), protocol=registry.STOMP)
    assert registry.prepare(chosen).subprotocols == ("v11.stomp",)


def test_settings_that_cant_be_read_say_so() -> None:
    def options(key: str, **params: str) -> ConnectionOptions:
        return ConnectionOptions("ws://h/", protocol=key, protocol_params=tuple(params.items()))

    with pytest.raises(ProtocolSettingsError, match="keepalive"):
        registry.create(options(registry.MQTT, keepalive="soon"))
    with pytest.raises(ProtocolSettingsError, match=r"3\.1\.1 or 5"):
        registry.create(options(registry.MQTT, version="4"))
    with pytest.raises(ProtocolSettingsError, match="heart-beats"):
        registry.create(options(registry.STOMP, heartbeat="10"))


def test_what_is_missing_is_named_by_its_field() -> None:
    def field_of(key: str, **composed: str) -> str:
        protocol = registry.create(ConnectionOptions("ws://h/", protocol=key))
        assert protocol is not None
        with pytest.raises(ComposeError) as raised:
            protocol.compose(composed)
        return raised.value.field

    assert field_of(registry.MQTT, action="publish", topic="") == "topic"
    assert field_of(registry.MQTT, action="subscribe", topic="a", qos="3") == "qos"
    assert field_of(registry.STOMP, command="SEND", destination="") == "destination"
    assert field_of(registry.STOMP, command="SEND", destination="/q", headers="nocolon") == (
        "headers"
    )
    assert field_of(registry.STOMP, command="COMMIT") == "command"
    assert field_of(registry.SIGNALR, method="") == "method"
    assert field_of(registry.SIGNALR, method="echo", body="[1,") == BODY


def test_mqtt_from_settings_publishes_and_receives_at_each_qos(mosquitto_uri: str) -> None:
    async def scenario() -> None:
        options = options_for(
            mosquitto_uri,
            protocol=registry.MQTT,
            protocol_params=(("client_id", "wsi-plugged"), ("version", "5")),
        )
        session, driver = start_session(options, EventLog())
        assert driver is not None
        try:
            await until(lambda: "CONNACK" in kinds(session, driver), timeout=10)
            for qos in (0, 1, 2):
                composed = {"action": "subscribe", "topic": f"wsi/plugged/{qos}", "qos": qos}
                await driver.send(composed)
            await until(lambda: kinds(session, driver).count("SUBACK") == 3)
            for qos in (0, 1, 2):
                await driver.send(
                    {"action": "publish", "topic": f"wsi/plugged/{qos}", "qos": str(qos)}
                    | {BODY: f"hello {qos}", "retain": False}
                )

            def published() -> dict[str, Reading]:
                got = readings(session, driver, Direction.IN)
                return {r.name: r for r in got if r.kind == "PUBLISH"}

            await until(lambda: len(published()) == 3)
            for qos in (0, 1, 2):
                value = published()[f"wsi/plugged/{qos}"].value
                assert isinstance(value, dict)
                assert (value["payload"], value["qos"]) == (f"hello {qos}", qos)
            connect = readings(session, driver, Direction.OUT)[0]
            assert isinstance(connect.value, dict) and connect.value["client_id"] == "wsi-plugged"
        finally:
            await driver.stop()
            await close_session(session)

    run(scenario, timeout=30)


def test_stomp_from_settings_subscribes_and_receives_what_it_sends(
    stomp_broker_uri: str,
) -> None:
    async def scenario() -> None:
        options = options_for(
            stomp_broker_uri,
            subprotocols=("v11.stomp",),
            protocol=registry.STOMP,
            protocol_params=(("login", "guest"), ("passcode", "guest")),
        )
        session, driver = start_session(options, EventLog())
        assert driver is not None
        try:
            await until(lambda: "CONNECTED" in kinds(session, driver), timeout=10)
            connected = readings(session, driver, Direction.IN)[0]
            assert connected.name == "1.1"  # the version follows the subprotocol offered
            queue = "/queue/wsi-plugged"
            await driver.send(
                {"command": "SUBSCRIBE", "destination": queue, "headers": "receipt: r1"}
            )
            await until(lambda: "RECEIPT" in kinds(session, driver))
            await driver.send(
                {"command": "SEND", "destination": queue, "headers": "x-k: v", BODY: "hi there"}
            )
            await until(lambda: "MESSAGE" in kinds(session, driver))
            message = [r for r in readings(session, driver, Direction.IN) if r.kind == "MESSAGE"]
            assert message[0].name == queue
            assert isinstance(message[0].value, dict) and message[0].value["body"] == "hi there"
        finally:
            await driver.stop()
            await close_session(session)

    run(scenario, timeout=30)


@pytest.mark.parametrize("skip", [False, True])
def test_signalr_negotiates_unless_skipped_then_invokes(skip: bool) -> None:
    async def scenario() -> None:
        async with running(Hub()) as hub:
            params = (("skip_negotiation", "true"),) if skip else ()
            options = options_for(hub.http_uri, protocol=registry.SIGNALR, protocol_params=params)
            wire = await registry.resolve(options)
            assert wire.uri == (hub.ws_uri if skip else f"{hub.ws_uri}?id=token-1")
            session, driver = start_session(wire, EventLog())
            assert driver is not None
            try:
                await until(lambda: "handshake" in kinds(session, driver))
                assert hub.connected_with == [{} if skip else {"id": ["token-1"]}]
                assert len(hub.negotiations) == (0 if skip else 1)
                await driver.send({"method": "echo", BODY: '{"a": 1}', "mode": "invoke"})
                await until(lambda: "completion" in kinds(session, driver))
                completion = [
                    r for r in readings(session, driver, Direction.IN) if r.kind == "completion"
                ]
                assert completion[0].name == "echo"  # the method it answers, in a row too
                assert isinstance(completion[0].value, dict)
                assert completion[0].value["result"] == {"a": 1}
            finally:
                await driver.stop()
                await close_session(session)

    run(scenario)
