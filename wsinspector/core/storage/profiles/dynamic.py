"""Dynamic values: `{{$name}}` references filled afresh each time a text is filled.

`{{$timestamp}}` (Unix seconds), `{{$isoTimestamp}}` (UTC, ISO 8601 with milliseconds),
`{{$randomUUID}}` (a version 4 UUID), `{{$randomInt}}` (0 to 1000, as Postman) and
`{{$counter}}` (1, 2, 3… per page: one `DynamicValues` per page). One filling of a text is
one moment: its timestamps and its counter are the same wherever they appear in it, while
each random reference draws anew.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

RANDOM_INT_MAX: Final = 1000
NAMES: Final = ("$timestamp", "$isoTimestamp", "$randomUUID", "$randomInt", "$counter")


class DynamicValues:
    """The page's counter, and the filler of one text's `{{$name}}` references."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.counter = 0  # the last value `{{$counter}}` took
        self._clock = clock

    def peek(self) -> DynamicValues:
        """A copy for a preview: it fills as the next send would, and leaves this page's
        counter where it is (a preview must not use up a value)."""
        copy = DynamicValues(self._clock)
        copy.counter = self.counter
        return copy

    def filler(self) -> Callable[[str], str | None]:
        """A lookup for one filling: name → value, None for a name that is no dynamic value.
        The counter advances once, and only when the text uses it."""
        now = self._clock()
        counted: list[int] = []

        def value(name: str) -> str | None:
            if name == "$timestamp":
                return str(int(now))
            if name == "$isoTimestamp":
                moment = datetime.fromtimestamp(now, UTC)
                return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            if name == "$randomUUID":
                return str(uuid.uuid4())
            if name == "$randomInt":
                return str(random.randint(0, RANDOM_INT_MAX))
            if name == "$counter":
                if not counted:
                    self.counter += 1
                    counted.append(self.counter)
                return str(counted[0])
            return None

        return value
