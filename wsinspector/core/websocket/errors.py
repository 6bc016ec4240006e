"""Exceptions from connecting and talking, said in words a WebSocket developer expects."""

from __future__ import annotations

import errno
import re
import socket
import ssl
from http import HTTPStatus

from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidHeader,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    NegotiationError,
    PayloadTooBig,
    SecurityError,
)

from wsinspector.core.log.events import ErrorKind, close_code_name
from wsinspector.core.websocket.limits import MessageTooBig


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


# The bytes of a refused handshake response, as received: GuardedConnection attaches them to
# the exception, so the words can quote the line that was refused.
_RESPONSE_HEAD = "wsinspector_response_head"
_QUOTE_CHARS = 80
_LINE_LIMIT = re.compile(r"expected no more than (\d+) bytes")
_HEADER_LIMIT = re.compile(r"expected no more than (\d+) headers")


RESET_WORDS = "the server accepted the TCP connection and reset it at once"
NOT_HTTP = "the server's answer is not a valid HTTP response"


def remember_response_head(exc: BaseException, head: bytes) -> None:
    """Keep the response bytes that `exc` refused with it, for describe_error."""
    setattr(exc, _RESPONSE_HEAD, head)


_RESET = "wsinspector_reset"


def remember_reset(exc: BaseException) -> None:
    """`exc` ended a handshake whose connection the server reset (ECONNRESET)."""
    setattr(exc, _RESET, True)


# OpenSSL's reasons for a server's alert that it wants a client certificate it trusts.
_CERT_WANTED = ("CERTIFICATE_REQUIRED", "BAD_CERTIFICATE", "UNKNOWN_CA", "CERTIFICATE_UNKNOWN")
CLIENT_CERT_HINT = (
    "the server demands a client certificate it trusts: set one in the TLS tab, or check "
    "that the server trusts its issuer"
)
# Python's asyncio TLS server hangs up without its alert when the client sent no certificate
# (TLS 1.3 checks it after the client's handshake is done): the client sees only an EOF.
_SILENT_CERT_HINT = (
    "a server that requires a client certificate hangs up like this when it gets none it "
    "trusts (TLS tab)"
)


def _quote(line: bytes | str) -> str:
    text = line.decode("latin-1") if isinstance(line, bytes) else line
    text = text.rstrip("\r\n")
    if len(text) > _QUOTE_CHARS:
        text = text[:_QUOTE_CHARS] + "…"
    return f"“{text}”"


def _after_colon(text: str, prefix: str) -> str | None:
    return text[len(prefix) :] if text.startswith(prefix) else None


def _refusal_reason(cause: BaseException, head: bytes) -> str | None:
    """Why websockets refused the response, naming the line: None when it is not known."""
    text = str(cause)
    inner = cause.__cause__ or cause.__context__
    lines = head.split(b"\n")
    if isinstance(cause, EOFError) and str(inner) == "line without CRLF":
        bare = next((line for line in lines if line and not line.endswith(b"\r")), b"")
        return f"the line {_quote(bare)} ends with LF alone; HTTP lines end with CRLF"
    if (line := _after_colon(text, "invalid HTTP header line: ")) is not None:
        if line[:1] in (" ", "\t"):
            return (
                f"the header line {_quote(line)} is folded onto the line before it "
                "(obsolete line folding is not allowed)"
            )
        return f"the header line {_quote(line)} has no colon"
    if (line := _after_colon(text, "unsupported protocol; expected HTTP/1.1: ")) is not None:
        if not line.upper().startswith("HTTP/"):
            return f"{NOT_HTTP}: its first line {_quote(line)} is not an HTTP status line"
        return f"the status line {_quote(line)} does not start with “HTTP/1.1”"
    if (line := _after_colon(text, "invalid HTTP status line: ")) is not None:
        return (
            f"the status line {_quote(line)} is not “HTTP/1.1 code reason” "
            "(a space and a reason phrase must follow the code)"
        )
    if match := _HEADER_LIMIT.search(text):
        return f"the response has more than {int(match.group(1)):,} header lines, the most read"
    if match := _LINE_LIMIT.search(text):
        limit = int(match.group(1))
        long = next((line for line in lines if len(line) > limit), b"")
        where = f"the line starting {_quote(long[:40])}" if long else "a line"
        return f"{where} is longer than {limit:,} bytes, the most read for one line"
    return None


def _describe_invalid_message(exc: InvalidMessage, scheme: str) -> str:
    cause = exc.__cause__
    plain = scheme == "ws"
    head: bytes = getattr(exc, _RESPONSE_HEAD, b"")
    reason = _refusal_reason(cause, head) if cause is not None else None
    if reason is not None:
        if reason.startswith(NOT_HTTP):
            return reason
        return f"the server's handshake response was refused: {reason}"
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
        if getattr(exc, _RESET, False):
            text += " (connection reset by peer)"
        if scheme == "wss":
            return f"{text}; {_SILENT_CERT_HINT}"
        return f"{text}; if it expects TLS, {TRY_WSS}" if plain else text
    detail = f" ({cause})" if cause else ""
    return f"the server's answer is not a valid HTTP response{detail}"


def _describe_too_big(exc: PayloadTooBig) -> str:
    closed = "; the client closed the connection with 1009 (message too big)"
    if isinstance(exc, MessageTooBig):
        return f"a received {exc}{closed}"
    if exc.size is not None:
        # websockets' bound on one frame (websocket/limits.py), checked before the payload is read.
        return (
            f"received a frame of {exc.size:,} bytes, more than the {exc.max_size:,} bytes read "
            f"for one frame at this message size limit{closed}"
        )
    return (
        f"received a compressed frame that inflates to more than {exc.max_size:,} bytes, "
        f"the most read for one frame at this message size limit{closed}"
    )


_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.ECONNABORTED})
_UNSUPPORTED_EXTENSION = re.compile(r"^Unsupported extension: name = (.*), params = \[(.*)\]$")
_PARAM = re.compile(r"\('([^']*)', (?:'([^']*)'|None)\)")


def _describe_timeout(exc: TimeoutError) -> str:
    """The open timeout, with the status the server sent if its response began but never
    ended (a rejection whose body never ends): GuardedConnection keeps what had arrived."""
    text = str(exc) or "timed out"
    head = b""
    cause = exc.__cause__  # websockets' TimeoutError ← asyncio's ← the handshake's cancellation
    while cause is not None and not head:
        head = getattr(cause, _RESPONSE_HEAD, b"")
        cause = cause.__cause__
    first = head.split(b"\r\n", 1)[0]
    if not first.upper().startswith(b"HTTP/"):
        return text
    part = "body" if b"\r\n\r\n" in head else "headers"
    return (
        f"the server answered {_quote(first)} but its {part} never ended "
        f"({text}); the handshake was not completed"
    )


def _negotiation_words(exc: NegotiationError | InvalidHeader) -> str:
    """websockets' words about a 101 it can't accept, said in ours."""
    if isinstance(exc, InvalidHeader):
        name = exc.name
        if exc.value is None:
            return f"it has no {name} header"
        if not exc.value:
            return f"its {name} header is empty"
        if name.lower() == "sec-websocket-accept":
            return f"its {name} header {_quote(exc.value)} does not match the key that was sent"
        return f"its {name} header {_quote(exc.value)} is not one the handshake allows"
    text = str(exc)
    if match := _UNSUPPORTED_EXTENSION.match(text):
        params = ", ".join(
            f"{key}={value}" if value else key for key, value in _PARAM.findall(match.group(2))
        )
        with_params = f" with {params}" if params else " without parameters"
        return (
            f"it agrees to the extension “{match.group(1)}”{with_params}, which does not "
            "match the offer (or names it twice)"
        )
    if text == "no extensions supported":
        return "it agrees to an extension, but none was offered"
    if text == "no subprotocols supported":
        return "it chose a subprotocol, but none was offered"
    if subprotocol := _after_colon(text, "unsupported subprotocol: "):
        return f"it chose the subprotocol “{subprotocol}”, which was not offered"
    return text


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
        tls_reason = str(exc.reason or exc)
        if any(wanted in tls_reason.upper() for wanted in _CERT_WANTED):
            return f"TLS error ({tls_reason}): {CLIENT_CERT_HINT}"
        return f"TLS error: {tls_reason}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: nothing listens on that host and port"
    if isinstance(exc, socket.gaierror):
        return f"host name not found ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return _describe_timeout(exc)
    if isinstance(exc, ConnectionClosed):
        return describe_close(exc)
    if isinstance(exc, InvalidMessage):
        return _describe_invalid_message(exc, scheme)
    if isinstance(exc, PayloadTooBig):
        return _describe_too_big(exc)
    if isinstance(exc, SecurityError) and (reason := _refusal_reason(exc, b"")) is not None:
        return f"the server's handshake response was refused: {reason}"
    if isinstance(exc, NegotiationError | InvalidHeader):
        return f"the server's handshake response was refused: {_negotiation_words(exc)}"
    if isinstance(exc, InvalidURI | SecurityError | InvalidHandshake):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in _RESET_ERRNOS:
        # asyncio says "Connect call failed (host, port)" when the reset beats the connect.
        return f"{RESET_WORDS} (connection reset by peer), before any answer"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_kind(exc: BaseException) -> ErrorKind:
    """Which remedy the window can offer for `exc` (a CA file, verification off), if any."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ErrorKind.TLS_UNTRUSTED
    return ErrorKind.OTHER
