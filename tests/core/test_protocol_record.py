"""`wsinspector record --profile` with a protocol: the handshake and keepalive happen headless,
and the file keeps what crossed the wire (Socket.IO's `40`, pongs, events; GraphQL's frames)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.node import node_server
from helpers.recordcli import headless_env, run

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
