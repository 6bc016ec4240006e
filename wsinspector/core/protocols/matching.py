"""What the log filter matches in a message of a page that speaks a protocol: the kind and
the name the protocol reads in it, the words of its row's Type and Data columns (the filter's
side of it: core/log/readings.py)."""

from __future__ import annotations

from wsinspector.core.log.readings import ReadWords
from wsinspector.core.protocols.base import WireProtocol
from wsinspector.core.protocols.rows import unreadable_kind


def message_words(protocol: WireProtocol) -> ReadWords:
    """The filter's reader of messages for `protocol`: (kind, name) of one message."""

    def read(incoming: bool, text: bool, data: bytes) -> tuple[str, str]:
        reading = protocol.describe(data.decode("utf-8", "replace") if text else data, incoming)
        if reading.problem:
            return unreadable_kind(protocol), ""
        return reading.kind, reading.name

    return read
