"""The recording policy: one rule for the window's live pages and for `wsinspector record`."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

from helpers.servers import RecordingServer

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import ConnState, StateEvent
from wsinspector.core.storage.capture import CaptureStore
from wsinspector.core.storage.capture.policy import RecordingPolicy, RecordingTarget
from wsinspector.core.tools.record import RecordPlan, record
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session


def state(value: ConnState) -> StateEvent:
    return StateEvent(1, time.time(), time.monotonic(), value, uri="ws://h/")


def first_events(store: CaptureStore, session_id: int) -> list[object]:
    store.sync()
    return [
        getattr(event, "state", type(event).__name__) for event in store.session_events(session_id)
    ][:2]


def test_a_session_starts_at_the_connecting_event_and_only_while_switched_on(
    tmp_path: Path,
) -> None:
    store = CaptureStore.open(tmp_path / "capture.sqlite3")
    try:
        log = EventLog()
        policy = RecordingPolicy(store, log, lambda: RecordingTarget("ws://h/"), enabled=False)
        log.append(state(ConnState.CONNECTING))
        assert policy.recorder is None  # switched off: nothing recorded
        log.append(state(ConnState.CLOSED))
        policy.enabled = True
        log.append(state(ConnState.CONNECTING))
        assert policy.recording and policy.session_id is not None
        log.append(state(ConnState.OPEN))
        policy.set_enabled(False, connection_active=True)
        assert not policy.recording
        assert first_events(store, policy.session_id) == [ConnState.CONNECTING, ConnState.OPEN]
        policy.detach()
    finally:
        store.close()


def test_record_and_a_page_policy_record_the_same_session(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    """`record` goes through the policy: its session begins, as a page's, with the event
    that begins the connection, and ends when the connection ends."""
    uri = recording_server.url("/close?code=1000&reason=done")

    async def by_page() -> int | None:
        store = CaptureStore.open(tmp_path / "page.sqlite3")
        log = EventLog()
        options = ConnectionOptions(uri)
        policy = RecordingPolicy(store, log, lambda: RecordingTarget(uri, "", options))
        await Session(options, log).start()
        session_id = policy.session_id
        assert session_id is not None
        page_first = first_events(store, session_id)
        policy.detach()
        await asyncio.to_thread(store.close)
        return page_first  # type: ignore[return-value]

    page_first = asyncio.run(by_page())
    assert asyncio.run(record(RecordPlan(ConnectionOptions(uri)), io.StringIO())) == 0
    store = CaptureStore.open_default()
    try:
        (info,) = store.sessions()
        assert (
            first_events(store, info.id) == page_first == [ConnState.CONNECTING, "HandshakeEvent"]
        )
        assert info.end_words.startswith("Closed")
    finally:
        store.close()
