"""Saved and on-connect protocol messages: the profile keeps a protocol composer's fields
(format pinned, old profiles still load), {{variables}} fill every field, and on-connect
messages leave after the protocol's own handshake, against the real Node servers of
tests/node/ (socket.io v4, graphql-ws), on a session and through `wsinspector record`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.asyncwait import run, until, wait_state
from helpers.node import node_server
from helpers.recordcli import run as run_record
from helpers.sessions import close_session

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, Direction, MessageEvent
from wsinspector.core.protocols.base import Composed
from wsinspector.core.protocols.driver import start_session
from wsinspector.core.protocols.registry import GRAPHQL, SOCKETIO
from wsinspector.core.storage.profiles import (
    MessageMode,
    Profile,
    ProfileStore,
    SavedMessage,
)
from wsinspector.core.storage.profiles.format import dump, parse_profile, profile_to_json
from wsinspector.core.storage.profiles.outgoing import prepare_composed, prepare_on_connect
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

COUNTDOWN = "subscription Count($from: Int!) { countdown(from: $from) }"

SAVED_EVENT = SavedMessage(
    "echo with ack",
    '["{{user}}", 2]',
    MessageMode.JSON,
    protocol=SOCKETIO,
    fields=(("event", "echo"), ("ack", True)),
)
SAVED_SUBSCRIPTION = SavedMessage(
    "countdown",
    COUNTDOWN,
    protocol=GRAPHQL,
    fields=(("variables", '{"from": {{from}}}'),),
    on_connect=True,
)


@pytest.fixture(scope="module")
def socketio_port() -> Iterator[int]:
    with node_server("socketio_server.js") as port:
        yield port


@pytest.fixture(scope="module")
def graphql_port() -> Iterator[int]:
    with node_server("graphql_server.js") as port:
        yield port


# -- the profile's format ------------------------------------------------------------------


def test_protocol_messages_round_trip_under_pinned_keys() -> None:
    profile = Profile(
        "sio", ConnectionOptions("http://h/"), messages=(SAVED_EVENT, SAVED_SUBSCRIPTION)
    )
    document = json.loads(dump(profile_to_json(profile)))
    assert document["messages"] == [
        {
            "name": "echo with ack",
            "text": '["{{user}}", 2]',
            "mode": "json",
            "protocol": "socketio",
            "fields": {"event": "echo", "ack": True},
            "on_connect": False,
        },
        {
            "name": "countdown",
            "text": COUNTDOWN,
            "mode": "text",
            "protocol": "graphql",
            "fields": {"variables": '{"from": {{from}}}'},
            "on_connect": True,
        },
    ]
    back, _ = parse_profile(dump(profile_to_json(profile)))
    assert back.messages == profile.messages
    assert back.messages[0].composed() == {"event": "echo", "ack": True, "body": '["{{user}}", 2]'}


def test_a_plain_message_is_written_as_before_and_an_old_profile_loads() -> None:
    plain = SavedMessage("hi", "hello")
    document = profile_to_json(Profile("p", ConnectionOptions("ws://h/"), messages=(plain,)))
    assert document["messages"] == [{"name": "hi", "text": "hello", "mode": "text"}]
    old = (
        b'{"version": 1, "name": "old", "options": {"uri": "ws://h/"},'
        b' "messages": [{"name": "hi", "text": "hello", "mode": "json"}]}'
    )
    profile, _ = parse_profile(old)
    assert profile.messages == (SavedMessage("hi", "hello", MessageMode.JSON),)
    assert profile.messages[0].protocol == "" and not profile.messages[0].on_connect


def test_a_field_that_is_not_a_value_is_refused_by_its_place() -> None:
    raw = (
        b'{"version": 1, "name": "bad", "options": {"uri": "ws://h/"}, "messages":'
        b' [{"name": "x", "text": "", "protocol": "mqtt", "fields": {"qos": [1]}}]}'
    )
    with pytest.raises(ValueError, match=r"messages\[0\]\.fields\.qos"):
        parse_profile(raw)


# -- {{variables}} in every field ----------------------------------------------------------


def test_variables_fill_every_text_field_and_name_the_field_they_miss() -> None:
    composed: Composed = {
        "body": '{"user": "{{user}}"}',
        "destination": "/queue/{{queue}}",
        "headers": "x-id: {{id}}",
        "retain": True,
        "qos": 1,
    }
    prepared = prepare_composed(composed, {"queue": "env-q"}, {"user": "ann", "id": "7"})
    assert prepared.composed == {
        "body": '{"user": "ann"}',
        "destination": "/queue/env-q",
        "headers": "x-id: 7",
        "retain": True,
        "qos": 1,
    }
    missing = prepare_composed({"body": "", "topic": "a/{{room}}"}, {}, {})
    assert missing.composed is None
    assert "topic" in missing.problem and "{{room}}" in missing.problem


def test_on_connect_takes_the_marked_messages_of_the_connections_protocol() -> None:
    messages = (SAVED_EVENT, SAVED_SUBSCRIPTION, SavedMessage("plain", "hi"))
    assert prepare_on_connect(messages, SOCKETIO, {}, {"user": "u"}) == ()
    assert prepare_on_connect(messages, GRAPHQL, {"from": "4"}, {}) == (
        {"variables": '{"from": 4}', "body": COUNTDOWN},
    )
    problem = prepare_on_connect(messages, GRAPHQL, {}, {})
    assert isinstance(problem, str) and "“countdown”" in problem and "{{from}}" in problem


# -- on connect, after the protocol's handshake --------------------------------------------


def wire(session: Session) -> list[tuple[Direction, str]]:
    return [
        (event.direction, event.data.decode())
        for event in session.log
        if isinstance(event, MessageEvent)
    ]


async def open_with(options: ConnectionOptions, on_connect: list[Composed]) -> Session:
    session, driver = start_session(options, EventLog(), on_connect)
    assert driver is not None
    await wait_state(session, ConnState.OPEN, ConnState.FAILED)
    assert session.state is ConnState.OPEN, session.last_error
    return session


def test_a_graphql_on_connect_subscription_streams_after_the_ack(graphql_port: int) -> None:
    async def scenario() -> None:
        options = ConnectionOptions(
            f"ws://127.0.0.1:{graphql_port}/graphql",
            ping_interval=None,
            protocol=GRAPHQL,
        )
        session = await open_with(options, [{"body": COUNTDOWN, "variables": '{"from": 3}'}])
        await until(lambda: any('"complete"' in data for _, data in wire(session)))
        messages = wire(session)
        kinds = [(way, json.loads(data)["type"]) for way, data in messages]
        ack = kinds.index((Direction.IN, "connection_ack"))
        assert kinds.index((Direction.OUT, "subscribe")) > ack
        assert [json.loads(d)["payload"] for w, d in messages if '"next"' in d] == [
            {"data": {"countdown": n}} for n in (3, 2, 1)
        ]
        await close_session(session)

    run(scenario, timeout=15)


def test_a_socketio_on_connect_event_waits_for_the_namespace(socketio_port: int) -> None:
    async def scenario() -> None:
        options = ConnectionOptions(
            f"http://127.0.0.1:{socketio_port}", ping_interval=None, protocol=SOCKETIO
        )
        composed: Composed = {"event": "echo", "ack": True, "body": '["early"]'}
        session = await open_with(options, [composed])
        await until(lambda: any(data.startswith("430") for _, data in wire(session)))
        messages = wire(session)
        connected = next(i for i, (w, d) in enumerate(messages) if d.startswith("40{"))
        sent = messages.index((Direction.OUT, '420["echo","early"]'))
        assert messages[connected][0] is Direction.IN and sent > connected
        assert (Direction.IN, '430[{"echoed":["early"]}]') in messages
        await close_session(session)

    run(scenario, timeout=15)


def test_record_a_profile_sends_its_on_connect_subscription(
    graphql_port: int, tmp_path: Path
) -> None:
    ProfileStore().save(
        Profile(
            name="gql-sub",
            options=ConnectionOptions(f"ws://127.0.0.1:{graphql_port}/graphql", protocol=GRAPHQL),
            messages=(SAVED_SUBSCRIPTION,),
            variables={"from": "2"},
        )
    )
    out = tmp_path / "sub.jsonl"
    result = run_record("--profile", "gql-sub", "--duration", "1", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    received = [
        json.loads(r["data"]) for r in records if r.get("direction") == "received" and "data" in r
    ]
    assert [m["payload"] for m in received if m["type"] == "next"] == [
        {"data": {"countdown": 2}},
        {"data": {"countdown": 1}},
    ]
    assert received[-1]["type"] == "complete"
