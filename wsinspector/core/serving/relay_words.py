"""The relay's lines in the log: legs, clients, faults and what the user did to a message."""

from __future__ import annotations

import enum

from websockets.exceptions import ConnectionClosed

from wsinspector.core.log.events import Direction, close_code_name


class Leg(enum.StrEnum):
    """The two connections of one relayed client."""

    APP = "app ↔ relay"
    UPSTREAM = "relay ↔ upstream"

    @property
    def peer(self) -> str:
        return "app" if self is Leg.APP else "upstream"


def leg_name(leg: Leg, client: int) -> str:
    """What the log's Conn column shows for one leg: "app #1", "upstream #1"."""
    return f"{leg.peer} #{client}"


def way_words(direction: Direction) -> str:
    """Which way a message goes: toward the upstream is what the app sent."""
    return "app → upstream" if direction is Direction.OUT else "upstream → app"


def listening_words(address: str, upstream: str) -> str:
    return f"relay listening on {address}, forwarding each client to {upstream}"


def stopped_words(clients: int) -> str:
    plural = "s" if clients != 1 else ""
    return f"relay stopped listening ({clients} client{plural} closed)"


def client_words(number: int, peer: str, path: str, app_conn: int, upstream_conn: int) -> str:
    return (
        f"client {number} from {peer} asks for {path}: connection {app_conn} is"
        f" {Leg.APP.value}, connection {upstream_conn} is {Leg.UPSTREAM.value}"
    )


def upstream_failed_words(uri: str, words: str) -> str:
    return f"the upstream {uri} could not be reached ({words}): the app got 502 Bad Gateway"


def leg_close_words(leg: Leg, closed: ConnectionClosed) -> str:
    """How one leg ended, from the relay's side of it."""
    frame = closed.rcvd or closed.sent
    if frame is None:
        return f"the {leg.peer} dropped without a close frame (1006 abnormal closure)"
    who = f"the {leg.peer}" if frame is closed.rcvd else "the relay"
    reason = f": {frame.reason}" if frame.reason else ""
    return f"{who} closed it with {frame.code} ({close_code_name(frame.code)}){reason}"


def ended_first_words(leg: Leg, closed: ConnectionClosed, code: int, reason: str) -> str:
    other = Leg.UPSTREAM if leg is Leg.APP else Leg.APP
    said = f" ({reason})" if reason else ""
    return (
        f"the {leg.value} leg ended first: {leg_close_words(leg, closed)};"
        f" the relay closed the {other.value} leg with {code}{said}"
    )


def fault_reason(leg: Leg, closed: ConnectionClosed) -> str:
    """The close reason the other side gets when a leg dropped (at most 123 bytes)."""
    frame = closed.rcvd
    words = f"{leg.peer} closed with {frame.code}" if frame else f"{leg.peer} dropped"
    return f"wsinspector relay: {words}"[:120]


def edited_words(event_id: int, direction: Direction) -> str:
    return f"#{event_id} edited before going on ({way_words(direction)}): the next row is what went"


def forwarded_words(event_id: int, direction: Direction) -> str:
    return f"#{event_id} forwarded by the user ({way_words(direction)})"


def dropped_words(event_id: int, direction: Direction) -> str:
    peer = "upstream" if direction is Direction.OUT else "app"
    return f"#{event_id} dropped by the user: the {peer} never got it"


def injected_words(direction: Direction) -> str:
    return f"injected by the user ({way_words(direction)}): the next row"


def undelivered_words(count: int, direction: Direction) -> str:
    plural = "s" if count != 1 else ""
    return (
        f"{count} waiting message{plural} ({way_words(direction)}) not delivered:"
        " that leg had ended"
    )


def held_on_stop_words(count: int) -> str:
    plural = "s" if count != 1 else ""
    return f"relay stopped with {count} held message{plural} not forwarded"
