"""One SignalR hub connection over one WebSocket, JSON hub protocol, as a `WireProtocol`.

It sends the handshake when the socket opens, a ping whenever it sent nothing for the keepalive
interval (the client's 15 s by default), and says so when the server was silent for longer
than the server timeout (30 s by default: the server pings every 15 s).

What the user composes is a hub method with its arguments, invoked (a completion is awaited:
it is shown with the method and the time it took), sent (no answer), or streamed (stream
items, then a completion; the stream can be cancelled).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols.base import BODY, Composed, ComposeError, Outgoing, Reading
from wsinspector.core.protocols.signalr import messages
from wsinspector.core.protocols.signalr.messages import KINDS, MalformedMessage, Type


@dataclass(frozen=True, slots=True)
class SignalRSettings:
    keepalive: float = 15.0
    server_timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class Invoke:
    """Call hub method `target`. `answer` awaits its completion (invoke), without it the
    call is sent (no invocation id, no answer); `stream` asks for a stream of items."""

    target: str
    arguments: tuple[object, ...] = ()
    answer: bool = True
    stream: bool = False


@dataclass(frozen=True, slots=True)
class CancelStream:
    invocation_id: str


class SignalRProtocol:
    """The client's side of one hub connection; `on_open` starts it afresh."""

    name = "signalr"

    def __init__(
        self, settings: SignalRSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings or SignalRSettings()
        self._clock = clock
        self._reset()

    def _reset(self) -> None:
        self.handshaken = False
        self.handshake_error = ""
        self._next_id = 0
        # invocation id → (hub method, monotonic time sent): who a completion answers.
        self.pending: dict[str, tuple[str, float]] = {}
        # invocation id → hub method, kept after the completion: for describe().
        self.methods: dict[str, str] = {}
        # invocation id → seconds its completion took: describe() shows it on the row, as
        # read() learnt it (describe alone has no clock to go by).
        self.took: dict[str, float] = {}
        self._last_sent = self._last_received = self._clock()
        self._silence_reported = False

    def ready(self) -> bool:
        """base.Handshaking: the server answered the handshake of this connection."""
        return self.handshaken

    def on_open(self) -> list[Outgoing]:
        self._reset()
        return [self._out(messages.HANDSHAKE_REQUEST, "handshake")]

    def encode(self, composed: object) -> list[Outgoing]:
        if isinstance(composed, CancelStream):
            if composed.invocation_id not in self.pending:
                raise UserError(f"No stream {composed.invocation_id!r} is running")
            message: dict[str, object] = {
                "type": Type.CANCEL_INVOCATION,
                "invocationId": composed.invocation_id,
            }
            self.pending.pop(composed.invocation_id)
            return [self._out(messages.encode(message), f"cancel {composed.invocation_id}")]
        if not isinstance(composed, Invoke):
            raise UserError(f"SignalR can't send {type(composed).__name__}")
        if not composed.target:
            raise UserError("A SignalR invocation needs a hub method")
        kind = Type.STREAM_INVOCATION if composed.stream else Type.INVOCATION
        message = {"type": kind, "target": composed.target, "arguments": list(composed.arguments)}
        if composed.answer or composed.stream:
            self._next_id += 1
            invocation_id = str(self._next_id)
            message = {"type": kind, "invocationId": invocation_id, **message}
            self.pending[invocation_id] = (composed.target, self._clock())
            self.methods[invocation_id] = composed.target
        return [self._out(messages.encode(message), f"{KINDS[kind]} {composed.target}")]

    def compose(self, composed: Composed) -> list[Outgoing]:
        """The composer's fields: `method` (the hub method), the body as its arguments in
        JSON (an array is several), `mode` (invoke, send or stream) or `cancel` (a stream's
        invocation id)."""
        if composed.get("cancel"):
            try:
                return self.encode(CancelStream(str(composed["cancel"])))
            except UserError as exc:
                raise ComposeError("cancel", str(exc)) from exc
        method = str(composed.get("method", "")).strip()
        if not method:
            raise ComposeError("method", "Name the hub method to call")
        body = str(composed.get(BODY, "")).strip()
        try:
            value = json.loads(body) if body else None
        except json.JSONDecodeError as exc:
            raise ComposeError(BODY, f"The arguments are not JSON: {exc}") from exc
        args: tuple[object, ...] = (
            () if value is None else tuple(value) if isinstance(value, list) else (value,)
        )
        mode = str(composed.get("mode", "invoke")).strip().lower()
        if mode not in ("invoke", "send", "stream"):
            raise ComposeError("mode", f"A hub method is invoked, sent or streamed, not {mode}")
        return self.encode(Invoke(method, args, answer=mode == "invoke", stream=mode == "stream"))

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        reading = describe(data)
        if not incoming or reading.problem or reading.kind not in ("completion", "stream item"):
            return reading
        # A completion names the method it answers while that call is remembered.
        value = reading.value
        invocation_id = value.get("invocationId") if isinstance(value, dict) else None
        method = self.methods.get(str(invocation_id))
        if not method:
            return reading
        took = self.took.get(str(invocation_id)) if reading.kind == "completion" else None
        detail = f"answers {method!r} after {took * 1000:.0f} ms" if took is not None else ""
        return Reading(reading.kind, method, value, detail=detail)

    def tick(self, now: float) -> tuple[list[Outgoing], str]:
        if not self.handshaken:
            return [], ""
        problem = ""
        silent = now - self._last_received
        if silent > self.settings.server_timeout and not self._silence_reported:
            self._silence_reported = True
            problem = (
                f"nothing from the server for {silent:.1f} s "
                f"(its timeout is {self.settings.server_timeout:g} s)"
            )
        if self.settings.keepalive and now - self._last_sent >= self.settings.keepalive:
            return [self._out(messages.PING, "ping (keepalive)")], problem
        return [], problem

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        self._last_received = self._clock()
        self._silence_reported = False
        if isinstance(data, bytes):
            return Reading("binary", problem="the JSON hub protocol is sent as text"), []
        try:
            found = messages.split(data)
            readings = [self._take(message) for message in found]
        except MalformedMessage as exc:
            return Reading("malformed", problem=f"not a SignalR message: {exc}"), []
        if len(readings) == 1:
            return readings[0], []
        kinds = " + ".join(reading.kind for reading in readings)
        return Reading(kinds, readings[0].name, [r.value for r in readings]), []

    def _take(self, message: dict[str, object]) -> Reading:
        if not self.handshaken and "type" not in message:
            # The handshake response: {} or {"error": "..."}.
            error = message.get("error")
            self.handshaken = error is None
            self.handshake_error = "" if error is None else str(error)
            return Reading("handshake", self.handshake_error, message)
        kind = messages.kind_of(message)
        invocation_id = message.get("invocationId")
        value = dict(message)
        name = str(message.get("target", ""))
        if isinstance(invocation_id, str) and kind in (Type.STREAM_ITEM, Type.COMPLETION):
            pending = self.pending.get(invocation_id)
            if pending is not None:
                name = pending[0]
                if kind is Type.COMPLETION:
                    self.pending.pop(invocation_id)
                    value["seconds"] = self.took[invocation_id] = round(
                        self._clock() - pending[1], 6
                    )
        if kind is Type.CLOSE:
            name = str(message.get("error", ""))
        return Reading(KINDS[kind], name, value)

    def _out(self, text: str, note: str) -> Outgoing:
        self._last_sent = self._clock()
        return Outgoing(text, note)


def describe(data: str | bytes) -> Reading:
    """A message on its own, either way (a sent row, an exported one): no session state."""
    if isinstance(data, bytes):
        return Reading("binary", problem="the JSON hub protocol is sent as text")
    try:
        found = messages.split(data)
        readings = [
            Reading("handshake", "", m)
            if "type" not in m
            else Reading(KINDS[messages.kind_of(m)], str(m.get("target", "")), m)
            for m in found
        ]
    except MalformedMessage as exc:
        return Reading("malformed", problem=f"not a SignalR message: {exc}")
    if len(readings) == 1:
        return readings[0]
    return Reading(" + ".join(r.kind for r in readings), readings[0].name, found)
