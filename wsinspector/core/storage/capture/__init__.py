"""The capture: every connection recorded to one SQLite database, for the History and search.

    store = CaptureStore.open_default()
    recorder = store.start_recording(log, uri=options.uri, profile="", options=options)
    store.sessions(); store.session_events(session_id); store.search("text")
    store.delete_session(session_id); store.clear(); store.apply_retention()
    store.close()

No Qt here: the window and the headless `wsinspector record` share it.
"""

from wsinspector.core.storage.capture.reading import CapturedEvents
from wsinspector.core.storage.capture.recorder import FLUSH_INTERVAL, Recorder
from wsinspector.core.storage.capture.schema import FILE_NAME, SCHEMA_VERSION, CaptureFileError
from wsinspector.core.storage.capture.search import SearchHit
from wsinspector.core.storage.capture.store import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_MAX_BYTES,
    CaptureStore,
    Retention,
    SessionInfo,
    options_record,
)

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "DEFAULT_MAX_BYTES",
    "FILE_NAME",
    "FLUSH_INTERVAL",
    "SCHEMA_VERSION",
    "CaptureFileError",
    "CaptureStore",
    "CapturedEvents",
    "Recorder",
    "Retention",
    "SearchHit",
    "SessionInfo",
    "options_record",
]
