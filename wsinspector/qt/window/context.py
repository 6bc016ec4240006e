"""The application context: what the whole app shares, built once by app.py and handed to
the window: the window's settings (preferences, layout, recent URIs), the profile store, the
capture database every live page records into, and the crash reporter.

`AppContext.build()` opens them from the per-user folders; the window builds one itself when
given none (tests, the self-check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from PySide6.QtCore import QSettings

from wsinspector.core.app.crashlog import CrashReporter
from wsinspector.core.app.paths import config_dir
from wsinspector.core.app.private_files import keep_private
from wsinspector.core.storage.capture import CaptureFileError, CaptureStore, Retention
from wsinspector.core.storage.preferences import Preferences, preferences_from
from wsinspector.core.storage.profiles import ProfileStore

SETTINGS_FILE: Final = "window.ini"


@dataclass(eq=False)
class AppContext:
    """What the app shares. `capture` is None when the capture database can't be used;
    `capture_problem` then (or when it was opened with a problem) says why, else ""."""

    settings: QSettings
    store: ProfileStore
    capture: CaptureStore | None
    capture_problem: str = ""
    crashes: CrashReporter = field(default_factory=CrashReporter)

    @classmethod
    def build(cls) -> AppContext:
        path = config_dir() / SETTINGS_FILE
        keep_private(path)  # the recent URIs, tokens in their queries; QSettings keeps the mode
        settings = QSettings(str(path), QSettings.Format.IniFormat)
        capture, problem = open_capture(preferences_of(settings).retention())
        return cls(settings, ProfileStore(), capture, problem)

    def preferences(self) -> Preferences:
        """The preferences kept in the settings file (defaults for what is not there)."""
        return preferences_of(self.settings)


def preferences_of(settings: QSettings) -> Preferences:
    return preferences_from({key: settings.value(key) for key in settings.allKeys()})


def open_capture(retention: Retention) -> tuple[CaptureStore | None, str]:
    """The capture database every page records into, and words for a problem with it."""
    try:
        capture = CaptureStore.open_default(retention)
    except CaptureFileError as exc:
        return None, f"Connections are not recorded this time: {exc}"
    try:
        capture.apply_retention()
    except Exception as exc:  # recording matters more than trimming: go on
        capture.problem = capture.problem or f"The capture could not be trimmed: {exc}"
    return capture, capture.problem
