"""One STOMP 1.2/1.1 client session over one WebSocket (subprotocols v12.stomp, v11.stomp).

It sends CONNECT when the socket opens (login, passcode, host, the heart-beats it offers),
takes the version and heart-beats the server's CONNECTED settles, then sends a heart-beat
(an end-of-line) whenever it sent nothing for the agreed time and says so when the server
falls silent for twice its own.

What the user composes is a command with a destination, headers and a body; the headers a
command can't go without are filled in where there is one obvious value: a SUBSCRIBE's id,
the subscription an UNSUBSCRIBE of a destination means, the last MESSAGE for ACK and NACK,
the open transaction for COMMIT and ABORT.

What arrives is read frame by frame: a message holding several frames is one reading that
covers them all (its commands, the first frame's name, each frame in the value), and a frame
split across messages is kept until its end arrives: the first part reads as incomplete, the
part that ends it as the whole frame.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from wsinspector.core.app.errors import UserError
from wsinspector.core.protocols.base import BODY, Composed, ComposeError, Outgoing, Reading
from wsinspector.core.protocols.stomp.frames import (
    CLIENT_COMMANDS,
    V11,
    V12,
    Frame,
    MalformedFrame,
    command_of,
    encode,
    is_heartbeat,
    split,
)

SUBPROTOCOLS = ("v12.stomp", "v11.stomp")
HEARTBEAT = "\n"
# The server's heart-beat may be this many times late before it is reported ("because of
# timing inaccuracies, the receiver SHOULD be tolerant", says the specification).
HEARTBEAT_TOLERANCE = 2.0
# An unfinished frame is kept up to this size, then given up on as malformed: a broker that
# cut a frame short must not make every later message wait for its NUL.
PENDING_LIMIT = 16 * 1024 * 1024
# The readings of messages that ended a frame begun earlier, for describe() (rows ask for
# them by payload); older ones read on their own, as in a recorded session.
CONTINUED_KEPT = 256


@dataclass(frozen=True, slots=True)
class StompSettings:
    """What CONNECT says. `host` is the virtual host: RabbitMQ refuses one it doesn't have,
    and "/" is its default one. Heart-beats in milliseconds, 0 for none."""

    login: str = ""
    passcode: str = ""
    host: str = "/"
    heartbeat_send: int = 10_000
    heartbeat_receive: int = 10_000
    versions: tuple[str, ...] = (V12, V11)


@dataclass(frozen=True, slots=True)
class StompCompose:
    """A frame the user composed: SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK, BEGIN, COMMIT,
    ABORT or DISCONNECT."""

    command: str
    destination: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str | bytes = ""


class StompProtocol:
    """The client's side of one STOMP connection; `on_open` starts it afresh."""

    name = "stomp"

    def __init__(
        self, settings: StompSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings or StompSettings()
        self._clock = clock
        self._continued: OrderedDict[bytes, Reading] = OrderedDict()
        self._reset()

    def _reset(self) -> None:
        self.version = self.settings.versions[0] if self.settings.versions else V12
        self.connected = False
        # Negotiated heart-beat periods in seconds, 0 for none.
        self.send_every = 0.0
        self.expect_every = 0.0
        self._last_sent = self._last_received = self._clock()
        self._silence_reported = False
        self._subscriptions: dict[str, str] = {}  # id → destination
        self._next_subscription = 0
        self._transactions: list[str] = []
        self._next_transaction = 0
        self._last_message: Frame | None = None
        # The start of a frame that goes on in the next message.
        self._pending = b""

    def ready(self) -> bool:
        """base.Handshaking: the server answered the handshake of this connection."""
        return self.connected

    def on_open(self) -> list[Outgoing]:
        self._reset()
        settings = self.settings
        headers = [
            ("accept-version", ",".join(settings.versions)),
            ("host", settings.host),
        ]
        if settings.login:
            headers.append(("login", settings.login))
        if settings.passcode:
            headers.append(("passcode", settings.passcode))
        headers.append(("heart-beat", f"{settings.heartbeat_send},{settings.heartbeat_receive}"))
        return [self._out(Frame("CONNECT", tuple(headers)), "CONNECT")]

    def encode(self, composed: object) -> list[Outgoing]:
        if not isinstance(composed, StompCompose):
            raise UserError(f"STOMP can't send {type(composed).__name__}")
        command = composed.command.strip().upper()
        if command not in CLIENT_COMMANDS:
            raise UserError(f"{composed.command!r} is not a STOMP command a client sends")
        headers = dict(composed.headers)
        if composed.destination:
            headers["destination"] = composed.destination
        fill = _FILLERS.get(command)
        if fill is not None:
            fill(self, headers)
        body = composed.body.encode() if isinstance(composed.body, str) else composed.body
        frame = Frame(command, tuple(headers.items()), body)
        label = f"{command} {headers.get('destination', '')}".rstrip()
        return [self._out(frame, label)]

    def compose(self, composed: Composed) -> list[Outgoing]:
        """The composer's fields: `command`, `destination`, `headers` (one `name: value` a
        line) and the body."""
        command = str(composed.get("command", "SEND")).strip().upper()
        destination = str(composed.get("destination", "")).strip()
        if command in ("SEND", "SUBSCRIBE") and not destination:
            raise ComposeError("destination", f"{command} needs a destination")
        headers = _header_lines(str(composed.get("headers", "")))
        value = StompCompose(command, destination, headers, str(composed.get(BODY, "")))
        try:
            return self.encode(value)
        except UserError as exc:
            raise ComposeError("command", str(exc)) from exc

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        if incoming and self._continued:
            raw = data.encode() if isinstance(data, str) else data
            known = self._continued.get(raw)
            if known is not None:
                return known
        return describe(data, self.version)

    def tick(self, now: float) -> tuple[list[Outgoing], str]:
        if not self.connected:
            return [], ""
        problem = ""
        silent = now - self._last_received
        if (
            self.expect_every
            and silent > self.expect_every * HEARTBEAT_TOLERANCE
            and not self._silence_reported
        ):
            self._silence_reported = True
            problem = (
                f"no heart-beat from the server for {silent:.1f} s "
                f"(it agreed to one every {self.expect_every:g} s)"
            )
        if self.send_every and now - self._last_sent >= self.send_every:
            self._last_sent = self._clock()
            return [Outgoing(HEARTBEAT, "heart-beat")], problem
        return [], problem

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        self._last_received = self._clock()
        self._silence_reported = False
        raw = data.encode() if isinstance(data, str) else data
        pending, self._pending = self._pending, b""
        if not pending and is_heartbeat(raw):
            return Reading("heart-beat"), []
        try:
            frames, rest = split(pending + raw, self.version)
        except MalformedFrame as exc:
            return Reading("malformed", problem=f"not a STOMP frame: {exc}"), []
        if len(rest) > PENDING_LIMIT:
            return Reading("malformed", problem=_too_long(len(rest))), []
        self._pending = rest
        for frame in frames:
            self._note(frame)
        reading = _summary(frames, rest, continued=bool(pending))
        if pending:
            self._continued[raw] = reading
            while len(self._continued) > CONTINUED_KEPT:
                self._continued.popitem(last=False)
        return reading, []

    def _note(self, frame: Frame) -> None:
        if frame.command == "CONNECTED":
            self.connected = True
            self.version = frame.header("version", V12 if V12 in self.settings.versions else V11)
            self._agree_heartbeats(frame.header("heart-beat", "0,0"))
        elif frame.command == "MESSAGE":
            self._last_message = frame

    def _agree_heartbeats(self, offered: str) -> None:
        """The periods both sides keep ("Heart-beating": the larger of what one side can do
        and the other wants, none when either says 0)."""
        try:
            server_send, server_receive = (int(part) for part in offered.split(","))
        except ValueError:
            server_send = server_receive = 0
        ours = self.settings
        if ours.heartbeat_send and server_receive:
            self.send_every = max(ours.heartbeat_send, server_receive) / 1000
        if ours.heartbeat_receive and server_send:
            self.expect_every = max(ours.heartbeat_receive, server_send) / 1000

    def _out(self, frame: Frame, note: str) -> Outgoing:
        self._last_sent = self._clock()
        data = encode(frame, self.version)
        try:
            return Outgoing(data.decode(), note)
        except UnicodeDecodeError:
            return Outgoing(data, note)

    # -- the headers a command can't go without ---------------------------------------------

    def _fill_send(self, headers: dict[str, str]) -> None:
        if not headers.get("destination"):
            raise UserError("SEND needs a destination")

    def _fill_subscribe(self, headers: dict[str, str]) -> None:
        if not headers.get("destination"):
            raise UserError("SUBSCRIBE needs a destination")
        if not headers.get("id"):
            self._next_subscription += 1
            headers["id"] = f"sub-{self._next_subscription}"
        self._subscriptions[headers["id"]] = headers["destination"]

    def _fill_unsubscribe(self, headers: dict[str, str]) -> None:
        destination = headers.pop("destination", "")
        if not headers.get("id"):
            ids = [key for key, value in self._subscriptions.items() if value == destination]
            if not ids:
                raise UserError("UNSUBSCRIBE needs the id of a subscription, or its destination")
            headers["id"] = ids[0]
        self._subscriptions.pop(headers["id"], None)

    def _fill_ack(self, headers: dict[str, str]) -> None:
        message = self._last_message
        if self.version == V12:
            if not headers.get("id"):
                if message is None or not message.header("ack"):
                    raise UserError(
                        "ACK and NACK need the id of a message (the ack header of a MESSAGE "
                        "received on a subscription with ack:client)"
                    )
                headers["id"] = message.header("ack")
        elif not headers.get("message-id"):
            if message is None:
                raise UserError("ACK and NACK need a message-id and a subscription")
            headers["message-id"] = message.header("message-id")
            headers.setdefault("subscription", message.header("subscription"))

    def _fill_begin(self, headers: dict[str, str]) -> None:
        if not headers.get("transaction"):
            self._next_transaction += 1
            headers["transaction"] = f"tx-{self._next_transaction}"
        self._transactions.append(headers["transaction"])

    def _fill_end(self, headers: dict[str, str]) -> None:
        if not headers.get("transaction"):
            if not self._transactions:
                raise UserError("COMMIT and ABORT need a transaction (none was begun)")
            headers["transaction"] = self._transactions[-1]
        if headers["transaction"] in self._transactions:
            self._transactions.remove(headers["transaction"])


_FILLERS: dict[str, Callable[[StompProtocol, dict[str, str]], None]] = {
    "SEND": StompProtocol._fill_send,
    "SUBSCRIBE": StompProtocol._fill_subscribe,
    "UNSUBSCRIBE": StompProtocol._fill_unsubscribe,
    "ACK": StompProtocol._fill_ack,
    "NACK": StompProtocol._fill_ack,
    "BEGIN": StompProtocol._fill_begin,
    "COMMIT": StompProtocol._fill_end,
    "ABORT": StompProtocol._fill_end,
}


def _header_lines(text: str) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ComposeError("headers", f"A header is `name: value`, not {line.strip()!r}")
        headers.append((name.strip(), value.strip()))
    return tuple(headers)


def describe(data: str | bytes, version: str = V12) -> Reading:
    """A message on its own, either way (a sent row, an exported one): no session state."""
    raw = data.encode() if isinstance(data, str) else data
    if is_heartbeat(raw):
        return Reading("heart-beat")
    try:
        frames, rest = split(raw, version)
    except MalformedFrame as exc:
        return Reading("malformed", problem=f"not a STOMP frame: {exc}")
    return _summary(frames, rest, continued=False)


def _too_long(size: int) -> str:
    return f"not a STOMP frame: no end after {size} bytes (kept up to {PENDING_LIMIT})"


def _summary(frames: list[Frame], rest: bytes, *, continued: bool) -> Reading:
    """One message's reading: its one frame as it is, or what covers several (the commands
    in order of appearance, the first frame's name, each frame in the value); `rest` is the
    start of a frame that goes on in the next message, `continued` that the first frame
    began in an earlier one."""
    notes: list[str] = []
    if continued:
        notes.append("ends a frame begun in an earlier message" if frames else "continued")
    if rest:
        notes.append("incomplete: the last frame goes on in the next message")
    if len(frames) == 1 and not rest:
        single = _reading(frames[0])
        return Reading(single.kind, single.name, single.value, detail="; ".join(notes))
    readings = [_reading(frame) for frame in frames]
    values = [reading.value for reading in readings]
    commands = [frame.command for frame in frames]
    if rest:
        unfinished = command_of(rest)
        commands.append(unfinished or "partial")
        values.append({"command": unfinished, "incomplete": True, "bytes": len(rest)})
    if len(frames) > 1:
        notes.insert(0, f"{len(frames)} frames")
    kind = " + ".join(dict.fromkeys(commands)) or "empty"
    name = readings[0].name if readings else _unfinished_name(rest)
    return Reading(kind, name, values, detail="; ".join(notes))


def _unfinished_name(rest: bytes) -> str:
    """The destination of an unfinished frame, once its header line is whole."""
    for line in rest.lstrip(b"\r\n").split(b"\n")[1:-1]:
        if line in (b"", b"\r"):
            break  # the body begins
        if line.startswith(b"destination:"):
            return line[len(b"destination:") :].removesuffix(b"\r").decode("utf-8", "replace")
    return ""


def _reading(frame: Frame) -> Reading:
    command = frame.command
    if command == "RECEIPT":
        name = frame.header("receipt-id")
    elif command == "ERROR":
        name = frame.header("message")
    elif command == "CONNECTED":
        name = frame.header("version")
    elif command in ("ACK", "NACK"):
        name = frame.header("id") or frame.header("message-id")
    elif command in ("BEGIN", "COMMIT", "ABORT"):
        name = frame.header("transaction")
    else:
        name = frame.header("destination") or frame.header("id")
    value = frame.to_json()
    headers = value["headers"]
    if isinstance(headers, dict) and "passcode" in headers:
        headers["passcode"] = "(sent)"
    return Reading(command, name, value)
