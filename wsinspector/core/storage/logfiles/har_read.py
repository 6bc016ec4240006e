"""Reading HAR files: the WebSocket connections of Chrome DevTools', HTTP Toolkit's and our own.

Every field is checked before it is used: a file from another tool is untrusted input, and
LogFileError names the JSON path of whatever is wrong. The format is described in har.py.
"""

from __future__ import annotations

import binascii
import math
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

import orjson

from wsinspector.core.log.eventlog import Entry
from wsinspector.core.log.events import (
    CloseEvent,
    ConnState,
    ControlEvent,
    ControlKind,
    Direction,
    ErrorEvent,
    HandshakeEvent,
    Headers,
    NoteEvent,
    StateEvent,
)
from wsinspector.core.storage.logfiles.common import LogFileError, json_kind, wall_out_of_range
from wsinspector.core.storage.logfiles.har import (
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    SOURCE_NAMES,
)
from wsinspector.core.websocket.options import ConnectionOptions, UserAgentMode
from wsinspector.core.websocket.validation import suggest_uri

# Before 1973 as epoch seconds: a message time that small counts from some other zero
# (a monotonic clock), and is placed after the handshake instead.
_EPOCH_PLAUSIBLE: Final = 1e8

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
    messages = _optional(entry, "_webSocketMessages", path, list, [])
    # Our files give `time` as the handshake's duration; DevTools', mitmproxy's and pcap2har's
    # as the whole connection's. A handshake that would come after the first message is one
    # of theirs: it is put at the entry's start.
    first_message = _first_epoch_time(messages)
    if first_message is not None and opened > first_message:
        opened = started

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
    first_time: float | None = None
    for index, message in enumerate(messages):
        where = f"{path}._webSocketMessages[{index}]"
        if not isinstance(message, dict):
            raise _Bad(where, f"expected an object, found {json_kind(message)}")
        kind = _field(message, "type", where, str)
        if kind not in ("send", "receive", "error"):
            raise _Bad(
                f"{where}.type", f'expected "send" or "receive" (or "error"), found {kind!r}'
            )
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
        data = _optional(message, "data", where, str, "")
        if kind == "error":  # DevTools writes a frame error so, with opcode -1
            detail = data or "the HAR file gives no detail"
            events.append(ErrorEvent(conn, when, when, "WebSocket frame error", detail))
            continue
        opcode = _field(message, "opcode", where, int)
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
    close = _optional(entry, "_webSocketClose", path, dict, None)
    if close is not None:
        events += _close_events(close, conn, f"{path}._webSocketClose", opened, first_time)
    return events


def _first_epoch_time(messages: list[Any]) -> float | None:
    """The time of the first message that gives one in seconds since the epoch, if any."""
    for message in messages:
        when = message.get("time") if isinstance(message, dict) else None
        if isinstance(when, bool) or not isinstance(when, int | float):
            continue
        if math.isfinite(when) and when >= _EPOCH_PLAUSIBLE:
            return float(when)
    return None


def _close_events(
    close: Mapping[str, Any], conn: int, path: str, opened: float, first_time: float | None
) -> list[Entry]:
    """HTTP Toolkit's `_webSocketClose` ({code, reason, timestamp}): the close and its state."""
    code = _optional(close, "code", path, int, 1005)
    reason = _optional(close, "reason", path, str, "")
    when = float(_optional(close, "timestamp", path, (int, float), opened))
    if not math.isfinite(when):
        raise _Bad(f"{path}.timestamp", "not a finite number")
    if when < _EPOCH_PLAUSIBLE:  # counted as the messages' times are
        when = opened + (when - (first_time if first_time is not None else 0.0))
    problem = wall_out_of_range(when)
    if problem is not None:
        raise _Bad(f"{path}.timestamp", f"expected {problem}")
    clean = code in (1000, 1001)
    return [
        CloseEvent(conn, when, when, code, reason, "", clean),
        StateEvent(conn, when, when, ConnState.CLOSED),
    ]


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
        if isinstance(name, str) and name in SOURCE_NAMES:
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
        # mitmproxy and pcap2har give the handshake's http:// or https:// URL.
        uri=suggest_uri(uri) or uri,
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
