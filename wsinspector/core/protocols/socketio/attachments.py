"""Which binary messages belong to which Socket.IO packet.

A binary event (`51-["name",{"_placeholder":true,"num":0}]`) is followed by its attachments,
one binary WebSocket message each; only the order of arrival ties them to it. The session
notes the ties as it reads (and as it sends), so that a row of either reads as one event:
the packet with its bytes, each attachment with the event it belongs to. Both are keyed by
direction and content, all that a row hands over: identical packets or bytes the same way
read as the latest.
"""

from __future__ import annotations

from dataclasses import dataclass

# Ties kept; past that the oldest are forgotten (their rows then read as unattached).
KEPT = 10_000


@dataclass(frozen=True, slots=True)
class Tie:
    """An attachment's place: the event it belongs to, its index and how many there are."""

    event: str
    index: int
    count: int


class Attachments:
    def __init__(self) -> None:
        # (incoming, what crossed the wire) -> what it is tied to
        self._by_packet: dict[tuple[bool, str], tuple[bytes, ...]] = {}
        self._by_bytes: dict[tuple[bool, bytes], Tie] = {}
        self._packet = ""
        self._event = ""
        self._expected = 0
        self._parts: list[bytes] = []

    def expect(self, packet: str, event: str, count: int) -> None:
        """A binary packet was read: the next `count` binary messages are its attachments."""
        self._packet, self._event, self._expected, self._parts = packet, event, count, []

    def read(self, data: bytes) -> Tie | None:
        """A binary message was read (its Engine.IO head taken off): its tie, None when no
        packet was waiting for it."""
        if len(self._parts) >= self._expected:
            return None
        tie = Tie(self._event, len(self._parts), self._expected)
        self._parts.append(data)
        _keep(self._by_bytes, (True, data), tie)
        if len(self._parts) == self._expected:
            _keep(self._by_packet, (True, self._packet), tuple(self._parts))
        return tie

    def sent(self, packet: str, event: str, parts: list[bytes]) -> None:
        """A binary packet and its attachments were composed: tied at once."""
        _keep(self._by_packet, (False, packet), tuple(parts))
        for index, part in enumerate(parts):
            _keep(self._by_bytes, (False, part), Tie(event, index, len(parts)))

    def of_packet(self, packet: str, incoming: bool) -> tuple[bytes, ...] | None:
        return self._by_packet.get((incoming, packet))

    def tie(self, data: bytes, incoming: bool) -> Tie | None:
        return self._by_bytes.get((incoming, data))

    def reset(self) -> None:
        """A new connection: an attachment still awaited will not come."""
        self._expected, self._parts = 0, []


def _keep[K, V](ties: dict[K, V], key: K, value: V) -> None:
    ties.pop(key, None)
    ties[key] = value
    if len(ties) > KEPT:
        del ties[next(iter(ties))]
