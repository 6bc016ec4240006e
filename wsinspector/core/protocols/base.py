"""The interface every protocol on top of WebSocket implements (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    a message did not parse as the protocol (it is then shown raw, never dropped)."""

    kind: str
    name: str = ""
    value: object = None
    problem: str = ""


class WireProtocol(Protocol):
    """One protocol session over one WebSocket connection."""

    name: str

    def on_open(self) -> list[Outgoing]:
        """The messages to send once the WebSocket is open (the protocol's handshake)."""
        ...

    def read(self, data: str | bytes) -> tuple[Reading, list[Outgoing]]:
        """Read one received message; also return any automatic answers (keepalive pongs)."""
        ...
