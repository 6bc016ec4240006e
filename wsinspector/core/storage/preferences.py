"""The app-wide preferences: how much a live log keeps, and how much the capture keeps.

Stored by the window as plain strings (QSettings' INI file); read back here, where a value
that is missing, garbled or out of range falls back to its default rather than failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from wsinspector.core.log.eventlog import DEFAULT_CAPACITY
from wsinspector.core.storage.capture import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_BYTES, Retention

GIB: Final = 1 << 30

# Setting keys, as the INI file names them.
LOG_CAPACITY: Final = "log/capacity"
CAPTURE_MAX_GIB: Final = "capture/max_gib"
CAPTURE_MAX_AGE_DAYS: Final = "capture/max_age_days"
RECORD_NEW_PAGES: Final = "capture/record_new_pages"

# The largest values the dialog offers; a settings file asking more gets these.
MAX_LOG_CAPACITY: Final = 100_000_000
MAX_CAPTURE_GIB: Final = 10_000
MAX_AGE_DAYS: Final = 36_500


@dataclass(frozen=True, slots=True)
class Preferences:
    """0 means "no limit" for each limit."""

    log_capacity: int = DEFAULT_CAPACITY
    capture_max_gib: float = DEFAULT_MAX_BYTES / GIB
    capture_max_age_days: int = int(DEFAULT_MAX_AGE_DAYS)
    record_new_pages: bool = True

    def retention(self) -> Retention:
        return Retention(
            max_bytes=int(self.capture_max_gib * GIB) if self.capture_max_gib > 0 else None,
            max_age_days=float(self.capture_max_age_days) if self.capture_max_age_days else None,
        )

    def capacity(self) -> int | None:
        """The live log's capacity for EventLog (None: no limit)."""
        return self.log_capacity if self.log_capacity > 0 else None

    def to_settings(self) -> dict[str, str]:
        return {
            LOG_CAPACITY: str(self.log_capacity),
            CAPTURE_MAX_GIB: f"{self.capture_max_gib:g}",
            CAPTURE_MAX_AGE_DAYS: str(self.capture_max_age_days),
            RECORD_NEW_PAGES: "true" if self.record_new_pages else "false",
        }


def _number(raw: object, default: float, largest: float) -> float:
    try:
        value = float(str(raw))
    except ValueError:
        return default
    if value != value or value < 0:  # NaN or negative
        return default
    return min(value, largest)


def preferences_from(settings: Mapping[str, object]) -> Preferences:
    """The preferences a settings file holds; defaults for what is missing or unreadable."""
    default = Preferences()
    record = str(settings.get(RECORD_NEW_PAGES, "true")).strip().lower()
    return Preferences(
        log_capacity=int(
            _number(
                settings.get(LOG_CAPACITY, default.log_capacity),
                default.log_capacity,
                MAX_LOG_CAPACITY,
            )
        ),
        capture_max_gib=_number(
            settings.get(CAPTURE_MAX_GIB, default.capture_max_gib),
            default.capture_max_gib,
            MAX_CAPTURE_GIB,
        ),
        capture_max_age_days=int(
            _number(
                settings.get(CAPTURE_MAX_AGE_DAYS, default.capture_max_age_days),
                default.capture_max_age_days,
                MAX_AGE_DAYS,
            )
        ),
        record_new_pages=record not in ("false", "0", "no", "off"),
    )
