"""Exceptions from connecting and talking, said in words a WebSocket developer expects."""

from __future__ import annotations

import socket
import ssl
from http import HTTPStatus

from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    SecurityError,
)

from wsinspector.core.events import close_code_name


def status_line(status_code: int, reason_phrase: str) -> str:
    if not reason_phrase:
        try:
            reason_phrase = HTTPStatus(status_code).phrase
        except ValueError:
            reason_phrase = ""
    return f"HTTP/1.1 {status_code} {reason_phrase}".rstrip()


def describe_close(closed: ConnectionClosed) -> str:
    frame = closed.rcvd or closed.sent
    if frame is None:
        return "connection lost without a close frame (1006 abnormal closure)"
    who = "server" if frame is closed.rcvd else "client"
    reason = f": {frame.reason}" if frame.reason else ""
    return f"closed by {who} with {frame.code} ({close_code_name(frame.code)}){reason}"


def describe_error(exc: BaseException) -> str:
    """One sentence for the status line and the log."""
    if isinstance(exc, InvalidStatus):
        response = exc.response
        return "server rejected the WebSocket handshake: " + status_line(
            response.status_code, response.reason_phrase
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message or exc.reason}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: nothing listens on that host and port"
    if isinstance(exc, socket.gaierror):
        return f"host name not found ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return str(exc) or "timed out"
    if isinstance(exc, ConnectionClosed):
        return describe_close(exc)
    if isinstance(exc, InvalidMessage):
        cause = exc.__cause__
        if isinstance(cause, EOFError):
            return "the server closed the connection before answering the handshake"
        detail = f" ({cause})" if cause else ""
        return f"the server's answer is not a valid HTTP response{detail}"
    if isinstance(exc, InvalidURI | SecurityError | InvalidHandshake):
        return str(exc)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
