"""HAR 1.2 files with WebSocket messages, as Chrome DevTools writes and reads them.

One entry per connection: the opening handshake as an HTTP request and response, and the
messages in Chrome's `_webSocketMessages` extension ({"type": "send" | "receive", "time":
seconds since the epoch, "opcode": 1 (text) | 2 (binary, data in base64), "data": ...}).
Reading accepts the HAR files of Chrome DevTools, HTTP Toolkit and wsinspector; other entries
(plain HTTP requests) are skipped. Writing is here; reading in har_read.py.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Final
from urllib.parse import parse_qsl, urlsplit

import orjson

from wsinspector import __version__
from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    Event,
    HandshakeEvent,
    Headers,
    StateEvent,
)
from wsinspector.core.storage.logfiles.common import (
    BATCH,
    EntryLog,
    redact_event,
    redact_uri,
)

CREATOR: Final = "wsinspector"
# The creator names of the HAR writers people will bring, as the importer reports them.
SOURCE_NAMES: Final = {"WebInspector": "Chrome DevTools", "HTTP Toolkit": "HTTP Toolkit"}

OPCODE_TEXT: Final = 1
OPCODE_BINARY: Final = 2
OPCODE_CLOSE: Final = 8
OPCODE_PING: Final = 9
OPCODE_PONG: Final = 10


def iso_utc(wall: float) -> str:
    """HAR's startedDateTime: ISO 8601 in UTC with milliseconds, as Chrome writes it."""
    moment = datetime.fromtimestamp(wall, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- writing ----------


@dataclass(slots=True)
class _Connection:
    number: int
    first_wall: float
    first_mono: float
    connecting: StateEvent | None = None
    handshake: HandshakeEvent | None = None
    close: CloseEvent | None = None
    messages: list[Entry] = field(default_factory=list)

    @property
    def uri(self) -> str:
        if self.connecting is not None and self.connecting.uri:
            return self.connecting.uri
        handshake = self.handshake
        if handshake is None:
            return ""
        host = _header(handshake.request_headers, "host")
        target = _request_parts(handshake.request_line)[1]
        return f"ws://{host}{target}" if host else ""


def _header(headers: Headers, name: str) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value
    return ""


def _request_parts(line: str) -> tuple[str, str, str]:
    """'GET /path HTTP/1.1' → ('GET', '/path', 'HTTP/1.1')."""
    parts = line.split(" ")
    if len(parts) >= 3:
        return parts[0], " ".join(parts[1:-1]), parts[-1]
    if len(parts) == 2:
        return parts[0], parts[1], "HTTP/1.1"
    return "GET", "/", "HTTP/1.1"


def _status_parts(line: str) -> tuple[str, str]:
    """'HTTP/1.1 101 Switching Protocols' → ('HTTP/1.1', 'Switching Protocols')."""
    parts = line.split(" ", 2)
    return parts[0], parts[2] if len(parts) == 3 else ""


def _har_headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _content(body: bytes, mime: str) -> dict[str, object]:
    content: dict[str, object] = {"size": len(body), "mimeType": mime or "x-unknown"}
    if body:
        try:
            content["text"] = body.decode()
        except UnicodeDecodeError:
            content["text"] = b64encode(body).decode("ascii")
            content["encoding"] = "base64"
    return content


def _entry_json(connection: _Connection, uri: str, redact: bool) -> dict[str, Any]:
    handshake = connection.handshake
    connecting = connection.connecting
    if redact:
        uri = redact_uri(uri)
        if handshake is not None:
            handshake = redact_event(handshake)  # type: ignore[assignment]
    started = connecting if connecting is not None else None
    start_wall = started.wall if started is not None else connection.first_wall
    wait = 0.0
    if handshake is not None and started is not None:
        wait = round(max(0.0, (handshake.mono - started.mono) * 1000), 3)
    request_headers = handshake.request_headers if handshake is not None else ()
    method, _target, http_version = _request_parts(
        handshake.request_line if handshake is not None else ""
    )
    query = urlsplit(uri).query if uri else ""
    request = {
        "method": method,
        "url": uri,
        "httpVersion": http_version,
        "headers": _har_headers(request_headers),
        "queryString": [{"name": name, "value": value} for name, value in parse_qsl(query, True)],
        "cookies": [],
        "headersSize": -1,
        "bodySize": 0,
    }
    if handshake is not None and handshake.status_line:
        response_version, status_text = _status_parts(handshake.status_line)
        body = handshake.body
        response: dict[str, object] = {
            "status": handshake.status_code or 0,
            "statusText": status_text,
            "httpVersion": response_version,
            "headers": _har_headers(handshake.response_headers),
            "cookies": [],
            "content": _content(body, _header(handshake.response_headers, "content-type")),
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body),
        }
    else:  # no response: how Chrome writes a request that failed
        response = {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "headers": [],
            "cookies": [],
            "content": _content(b"", ""),
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }
    extra: dict[str, object] = {}
    close = connection.close
    # HTTP Toolkit's field; a connection that just went away (no close frame) has none, as
    # there: it reads as aborted.
    if close is not None and close.initiator:
        if redact:
            close = redact_event(close)  # type: ignore[assignment]
        extra["_webSocketClose"] = {
            "code": close.code,
            "reason": close.reason,
            "timestamp": close.wall,
        }
    return {
        "startedDateTime": iso_utc(start_wall),
        "time": wait,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0,
            "wait": wait,
            "receive": 0,
        },
        "_resourceType": "websocket",
        "_connectionNumber": connection.number,
        **extra,
    }


def write_har(
    out: IO[bytes], log: EntryLog, *, redact: bool, exported: str, chunk: int
) -> Iterator[int]:
    """Write `log` as a HAR, yielding the number of events done after each chunk.

    Two passes: one to group events by connection, one to write each connection's messages.
    Control frames, close, error and note events have no place in HAR and are left out.
    """
    del exported  # HAR has no field for it
    ids = log.ids
    entries = log.entries()
    total = len(entries)
    half = total // 2
    connections: dict[int, _Connection] = {}
    for first in range(0, total, chunk):
        for entry in entries[first : first + chunk]:
            if entry.__class__ is tuple:
                conn = entry[0]
                connection = connections.get(conn)
                if connection is None:
                    connection = connections[conn] = _Connection(conn, entry[4], entry[5])
                connection.messages.append(entry)
                continue
            event: Event = entry  # type: ignore[assignment]
            if not event.conn:  # not about any one connection
                continue
            connection = connections.get(event.conn)
            if connection is None:
                connection = connections[event.conn] = _Connection(
                    event.conn, event.wall, event.mono
                )
            if (
                isinstance(event, StateEvent)
                and event.state is ConnState.CONNECTING
                and connection.connecting is None
            ):
                connection.connecting = event
            elif (
                isinstance(event, HandshakeEvent)
                and connection.handshake is None
                and not event.proxy_hop
            ):
                connection.handshake = event
            elif isinstance(event, CloseEvent) and connection.close is None:
                connection.close = event
        yield min(first + chunk, total) * half // total
    del ids
    # A connection whose start was dropped (a log keeps its newest events) gets the URI
    # of the connection before or after it: reconnects of one tab go to one place.
    known = [c.uri for c in connections.values() if c.uri]
    dumps = orjson.dumps
    out.write(
        b'{"log":{"version":"1.2","creator":'
        + dumps({"name": CREATOR, "version": __version__})
        + b',"pages":[],"entries":['
    )
    messages_total = sum(len(c.messages) for c in connections.values()) or 1
    written = 0
    for position, connection in enumerate(connections.values()):
        uri = connection.uri or (known[0] if known else "")
        head = dumps(_entry_json(connection, uri, redact))
        out.write((b"," if position else b"") + head[:-1] + b',"_webSocketMessages":[')
        messages = connection.messages
        for first in range(0, len(messages), chunk):
            last = min(first + chunk, len(messages))
            for start in range(first, last, BATCH):
                part = _message_json(messages[start : min(start + BATCH, last)])
                out.write(b"," + part if start else part)
            written += last - first
            yield half + written * (total - half) // messages_total
        out.write(b"]}")
    out.write(b"]}}\n")
    yield total


def _message_json(messages: Sequence[Entry]) -> bytes:
    """Chrome's _webSocketMessages items for these messages, comma-separated."""
    items: list[dict[str, object]] = []
    append = items.append
    for _conn, incoming, text, data, wall, _mono in messages:  # type: ignore[misc]
        kind = "receive" if incoming else "send"
        if not text:
            append(
                {"type": kind, "time": wall, "opcode": 2, "data": b64encode(data).decode("ascii")}
            )
            continue
        try:
            append({"type": kind, "time": wall, "opcode": 1, "data": data.decode()})
        except UnicodeDecodeError:
            # Not UTF-8 (a browser would have failed the connection): the text as a browser
            # would show it, and the exact bytes in a field of our own.
            append(
                {
                    "type": kind,
                    "time": wall,
                    "opcode": 1,
                    "data": data.decode("utf-8", "replace"),
                    "_dataBase64": b64encode(data).decode("ascii"),
                }
            )
    # One dumps() for the lot: much faster than one per message.
    return orjson.dumps(items)[1:-1]
