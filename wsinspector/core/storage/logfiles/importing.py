"""Reading a log file back: our JSON Lines and HAR files, and HAR files of other tools."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Final

from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import ConnState, HandshakeEvent, StateEvent
from wsinspector.core.storage.logfiles.common import (
    Cancelled,
    EntryLog,
    LogFileError,
    LogFormat,
    collector_paused,
)
from wsinspector.core.storage.logfiles.har_read import options_from_handshake, read_har
from wsinspector.core.storage.logfiles.jsonl import FORMAT_NAME, read_jsonl
from wsinspector.core.websocket.options import ConnectionOptions

ProgressCallback = Callable[[int, int], None]

_JSONL_SUFFIXES: Final = (".jsonl", ".ndjson")
_BOM: Final = b"\xef\xbb\xbf"


class ImportedLog(EntryLog):
    """The events of a log file, with their ids, and where they came from.

    A Sequence of events (messages are stored as tuples and built when read, as in EventLog);
    `ids` are the stable ids from the file (a HAR file has none: 1, 2, 3 …); `items()` gives
    (id, event) pairs. `source` says who wrote the file ("wsinspector 0.1.0",
    "Chrome DevTools", "HTTP Toolkit" …); `connections` the options to open each connection
    again, by connection number.
    """

    __slots__ = ("connections", "format", "path", "source")

    def __init__(
        self,
        ids: Sequence[int],
        entries: list[Entry],
        *,
        path: str,
        format: LogFormat,
        source: str,
        connections: dict[int, ConnectionOptions],
    ) -> None:
        super().__init__(ids, entries)
        self.path = path
        self.format = format
        self.source = source
        self.connections = connections


def connections_of(log: EntryLog) -> dict[int, ConnectionOptions]:
    """The options to open each connection of `log` again, from its handshake and URI."""
    uris: dict[int, str] = {}
    handshakes: dict[int, HandshakeEvent] = {}
    for entry in log.entries():
        if entry.__class__ is tuple:
            continue
        if isinstance(entry, StateEvent) and entry.state is ConnState.CONNECTING and entry.uri:
            uris.setdefault(entry.conn, entry.uri)
        elif isinstance(entry, HandshakeEvent):
            handshakes.setdefault(entry.conn, entry)
    options: dict[int, ConnectionOptions] = {}
    for conn in sorted(uris.keys() | handshakes.keys()):
        handshake = handshakes.get(conn)
        headers = handshake.request_headers if handshake is not None else ()
        uri = uris.get(conn, "")
        if not uri and handshake is not None:
            host = next((v for k, v in headers if k.lower() == "host"), "")
            target = handshake.request_line.split(" ")[1:2]
            uri = f"ws://{host}{target[0] if target else '/'}" if host else ""
        if uri:
            options[conn] = options_from_handshake(uri, headers)
    return options


def _looks_like_jsonl(first_line: bytes) -> bool:
    return b'"format"' in first_line and FORMAT_NAME.encode() in first_line


def import_log(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportedLog:
    """Read a wsinspector .jsonl log, or the WebSocket connections of a HAR file.

    The format is told by the content (a .jsonl starts with its header line). LogFileError
    says what is wrong, naming the line (JSON Lines) or the JSON field (HAR); OSError when the
    file can't be read. `progress(bytes_read, file_size)` and `cancelled()` (which stops the
    import with Cancelled) are called now and then while a .jsonl is read.
    """
    name = os.fspath(path)
    with open(name, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        # A UTF-8 byte order mark (Windows tools write one) is skipped, as jq does.
        start = len(_BOM) if file.read(len(_BOM)) == _BOM else 0
        file.seek(start)
        first = file.readline(1 << 16)
        file.seek(start)
        if _looks_like_jsonl(first) or (
            name.lower().endswith(_JSONL_SUFFIXES) and not first.lstrip().startswith(b"{\n")
        ):

            def checkpoint(_lines: int) -> None:
                if progress is not None:
                    progress(file.tell(), size)
                if cancelled is not None and cancelled():
                    raise Cancelled(f"import of {name} cancelled")

            with collector_paused():
                head, ids, entries = read_jsonl(file, checkpoint)
            generator = head.get("generator")
            log = ImportedLog(
                ids,
                entries,
                path=name,
                format=LogFormat.JSONL,
                source=generator if isinstance(generator, str) and generator else "wsinspector",
                connections={},
            )
            log.connections = connections_of(log)
        else:
            if cancelled is not None and cancelled():
                raise Cancelled(f"import of {name} cancelled")
            data = file.read()
            if not data.lstrip().startswith(b"{"):
                raise LogFileError(
                    "not a wsinspector log (.jsonl) or a HAR file: it does not start with"
                    " a JSON object"
                )
            with collector_paused():
                contents = read_har(data)
            log = ImportedLog(
                contents.ids,
                contents.entries,
                path=name,
                format=LogFormat.HAR,
                source=contents.source,
                connections=contents.connections,
            )
    if progress is not None:
        progress(size, size)
    return log
