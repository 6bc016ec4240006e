"""Log files: export a log as JSON Lines, HAR, CSV or text; import JSON Lines and HAR.

    export_log(log, "capture.jsonl")                  # or .har, .csv, .txt
    imported = import_log("capture.har")              # ours, Chrome DevTools', HTTP Toolkit's
    for event_id, event in imported.items(): ...

Formats are described in docs/log-format.md; JSON Lines and the capture share one codec
(codec.py), whose type names are its own, not the log's words on screen. Everything here is
Qt-free and blocking; large exports go chunk by chunk with LogExporter.step(), or in a worker
thread with export_log().
"""

from wsinspector.core.storage.logfiles.common import (
    REDACTED,
    Cancelled,
    EntryLog,
    LogFileError,
    LogFormat,
    LogSource,
    format_for_path,
    is_secret_name,
    redact_event,
    redact_headers,
    redact_uri,
    snapshot,
)
from wsinspector.core.storage.logfiles.exporting import DEFAULT_CHUNK, LogExporter, export_log
from wsinspector.core.storage.logfiles.har_read import connection_options, options_from_handshake
from wsinspector.core.storage.logfiles.importing import ImportedLog, connections_of, import_log

__all__ = [
    "DEFAULT_CHUNK",
    "REDACTED",
    "Cancelled",
    "EntryLog",
    "ImportedLog",
    "LogExporter",
    "LogFileError",
    "LogFormat",
    "LogSource",
    "connection_options",
    "connections_of",
    "export_log",
    "format_for_path",
    "import_log",
    "is_secret_name",
    "options_from_handshake",
    "redact_event",
    "redact_headers",
    "redact_uri",
    "snapshot",
]
