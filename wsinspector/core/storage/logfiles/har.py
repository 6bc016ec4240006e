"""HAR 1.2 files with WebSocket messages, as Chrome DevTools writes and reads them.

One entry per connection: the opening handshake as an HTTP request and response, and the
messages in Chrome's `_webSocketMessages` extension ({"type": "send" | "receive", "time":
seconds since the epoch, "opcode": 1 (text) | 2 (binary, data in base64), "data": ...}).
Reading accepts the HAR files of Chrome DevTools, HTTP Toolkit and wsinspector; other entries
(plain HTTP requests) are skipped.
"""

from __future__ import annotations

import binascii
import math
from base64 import b64decode, b64encode
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Final
from urllib.parse import parse_qsl, urlsplit

import orjson

from wsinspector import __version__
from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import (
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    Event,
    HandshakeEvent,
    Headers,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.storage.logfiles.common import (
    BATCH,
    EntryLog,
    LogFileError,
    json_kind,
    redact_event,
    redact_uri,
    wall_out_of_range,
)
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode

CREATOR: Final = "wsinspector"
# The creator names of the HAR writers people will bring, as the importer reports them.
SOURCE_NAMES: Final = {"WebInspector": "Chrome DevTools", "HTTP Toolkit": "HTTP Toolkit"}

OPCODE_TEXT: Final = 1
OPCODE_BINARY: Final = 2
OPCODE_CLOSE: Final = 8
OPCODE_PING: Final = 9
OPCODE_PONG: Final = 10

# Before 1973 as epoch seconds: a message time that small counts from some other zero
# (a monotonic clock), and is placed after the handshake instead.
_EPOCH_PLAUSIBLE: Final = 1e8


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
            elif isinstance(event, HandshakeEvent) and connection.handshake is None:
                connection.handshake = event
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


# -- reading ----------


class _Bad(Exception):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


_KIND_NAMES: Final[dict[type, str]] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a whole number",
}


def _field(obj: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...]) -> Any:
    """obj[key], which must be of `kind` (bool is no number here); _Bad names its JSON path."""
    where = f"{path}.{key}" if path else key
    if key not in obj:
        raise _Bad(where, "missing")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        wanted = "a number" if isinstance(kind, tuple) else _KIND_NAMES[kind]
        raise _Bad(where, f"expected {wanted}, found {json_kind(value)}")
    return value


def _optional(
    obj: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any
) -> Any:
    if obj.get(key) is None:
        return default
    return _field(obj, key, path, kind)


def _read_headers(obj: Mapping[str, Any], path: str) -> Headers:
    items = _optional(obj, "headers", path, list, [])
    headers: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        where = f"{path}.headers[{index}]"
        if not isinstance(item, dict):
            raise _Bad(where, f"expected an object, found {json_kind(item)}")
        headers.append((_field(item, "name", where, str), _field(item, "value", where, str)))
    return tuple(headers)


def _read_time(text: str, path: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(path, f"not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _is_websocket(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    if entry.get("_resourceType") == "websocket" or "_webSocketMessages" in entry:
        return True
    request = entry.get("request")
    url = request.get("url") if isinstance(request, dict) else None
    return isinstance(url, str) and url.lower().startswith(("ws://", "wss://"))


def _header_values(headers: Headers, name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


def _decode(text: str, path: str) -> bytes:
    try:
        return b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Bad(path, "not valid base64") from None


def _entry_events(entry: Mapping[str, Any], conn: int, path: str) -> list[Entry]:
    request = _field(entry, "request", path, dict)
    request_path = f"{path}.request"
    url = _field(request, "url", request_path, str)
    method = _optional(request, "method", request_path, str, "GET")
    http_version = _optional(request, "httpVersion", request_path, str, "") or "HTTP/1.1"
    request_headers = _read_headers(request, request_path)
    started = _read_time(_field(entry, "startedDateTime", path, str), f"{path}.startedDateTime")
    elapsed = _optional(entry, "time", path, (int, float), 0)
    # Rounded to the microsecond: 1709630102.514 + 0.08753 should not read 1709630102.6015298.
    opened = (
        round(started + max(0.0, float(elapsed)) / 1000, 6) if math.isfinite(elapsed) else started
    )
    for wall, name in ((started, "startedDateTime"), (opened, "time")):
        problem = wall_out_of_range(wall)
        if problem is not None:
            raise _Bad(f"{path}.{name}", f"expected {problem}")

    response = _optional(entry, "response", path, dict, {})
    response_path = f"{path}.response"
    status = _optional(response, "status", response_path, int, 0)
    status_text = _optional(response, "statusText", response_path, str, "")
    response_version = _optional(response, "httpVersion", response_path, str, "") or http_version
    response_headers = _read_headers(response, response_path) if response else ()
    accepted = status == 101 or (
        status == 200 and response_version.lower() in ("http/2.0", "h2", "http/2")
    )
    body = b""
    content = _optional(response, "content", response_path, dict, {})
    if content and not accepted:
        content_path = f"{response_path}.content"
        text = _optional(content, "text", content_path, str, "")
        if _optional(content, "encoding", content_path, str, "") == "base64":
            body = _decode(text, f"{content_path}.text")
        else:
            body = text.encode()

    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    events: list[Entry] = [StateEvent(conn, started, started, ConnState.CONNECTING, uri=url)]
    events.append(
        HandshakeEvent(
            conn,
            opened,
            opened,
            f"{method} {target} {http_version}",
            request_headers,
            f"{response_version} {status} {status_text}".rstrip() if status else "",
            response_headers,
            body,
            accepted,
            status or None,
            next(iter(_header_values(response_headers, "sec-websocket-protocol")), None),
            ", ".join(_header_values(response_headers, "sec-websocket-extensions")),
        )
    )
    if accepted:
        events.append(StateEvent(conn, opened, opened, ConnState.OPEN))
    messages = _optional(entry, "_webSocketMessages", path, list, [])
    first_time: float | None = None
    for index, message in enumerate(messages):
        where = f"{path}._webSocketMessages[{index}]"
        if not isinstance(message, dict):
            raise _Bad(where, f"expected an object, found {json_kind(message)}")
        kind = _field(message, "type", where, str)
        if kind not in ("send", "receive"):
            raise _Bad(f"{where}.type", f'expected "send" or "receive", found {kind!r}')
        incoming = kind == "receive"
        when = float(_field(message, "time", where, (int, float)))
        if not math.isfinite(when):
            raise _Bad(f"{where}.time", "not a finite number")
        if when < _EPOCH_PLAUSIBLE:
            if first_time is None:
                first_time = when
            when = opened + (when - first_time)
        problem = wall_out_of_range(when)
        if problem is not None:
            raise _Bad(f"{where}.time", f"expected {problem}")
        opcode = _field(message, "opcode", where, int)
        data = _optional(message, "data", where, str, "")
        if opcode == OPCODE_TEXT:
            exact = message.get("_dataBase64")
            payload = (
                _decode(exact, f"{where}._dataBase64") if isinstance(exact, str) else data.encode()
            )
            events.append((conn, incoming, True, payload, when, when))
        elif opcode == OPCODE_BINARY:
            events.append((conn, incoming, False, _decode(data, f"{where}.data"), when, when))
        elif opcode in (OPCODE_PING, OPCODE_PONG):
            control = ControlKind.PING if opcode == OPCODE_PING else ControlKind.PONG
            direction = Direction.IN if incoming else Direction.OUT
            events.append(ControlEvent(conn, when, when, direction, control, data.encode()))
        elif opcode == OPCODE_CLOSE:
            words = f"close frame {'received' if incoming else 'sent'}"
            events.append(NoteEvent(conn, when, when, f"{words}: {data}" if data else words))
        else:
            raise _Bad(
                f"{where}.opcode",
                f"expected 1 (text), 2 (binary), 8 (close), 9 (ping) or 10 (pong), found {opcode}",
            )
    return events


@dataclass(frozen=True, slots=True)
class HarContents:
    source: str
    ids: list[int]
    entries: list[Entry]
    connections: dict[int, ConnectionOptions]


def read_har(data: bytes) -> HarContents:
    """The WebSocket connections of a HAR file as events; LogFileError names the bad field."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise LogFileError(f"not a HAR file: not valid JSON ({exc})") from None
    try:
        if not isinstance(document, dict):
            raise _Bad("(top level)", f"expected an object, found {json_kind(document)}")
        log = _field(document, "log", "", dict)
        har_entries = _field(log, "entries", "log", list)
        creator = log.get("creator")
        name = creator.get("name") if isinstance(creator, dict) else None
        version = creator.get("version") if isinstance(creator, dict) else None
        if name in SOURCE_NAMES:
            source = SOURCE_NAMES[name]
        elif isinstance(name, str) and name:
            source = f"{name} {version}" if isinstance(version, str) and version else name
        else:
            source = "HAR"
        websockets = [
            (index, entry) for index, entry in enumerate(har_entries) if _is_websocket(entry)
        ]
        if not websockets:
            raise LogFileError(
                "this HAR file has no WebSocket connections (no entry with"
                " _webSocketMessages or a ws:// or wss:// URL)"
            )
        numbers = [entry.get("_connectionNumber") for _index, entry in websockets]
        if not (
            all(type(number) is int and number > 0 for number in numbers)
            and len(set(numbers)) == len(numbers)
        ):
            numbers = list(range(1, len(websockets) + 1))
        events: list[Entry] = []
        connections: dict[int, ConnectionOptions] = {}
        for number, (index, entry) in zip(numbers, websockets, strict=True):
            path = f"log.entries[{index}]"
            events += _entry_events(entry, number, path)
            connections[number] = connection_options(entry)
    except _Bad as exc:
        raise LogFileError(str(exc)) from None
    # Connections may overlap in time (a page with two sockets): one timeline, in order.
    events.sort(key=_wall)
    return HarContents(source, list(range(1, len(events) + 1)), events, connections)


def _wall(entry: Entry) -> float:
    if isinstance(entry, tuple):
        return entry[4]
    return entry.wall


# -- connecting again ----------

# Headers websockets writes itself, from the options or on its own.
_SET_BY_CLIENT: Final = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "origin",
        "user-agent",
        "content-length",
    }
)


def options_from_handshake(uri: str, headers: Headers) -> ConnectionOptions:
    """Options that send the same request again: `uri` and the request headers it carried.

    Headers websockets writes itself are left out, or become the option that writes them:
    Sec-WebSocket-Protocol the subprotocols, Origin the origin, User-Agent a custom user
    agent, Sec-WebSocket-Extensions whether to offer compression.
    """
    extra = tuple(
        (name, value)
        for name, value in headers
        if name.lower() not in _SET_BY_CLIENT and not name.startswith(":")
    )
    subprotocols = tuple(
        token.strip()
        for value in _header_values(headers, "sec-websocket-protocol")
        for token in value.split(",")
        if token.strip()
    )
    origins = _header_values(headers, "origin")
    agents = _header_values(headers, "user-agent")
    extensions = _header_values(headers, "sec-websocket-extensions")
    compression = (
        any("permessage-deflate" in value.lower() for value in extensions)
        if extensions or headers
        else True
    )
    return ConnectionOptions(
        uri=uri,
        origin=origins[0] if origins else "",
        subprotocols=subprotocols,
        headers=extra,
        user_agent_mode=UserAgentMode.CUSTOM if agents else UserAgentMode.DEFAULT,
        user_agent=agents[0] if agents else "",
        compression=compression,
    )


def connection_options(entry: Mapping[str, Any]) -> ConnectionOptions:
    """The options to open a HAR entry's WebSocket connection again (see options_from_handshake).

    Raises LogFileError when the entry has no request with a URL.
    """
    try:
        request = _field(entry, "request", "entry", dict)
        url = _field(request, "url", "entry.request", str)
        headers = _read_headers(request, "entry.request")
    except _Bad as exc:
        raise LogFileError(str(exc)) from None
    return options_from_handshake(url, headers)
