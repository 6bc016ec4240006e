"""The interface every protocol on top of WebSocket implements (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from wsinspector.core.app.errors import UserError


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One WebSocket message a protocol wants sent: text or bytes, with a note for the log."""

    data: str | bytes
    note: str = ""


@dataclass(frozen=True, slots=True)
class Reading:
    """What a protocol reads in one WebSocket message.

    `kind` is the protocol's own word (event, ack, next, MESSAGE, PUBLISH …), `name` the event
    name, topic or destination, `value` the decoded structure as JSON values; `problem` says why
    a message did not parse as the protocol (it is then shown raw, never dropped). `detail` is
    what the protocol knows beyond the message itself, in words (an ack's time to answer)."""

    kind: str
    name: str = ""
    value: object = None
    problem: str = ""
    detail: str = ""


# What the user composed, by field: the composer's text is `BODY`; the others are each
# protocol's own (Socket.IO's "event", "namespace", "ack"; GraphQL's "variables", …), as text
# or a bool. Saved messages and on-connect messages keep the same mapping.
BODY = "body"
Composed = Mapping[str, str | bool | int]


class ComposeError(UserError, ValueError):
    """What the user composed can't be sent; `field` names the composer's field at fault
    (a key of Composed), so that the page shows the message next to it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class WireProtocol(Protocol):
    """One protocol session over one WebSocket connection (and its reconnects).

    `read` is called for every message received, in order, and is the only method that may
    change what `describe` answers; `describe` is side-effect free and also serves messages
    of a recorded session, where `read` never ran (it then knows only the message itself)."""

    name: str

    def on_open(self) -> list[Outgoing]:
        """The messages to send once the WebSocket is open (the protocol's handshake)."""
        ...

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        """Read one received message; also return any automatic answers (keepalive pongs)."""
        ...

    def compose(self, composed: Composed) -> list[Outgoing]:
        """The messages that send what the user composed; raises ComposeError."""
        ...

    def describe(self, data: str | bytes, incoming: bool) -> Reading:
        """One message, either way, as the protocol reads it, for a row or the detail view."""
        ...


@runtime_checkable
class Composing(Protocol):
    """A protocol the user composes messages in (each package defines what `composed` is)."""

    def encode(self, composed: object) -> list[Outgoing]:
        """The messages that send `composed`; UserError (its words for the user) when it
        can't be sent as it is (no topic, no destination, a wrong kind for this protocol)."""
        ...


@runtime_checkable
class Handshaking(Protocol):
    """A protocol whose handshake goes on after the WebSocket opened (Socket.IO's namespace
    connect, GraphQL's connection_ack, MQTT's CONNACK, STOMP's CONNECTED, SignalR's
    handshake response): what the user composed for "on connect" waits for it."""

    def ready(self) -> bool:
        """The handshake of the current connection is done (False again after on_open)."""
        ...


@runtime_checkable
class Keepalive(Protocol):
    """A protocol with a keepalive of its own (MQTT's PINGREQ, STOMP's heart-beats)."""

    def tick(self, now: float) -> tuple[list[Outgoing], str]:
        """Called every TICK_SECONDS while open, with time.monotonic(): the keepalives due
        now, and a problem to show ("" for none), e.g. that the server fell silent."""
        ...


@runtime_checkable
class Negotiating(Protocol):
    """A protocol whose generation follows the subprotocol the server chose (GraphQL's
    graphql-transport-ws or legacy graphql-ws)."""

    def accepted(self, subprotocol: str | None) -> None:
        """Called before on_open with the subprotocol of the handshake (None: none chosen)."""
        ...


@runtime_checkable
class Skimming(Protocol):
    """A protocol whose floods are mostly messages that need no answer and change nothing it
    keeps (Socket.IO's events): a driver does not call `read` for a received text message
    whose UTF-8 payload starts with one of the `routine` prefixes, and takes `routine_reading`
    as its reading; `read` must answer the same for such a message, with no answers. Its full
    reading waits for a row or the filter to ask (`describe`)."""

    routine: tuple[bytes, ...]
    routine_reading: Reading


# How often a driver calls Keepalive.tick: keepalives are whole seconds (MQTT) or
# milliseconds the server negotiates (STOMP), so a tenth of a second is late by little.
TICK_SECONDS = 0.1
