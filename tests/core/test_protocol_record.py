"""`wsinspector record --profile` with a protocol: the handshake and keepalive happen headless,
and the file keeps what crossed the wire (Socket.IO's `40`, pongs, events; GraphQL's frames;
MQTT's packets and STOMP's frames, against mosquitto and RabbitMQ)."""

from __future__ import annotations

import json
import socket
from base64 import b64decode
from pathlib import Path

from helpers.node import node_server
from helpers.recordcli import headless_env, run

from wsinspector.core.protocols.mqtt.protocol import describe as describe_mqtt
from wsinspector.core.protocols.stomp.protocol import describe as describe_stomp
from wsinspector.core.storage.profiles import Profile, ProfileStore
from wsinspector.core.websocket.options import ConnectionOptions


def sent_and_received(out: Path) -> tuple[list[str], list[str]]:
    sent: list[str] = []
    received: list[str] = []
    for line in out.read_text().splitlines():
        record = json.loads(line)
        if "data" in record and isinstance(record["data"], str):
            (received if record.get("direction") == "received" else sent).append(record["data"])
    return sent, received


def test_record_a_socketio_profile_stays_open_through_pings(tmp_path: Path) -> None:
    with node_server("socketio_server.js") as port:
        ProfileStore().save(
            Profile(
                name="sio",
                options=ConnectionOptions(
                    f"http://127.0.0.1:{port}",
                    protocol="socketio",
                    protocol_params=(("auth", '{"token": "rec"}'),),
                ),
            )
        )
        out = tmp_path / "sio.jsonl"
        result = run("--profile", "sio", "--duration", "2", "--out", str(out), env=headless_env())
    assert result.returncode == 0, result.stdout + result.stderr
    sent, received = sent_and_received(out)
    assert sent[0] == '40{"token":"rec"}'
    # Pinged every 300 ms for 2 s: every ping answered, and nothing dropped the connection.
    pings = [data for data in received if data == "2"]
    assert len(pings) >= 4
    assert sent.count("3") == len(pings)
    assert any(data.startswith('42["welcome"') for data in received)


def test_record_a_graphql_profile_sends_its_init(tmp_path: Path) -> None:
    with node_server("graphql_server.js") as port:
        ProfileStore().save(
            Profile(
                name="gql",
                options=ConnectionOptions(
                    f"ws://127.0.0.1:{port}/graphql",
                    protocol="graphql",
                    protocol_params=(("payload", '{"token": "rec"}'),),
                ),
            )
        )
        out = tmp_path / "gql.jsonl"
        result = run("--profile", "gql", "--duration", "1", "--out", str(out), env=headless_env())
    assert result.returncode == 0, result.stdout + result.stderr
    sent, received = sent_and_received(out)
    assert json.loads(sent[0]) == {"type": "connection_init", "payload": {"token": "rec"}}
    assert json.loads(received[0]) == {"type": "connection_ack"}


def test_record_a_legacy_graphql_profile(tmp_path: Path) -> None:
    with node_server("graphql_legacy_server.js", "100") as port:
        ProfileStore().save(
            Profile(
                name="gql-legacy",
                options=ConnectionOptions(
                    f"ws://127.0.0.1:{port}/graphql",
                    subprotocols=("graphql-ws",),
                    protocol="graphql",
                    protocol_params=(("payload", '{"token": "rec"}'),),
                ),
            )
        )
        out = tmp_path / "gql-legacy.jsonl"
        args = ("--profile", "gql-legacy", "--duration", "1", "--out", str(out))
        result = run(*args, env=headless_env())
    assert result.returncode == 0, result.stdout + result.stderr
    sent, received = sent_and_received(out)
    # The server's `ka` keep-alives kept coming and asked for nothing back.
    assert [json.loads(data) for data in sent] == [
        {"type": "connection_init", "payload": {"token": "rec"}}
    ]
    assert json.loads(received[0]) == {"type": "connection_ack"}
    assert received.count('{"type":"ka"}') >= 3


def binary_sent_and_received(out: Path) -> tuple[list[bytes], list[bytes]]:
    sent: list[bytes] = []
    received: list[bytes] = []
    for line in out.read_text().splitlines():
        record = json.loads(line)
        if "data_base64" in record:
            data = b64decode(record["data_base64"])
            (received if record.get("direction") == "received" else sent).append(data)
    return sent, received


def test_record_an_mqtt_profile_connects_and_pings(tmp_path: Path, mosquitto_uri: str) -> None:
    ProfileStore().save(
        Profile(
            name="mqtt",
            options=ConnectionOptions(
                mosquitto_uri,
                protocol="mqtt",
                protocol_params=(("client_id", "wsi-record"), ("keepalive", "1")),
            ),
        )
    )
    out = tmp_path / "mqtt.jsonl"
    result = run("--profile", "mqtt", "--duration", "2.5", "--out", str(out), env=headless_env())
    assert result.returncode == 0, result.stdout + result.stderr
    sent, received = binary_sent_and_received(out)
    connect = describe_mqtt(sent[0])
    assert connect.kind == "CONNECT" and isinstance(connect.value, dict)
    assert connect.value["client_id"] == "wsi-record"
    kinds = [describe_mqtt(data).kind for data in received]
    assert kinds[0] == "CONNACK"
    # A keepalive of 1 s: the broker would drop a silent client after 1.5 s.
    assert "PINGREQ" in [describe_mqtt(data).kind for data in sent]
    assert "PINGRESP" in kinds


def test_record_a_stomp_profile_logs_in(tmp_path: Path, stomp_broker_uri: str) -> None:
    ProfileStore().save(
        Profile(
            name="stomp",
            options=ConnectionOptions(
                stomp_broker_uri,
                protocol="stomp",
                protocol_params=(("login", "guest"), ("passcode", "guest")),
            ),
        )
    )
    out = tmp_path / "stomp.jsonl"
    result = run("--profile", "stomp", "--duration", "1", "--out", str(out), env=headless_env())
    assert result.returncode == 0, result.stdout + result.stderr
    sent, received = sent_and_received(out)
    connect = describe_stomp(sent[0])
    assert connect.kind == "CONNECT" and isinstance(connect.value, dict)
    assert connect.value["headers"]["login"] == "guest"
    assert describe_stomp(received[0]).kind == "CONNECTED"


def test_record_a_signalr_profile_says_when_negotiate_fails(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    ProfileStore().save(
        Profile(
            name="hub",
            options=ConnectionOptions(f"http://127.0.0.1:{port}/chatHub", protocol="signalr"),
        )
    )
    out = tmp_path / "hub.jsonl"
    result = run("--profile", "hub", "--duration", "1", "--out", str(out), env=headless_env())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "negotiate failed" in result.stderr
    assert "Traceback" not in result.stderr
