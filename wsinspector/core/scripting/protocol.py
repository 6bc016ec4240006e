"""`ws.protocol`: the protocol a test's connection speaks (Socket.IO, GraphQL over WebSocket,
MQTT, STOMP), driven by a script through core/protocols' ProtocolDriver.

The driver does the protocol's own work as on a page (its handshake, keepalive answers); the
script sends what a page's composer would (`send`), waits for what the protocol reads in the
server's messages (`expect`, by the reading's kind and name, the words of the log's Protocol
column), and has a verb for the common cases: Socket.IO's `emit` (with an acknowledgement)
and GraphQL's `subscribe`. What goes out waits for the protocol's handshake to be answered
(`ready`), since a server drops or refuses what comes before.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Mapping
from typing import Any

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.events import MessageEvent
from wsinspector.core.protocols import registry
from wsinspector.core.protocols.base import BODY, Reading
from wsinspector.core.protocols.driver import ProtocolDriver
from wsinspector.core.protocols.params import ProtocolSettingsError
from wsinspector.core.scripting.socket import (
    DEFAULT_TIMEOUT,
    ConnectFailed,
    ScriptFailure,
    TestSocket,
    wait_until,
)
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

# The reading that says a protocol's handshake was answered.
READY_KINDS = {
    "socketio": "connect",
    "graphql": "connection_ack",
    "mqtt": "CONNACK",
    "stomp": "CONNECTED",
}
# Readings kept for expect(), the newest.
READINGS_KEPT = 1000


def script_socket(
    options: ConnectionOptions, log: EventLog, variables: dict[str, str] | None = None
) -> TestSocket:
    """A test's `ws` for `options`, with `ws.protocol` when they name a protocol; ConnectFailed
    when the protocol's settings can't be read."""
    try:
        wire = registry.create(options)
    except ProtocolSettingsError as exc:
        raise ConnectFailed(f"could not connect to {options.uri}: {exc}") from None
    session = Session(registry.prepare(options), log)
    protocol = ScriptProtocol(ProtocolDriver(session, wire)) if wire is not None else None
    return TestSocket(options, log, variables, session=session, protocol=protocol)


class ScriptProtocol:
    """The protocol of one test connection; `name` is its registry key ("socketio", …)."""

    def __init__(self, driver: ProtocolDriver) -> None:
        self.driver = driver
        self.name = driver.protocol.name
        self._ready_kind = READY_KINDS.get(self.name)
        self._is_ready = self._ready_kind is None
        self._readings: deque[Reading] = deque(maxlen=READINGS_KEPT)
        self._wake = asyncio.Event()
        driver.on_reading = self._on_reading

    def _on_reading(self, event_id: int, reading: Reading) -> None:
        # read() sums a flood's events up; the script wants the whole reading (describe()).
        event = self.driver.log[-1]
        if isinstance(event, MessageEvent):
            payload = event.data.decode(errors="replace") if event.text else event.data
            reading = self.driver.protocol.describe(payload, True)
        if reading.kind == self._ready_kind:
            self._is_ready = True
        self._readings.append(reading)
        self._wake.set()

    async def ready(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Return once the protocol's handshake has been answered (at once for a protocol
        without one); ScriptFailure otherwise."""
        if await wait_until(lambda: True if self._is_ready else None, timeout, self._wake):
            return
        raise ScriptFailure(
            f"{self.name}: the server did not answer the handshake ({self._ready_kind}) "
            f"within {timeout:g} s"
        )

    async def send(self, composed: object, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Send what a page's composer would: a mapping of its fields ({"event": "echo",
        "body": "[1]", "ack": True} for Socket.IO; {"body": query, "variables": "{…}"} for
        GraphQL), or the protocol's own composed value (MQTT, STOMP)."""
        await self.ready(timeout)
        await self.driver.send(composed)

    async def expect(
        self, kind: str = "", name: str = "", timeout: float = DEFAULT_TIMEOUT
    ) -> Reading:
        """The next reading of the server's messages of this `kind` (all when "") whose name
        contains `name`, passing over the others; ScriptFailure when none comes in time."""
        skipped: list[Reading] = []

        def found() -> Reading | None:
            while self._readings:
                reading = self._readings.popleft()
                if (not kind or reading.kind == kind) and name in reading.name:
                    return reading
                skipped.append(reading)
            return None

        reading = await wait_until(found, timeout, self._wake)
        if reading is not None:
            return reading
        wanted = " ".join(part for part in (kind, repr(name) if name else "") if part)
        seen = ", ".join(f"{r.kind} {r.name}".strip() for r in skipped[-5:]) or "nothing"
        raise ScriptFailure(
            f"{self.name}: expected {wanted or 'a message'} within {timeout:g} s; saw {seen}"
        )

    async def emit(
        self, event: str, *args: Any, ack: bool = False, timeout: float = DEFAULT_TIMEOUT
    ) -> Any:
        """Socket.IO: emit `event` with `args` (JSON values); with `ack`, wait for the
        server's acknowledgement and return its value (one argument, or the list of them)."""
        self._only("socketio", "emit")
        acks = getattr(self.driver.protocol, "acks", {})
        before = set(acks)
        composed: Mapping[str, object] = {"event": event, BODY: json.dumps(list(args)), "ack": ack}
        await self.send(composed, timeout)
        if not ack:
            return None
        (ack_id,) = set(acks) - before
        while True:  # "#1" is also in "#12": the name's last word is the id
            reading = await self.expect("ack", f"#{ack_id}", timeout)
            if reading.name.split()[-1] == f"#{ack_id}":
                return reading.value

    async def subscribe(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """GraphQL: start the operation `query` (a subscription, or a query or mutation);
        its results come as `next` readings (`await ws.protocol.expect("next")`)."""
        self._only("graphql", "subscribe")
        composed = {BODY: query, "variables": json.dumps(variables) if variables else ""}
        await self.send(composed, timeout)

    def _only(self, protocol: str, verb: str) -> None:
        if self.name != protocol:
            raise TypeError(f"{verb}() is a verb of {protocol}; this connection speaks {self.name}")
