"""One MQTT client session over one WebSocket (subprotocol `mqtt`), as a `WireProtocol`.

It sends CONNECT when the socket opens, PINGREQ when nothing was sent for the keepalive,
and does the QoS handshakes by itself: PUBACK for a QoS 1 PUBLISH received, PUBREC then
PUBCOMP (on the server's PUBREL) for QoS 2, PUBREL on the server's PUBREC for a QoS 2 PUBLISH
sent. Each of them is a message of its own, so the log shows it as a row.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols.base import BODY, Composed, ComposeError, Outgoing, Reading
from wsinspector.core.protocols.mqtt import codec
from wsinspector.core.protocols.mqtt.codec import Type, Version
from wsinspector.core.protocols.mqtt.properties import MalformedPacket

SUBPROTOCOL = "mqtt"
# A PINGRESP later than this many keepalives is reported (the broker would have dropped a
# silent client after 1.5, section 3.1.2.10).
PINGRESP_PATIENCE = 1.5


@dataclass(frozen=True, slots=True)
class MqttSettings:
    """What CONNECT says. An empty client id is replaced by a random `wsinspector-…` one."""

    version: Version = Version.V311
    client_id: str = ""
    username: str = ""
    password: str = ""
    keepalive: int = 60
    clean_start: bool = True


@dataclass(frozen=True, slots=True)
class Publish:
    topic: str
    payload: str | bytes = b""
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Subscribe:
    topic_filter: str
    qos: int = 0


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    topic_filter: str


MqttComposed = Publish | Subscribe | Unsubscribe
# The composer's actions (its `action` field), lower-case.
ACTIONS = ("publish", "subscribe", "unsubscribe")


class MqttProtocol:
    """The client's side of one MQTT connection; `on_open` starts it afresh."""

    name = "mqtt"

    def __init__(
        self, settings: MqttSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings or MqttSettings()
        self.client_id = self.settings.client_id
        self._clock = clock
        self._reset()

    def _reset(self) -> None:
        self.keepalive = self.settings.keepalive
        self.connected = False
        self._buffer = b""
        self._next_id = 0
        self._last_sent = self._clock()
        self._ping_sent: float | None = None

    @property
    def version(self) -> Version:
        return self.settings.version

    def ready(self) -> bool:
        """base.Handshaking: the server answered the handshake of this connection."""
        return self.connected

    def on_open(self) -> list[Outgoing]:
        self._reset()
        if not self.client_id:
            self.client_id = f"wsinspector-{secrets.token_hex(4)}"
        settings = self.settings
        data = codec.connect(
            settings.version,
            self.client_id,
            username=settings.username,
            password=settings.password,
            keepalive=settings.keepalive,
            clean_start=settings.clean_start,
        )
        return [self._out(data, "CONNECT")]

    def encode(self, composed: object) -> list[Outgoing]:
        if isinstance(composed, Publish):
            return [self._publish(composed)]
        if isinstance(composed, Subscribe):
            _check_filter(composed.topic_filter)
            _check_qos(composed.qos)
            data = codec.subscribe(
                self.version, self._packet_id(), [(composed.topic_filter, composed.qos)]
            )
            return [self._out(data, f"SUBSCRIBE {composed.topic_filter}")]
        if isinstance(composed, Unsubscribe):
            _check_filter(composed.topic_filter)
            data = codec.unsubscribe(self.version, self._packet_id(), [composed.topic_filter])
            return [self._out(data, f"UNSUBSCRIBE {composed.topic_filter}")]
        raise UserError(f"MQTT can't send {type(composed).__name__}")

    def compose(self, composed: Composed) -> list[Outgoing]:
        """The composer's fields: `action` (publish, subscribe, unsubscribe), `topic` (a
        topic or a filter), `qos`, `retain`, and the body as the payload to publish."""
        action = str(composed.get("action", "publish")).strip().lower()
        topic = str(composed.get("topic", "")).strip()
        try:
            qos = int(composed.get("qos", 0))
        except ValueError:
            qos = -1
        if qos not in (0, 1, 2):
            raise ComposeError("qos", f"MQTT QoS is 0, 1 or 2, not {composed.get('qos')}")
        value: MqttComposed
        if action == "publish":
            if not topic or any(c in topic for c in "+#"):
                raise ComposeError("topic", "Name the topic to publish to (no + or #)")
            body = composed.get(BODY, "")
            value = Publish(topic, str(body), qos, bool(composed.get("retain")))
        elif action in ("subscribe", "unsubscribe"):
            if not topic:
                raise ComposeError("topic", f"Name the topic filter to {action}")
            value = Subscribe(topic, qos) if action == "subscribe" else Unsubscribe(topic)
        else:
            raise ComposeError("action", f"No MQTT action {action!r}")
        return self.encode(value)

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        return describe(data, self.version)

    def disconnect(self) -> list[Outgoing]:
        """A clean end: the broker then drops the will message."""
        return [self._out(codec.DISCONNECT, "DISCONNECT")]

    def tick(self, now: float) -> tuple[list[Outgoing], str]:
        if not self.connected or not self.keepalive:
            return [], ""
        if self._ping_sent is not None:
            waited = now - self._ping_sent
            if waited > self.keepalive * PINGRESP_PATIENCE:
                self._ping_sent = None
                return [], f"no PINGRESP {waited:.1f} s after PINGREQ"
            return [], ""
        if now - self._last_sent >= self.keepalive:
            self._ping_sent = now
            return [self._out(codec.PINGREQ, "PINGREQ (keepalive)")], ""
        return [], ""

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        if isinstance(data, str):
            # Section 6.0: MQTT rides in binary messages only.
            return Reading("text", problem="MQTT is sent in binary messages, this is text"), []
        try:
            packets, self._buffer = codec.split(self._buffer + data)
            decoded = [codec.decode(one, self.version) for one in packets]
        except MalformedPacket as exc:
            self._buffer = b""
            return Reading("malformed", problem=f"not an MQTT packet: {exc}"), []
        if not decoded:
            return Reading("partial", value={"buffered": len(self._buffer)}), []
        answers = [answer for fields in decoded for answer in self._answer(fields)]
        if len(decoded) == 1:
            return _reading(decoded[0]), answers
        kinds = " + ".join(str(fields["type"]) for fields in decoded)
        return Reading(kinds, _reading(decoded[0]).name, decoded), answers

    def _answer(self, fields: dict[str, object]) -> list[Outgoing]:
        kind = fields["type"]
        packet_id = fields.get("packet_id")
        if kind == "CONNACK":
            self.connected = fields.get("reason_code", fields.get("return_code")) == 0
            properties = fields.get("properties")
            if isinstance(properties, dict) and "server_keep_alive" in properties:
                self.keepalive = int(properties["server_keep_alive"])
        elif kind == "PINGRESP":
            self._ping_sent = None
        elif kind == "PUBLISH" and isinstance(packet_id, int):
            if fields["qos"] == 1:
                return [self._out(codec.ack(Type.PUBACK, packet_id), f"PUBACK {packet_id}")]
            return [self._out(codec.ack(Type.PUBREC, packet_id), f"PUBREC {packet_id}")]
        elif kind == "PUBREC" and isinstance(packet_id, int):
            return [self._out(codec.ack(Type.PUBREL, packet_id), f"PUBREL {packet_id}")]
        elif kind == "PUBREL" and isinstance(packet_id, int):
            # Answered even for an id we don't know: the server is retrying after we lost
            # our state, and PUBCOMP is what lets it forget the message (section 4.3.3).
            return [self._out(codec.ack(Type.PUBCOMP, packet_id), f"PUBCOMP {packet_id}")]
        return []

    def _publish(self, composed: Publish) -> Outgoing:
        if not composed.topic or any(c in composed.topic for c in "+#"):
            raise UserError("An MQTT topic to publish to can't be empty or hold + or #")
        _check_qos(composed.qos)
        payload = composed.payload
        payload_bytes = payload.encode() if isinstance(payload, str) else payload
        packet_id = self._packet_id() if composed.qos else 0
        data = codec.publish(
            self.version,
            composed.topic,
            payload_bytes,
            qos=composed.qos,
            retain=composed.retain,
            packet_id=packet_id,
        )
        return self._out(data, f"PUBLISH {composed.topic} (QoS {composed.qos})")

    def _packet_id(self) -> int:
        # Non-zero and 16 bits (section 2.2.1); a wrap after 65535 in flight is not a concern.
        self._next_id = self._next_id % 0xFFFF + 1
        return self._next_id

    def _out(self, data: bytes, note: str) -> Outgoing:
        self._last_sent = self._clock()
        return Outgoing(data, note)


def describe(data: str | bytes, version: Version = Version.V311) -> Reading:
    """A message on its own, either way (a sent row, an exported one): no session state."""
    if isinstance(data, str):
        return Reading("text", problem="MQTT is sent in binary messages, this is text")
    try:
        return _reading(codec.decode(data, version))
    except MalformedPacket as exc:
        return Reading("malformed", problem=f"not an MQTT packet: {exc}")


def _reading(fields: dict[str, object]) -> Reading:
    kind = str(fields["type"])
    if "topic" in fields:
        name = str(fields["topic"])
    elif isinstance(fields.get("filters"), list):
        filters = fields["filters"]
        assert isinstance(filters, list)
        name = ", ".join(str(f["filter"] if isinstance(f, dict) else f) for f in filters)
    elif "packet_id" in fields:
        name = f"#{fields['packet_id']}"
    else:
        name = ""
    return Reading(kind, name, fields)


def _check_qos(qos: int) -> None:
    if qos not in (0, 1, 2):
        raise UserError(f"MQTT QoS is 0, 1 or 2, not {qos}")


def _check_filter(topic_filter: str) -> None:
    if not topic_filter:
        raise UserError("An MQTT topic filter can't be empty")
