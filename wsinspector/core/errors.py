"""Exceptions from connecting and talking, said in words a WebSocket developer expects."""

from __future__ import annotations

import re
import socket
import ssl
from http import HTTPStatus

from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    PayloadTooBig,
    SecurityError,
)

from wsinspector.core.events import ErrorKind, close_code_name
from wsinspector.core.limits import MessageTooBig


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


# OpenSSL's reasons when the bytes that came back to our ClientHello are not a TLS record: a
# plain HTTP server's "HTTP/1.1 400" (1.1/3.0: WRONG_VERSION_NUMBER; 3.2+: RECORD_LAYER_FAILURE
# or PACKET_LENGTH_TOO_LONG), or something else entirely.
_NOT_TLS_REASONS = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "RECORD_LAYER_FAILURE",
        "PACKET_LENGTH_TOO_LONG",
        "UNKNOWN_PROTOCOL",
        "HTTP_REQUEST",
    }
)
_NOT_TLS_TEXTS = ("wrong version number", "record layer failure", "packet length too long")

# X509_V_ERR_*: certificates a CA file can't fix.
_CERT_NOT_YET_VALID, _CERT_HAS_EXPIRED = 9, 10
_NAME_MISMATCH = frozenset({62, 63, 64})  # HOSTNAME_, EMAIL_, IP_ADDRESS_MISMATCH

TRY_WS = "it looks like the server does not speak TLS; try ws:// instead of wss://"
TRY_WSS = "try wss:// instead of ws://"

# websockets' EOFError when bytes came but no line end: "stream ends after 7 bytes, before …".
_PARTIAL_LINE = re.compile(r"stream ends after (\d+) bytes, before end of line")
# How a TLS server answers bytes that aren't a ClientHello, then hangs up: one alert record
# (5-byte header, level, description).
_TLS_ALERT_SIZE = 7


def _scheme(uri: str) -> str:
    return uri.strip().split("://", 1)[0].lower() if "://" in uri else ""


def _is_not_tls(exc: BaseException) -> bool:
    """Whether the TLS handshake failed because the other end does not speak TLS."""
    if isinstance(exc, ConnectionResetError) and not exc.args:
        # asyncio's TLS layer raises the bare class on an EOF in the middle of the handshake
        # (a real reset carries errno 104): the server read our ClientHello and hung up.
        return True
    if isinstance(exc, ssl.SSLCertVerificationError) or not isinstance(exc, ssl.SSLError):
        return False
    if exc.reason in _NOT_TLS_REASONS:
        return True
    text = str(exc).lower()
    return any(words in text for words in _NOT_TLS_TEXTS)


def _describe_untrusted(exc: ssl.SSLCertVerificationError) -> str:
    message = getattr(exc, "verify_message", None) or exc.reason or str(exc)
    code = getattr(exc, "verify_code", None)
    if code in _NAME_MISMATCH:
        remedy = "connect by a name the certificate is for, or turn verification off"
    elif code in (_CERT_HAS_EXPIRED, _CERT_NOT_YET_VALID):
        remedy = "fix the server's certificate, or turn verification off"
    else:
        remedy = "choose a CA file, or turn verification off"
    return f"TLS certificate not trusted: {message}; {remedy}"


def _describe_invalid_message(exc: InvalidMessage, scheme: str) -> str:
    cause = exc.__cause__
    plain = scheme == "ws"
    if isinstance(cause, EOFError):
        inner = cause.__cause__ or cause.__context__
        partial = _PARTIAL_LINE.search(str(inner)) if isinstance(inner, EOFError) else None
        count = int(partial.group(1)) if partial else 0
        if count:
            text = f"the server sent {count} bytes that are not an HTTP response and closed"
            if not plain:
                return text
            if count == _TLS_ALERT_SIZE:
                return f"{text}; that looks like a TLS alert: {TRY_WSS}"
            return f"{text}; if it expects TLS, {TRY_WSS}"
        text = "the server closed the connection before answering the handshake"
        return f"{text}; if it expects TLS, {TRY_WSS}" if plain else text
    detail = f" ({cause})" if cause else ""
    return f"the server's answer is not a valid HTTP response{detail}"


def _describe_too_big(exc: PayloadTooBig) -> str:
    closed = "; the client closed the connection with 1009 (message too big)"
    if isinstance(exc, MessageTooBig):
        return f"received a {exc}{closed}"
    if exc.size is not None:
        # websockets' bound on one frame (core/limits.py), checked before the payload is read.
        return (
            f"received a frame of {exc.size:,} bytes, more than the {exc.max_size:,} bytes read "
            f"for one frame at this message size limit{closed}"
        )
    return (
        f"received a compressed frame that inflates to more than {exc.max_size:,} bytes, "
        f"the most read for one frame at this message size limit{closed}"
    )


def describe_error(exc: BaseException, *, uri: str = "") -> str:
    """One sentence for the status line and the log, with what to try next where it is clear.

    `uri` is the URI of the attempt: with it, a plain ws:// attempt that a TLS server answered
    (or hung up on) gets the hint to try wss://. Without it, that hint is left out.
    """
    scheme = _scheme(uri)
    if isinstance(exc, InvalidStatus):
        response = exc.response
        text = "server rejected the WebSocket handshake: " + status_line(
            response.status_code, response.reason_phrase
        )
        body = bytes(response.body or b"").lower()
        if response.status_code == 400 and b"https port" in body and scheme != "wss":
            # nginx: "The plain HTTP request was sent to HTTPS port".
            return f"{text}; the body says plain HTTP was sent to an HTTPS port: {TRY_WSS}"
        return text
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _describe_untrusted(exc)
    if _is_not_tls(exc) and scheme != "ws":
        if isinstance(exc, ssl.SSLError):
            return f"TLS error ({exc.reason or exc}): {TRY_WS}"
        return f"the server hung up during the TLS handshake: {TRY_WS}"
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
        return _describe_invalid_message(exc, scheme)
    if isinstance(exc, PayloadTooBig):
        return _describe_too_big(exc)
    if isinstance(exc, InvalidURI | SecurityError | InvalidHandshake):
        return str(exc)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_kind(exc: BaseException) -> ErrorKind:
    """Which remedy the window can offer for `exc` (a CA file, verification off), if any."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ErrorKind.TLS_UNTRUSTED
    return ErrorKind.OTHER
