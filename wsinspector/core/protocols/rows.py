"""A protocol message's words for the log's Type and Data columns and the detail view,
derived from the payload that crossed the wire (the log keeps nothing else)."""

from __future__ import annotations

import json

from wsinspector.core.log.events import Direction, MessageEvent
from wsinspector.core.protocols.base import Reading, WireProtocol

# The Data column shows a line; the detail view has the whole.
LINE_CHARS = 300


def reading_of(protocol: WireProtocol, event: MessageEvent) -> Reading:
    data: str | bytes = event.data.decode("utf-8", "replace") if event.text else event.data
    return protocol.describe(data, event.direction is Direction.IN)


def unreadable_kind(protocol: WireProtocol) -> str:
    """The Type of a message that does not parse as the protocol."""
    return f"{protocol.name}?"


def value_text(value: object) -> str:
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=repr)
    except (TypeError, ValueError):
        return repr(value)


def row_texts(protocol: WireProtocol, event: MessageEvent) -> tuple[str, str]:
    """(Type, Data) of a message row: the protocol's kind, then its name and decoded value;
    a message that does not parse as the protocol is shown raw, with the reason."""
    reading = reading_of(protocol, event)
    if reading.problem:
        raw = event.data[:LINE_CHARS].decode("utf-8", "replace") if event.text else "binary"
        return unreadable_kind(protocol), f"{raw}  ({reading.problem})"
    parts = [reading.name, value_text(reading.value)]
    if reading.detail:
        parts.append(f"({reading.detail})")
    line = " ".join(part for part in parts if part)
    return reading.kind, line[:LINE_CHARS]


def detail_text(protocol: WireProtocol, event: MessageEvent) -> str:
    """The detail view's decoded structure, the raw payload under it."""
    reading = reading_of(protocol, event)
    raw = event.data.decode("utf-8", "replace") if event.text else event.data.hex(" ")
    if reading.problem:
        return f"Not {protocol.name}: {reading.problem}\n\nRaw:\n{raw}"
    decoded = {"kind": reading.kind, "name": reading.name, "value": reading.value}
    if reading.detail:
        decoded["detail"] = reading.detail
    pretty = json.dumps(decoded, ensure_ascii=False, indent=2, default=repr)
    return f"{pretty}\n\nRaw:\n{raw}"
