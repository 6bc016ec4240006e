"""The event records a session writes for a handshake and a close, built from websockets' objects.

Kept apart from session.py so that the session says when something happened and this module
says how it reads in the log; neither holds state.
"""

from __future__ import annotations

import time

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from wsinspector.core.log.events import CloseEvent, HandshakeEvent
from wsinspector.core.websocket.errors import status_line
from wsinspector.core.websocket.frametap import FrameTap


def accepted_handshake(conn: int, websocket: ClientConnection) -> HandshakeEvent:
    """The 101 that opened `websocket`, with the request as websockets sent it."""
    request, response = websocket.request, websocket.response
    assert request is not None and response is not None
    return HandshakeEvent(
        conn,
        time.time(),
        time.monotonic(),
        request_line=f"GET {request.path} HTTP/1.1",
        request_headers=tuple(request.headers.raw_items()),
        status_line=status_line(response.status_code, response.reason_phrase),
        response_headers=tuple(response.headers.raw_items()),
        body=bytes(response.body),
        accepted=True,
        status_code=response.status_code,
        subprotocol=websocket.subprotocol,
        extensions=response.headers.get("Sec-WebSocket-Extensions", ""),
    )


def failed_handshake(conn: int, tap: FrameTap, exc: Exception) -> HandshakeEvent | None:
    """The request the tap saw go out and whatever answer `exc` carries; None when the
    attempt failed before a request was sent (refused, DNS, TLS)."""
    if not tap.request_line:
        return None
    if isinstance(exc, InvalidStatus):
        response = exc.response
        status, headers = (
            status_line(response.status_code, response.reason_phrase),
            tuple(response.headers.raw_items()),
        )
        body, code = bytes(response.body or b""), response.status_code
    else:
        status, headers, body, code = "", (), b"", None
    return HandshakeEvent(
        conn,
        time.time(),
        time.monotonic(),
        request_line=tap.request_line,
        request_headers=tuple(tap.request_headers),
        status_line=status,
        response_headers=headers,
        body=body,
        accepted=False,
        status_code=code,
    )


def close_event(
    conn: int, closed: ConnectionClosed | None, *, us: str = "client", peer: str = "server"
) -> CloseEvent:
    """Who closed, with which frames each way; clean only when both were exchanged. `us` and
    `peer` name the two ends as the log says them (a server page is the "server" end);
    `closed` None is a connection that ended without a close frame either way (1006)."""
    rcvd = closed.rcvd if closed is not None else None
    sent = closed.sent if closed is not None else None
    rcvd_then_sent = closed.rcvd_then_sent if closed is not None else None
    if rcvd_then_sent is not None:
        initiator = peer if rcvd_then_sent else us
    elif rcvd is not None:
        initiator = peer
    elif sent is not None:
        initiator = us
    else:
        initiator = ""
    frame = rcvd or sent
    return CloseEvent(
        conn,
        time.time(),
        time.monotonic(),
        code=frame.code if frame is not None else 1006,
        reason=frame.reason if frame is not None else "",
        initiator=initiator,
        clean=rcvd is not None and sent is not None,
        sent_code=sent.code if sent else None,
        sent_reason=sent.reason if sent else "",
        received_code=rcvd.code if rcvd else None,
        received_reason=rcvd.reason if rcvd else "",
    )
