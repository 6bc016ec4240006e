"""STOMP frames to text and back (STOMP 1.2 and 1.1, "Frames and Headers").

A frame is a command line, header lines, a blank line, the body and a NUL; end-of-lines may
follow (heart-beats, or padding between frames). Header names and values are escaped, except
in CONNECT and CONNECTED (1.2: \\r \\n \\c \\\\; 1.1 has no \\r). The body ends at the
`content-length` when there is one (it may then hold NULs), else at the first NUL.

Over WebSocket a broker may put several frames in one message and, rarely, split one frame
across messages: `split` returns the whole frames and the start of an unfinished one, for
the caller to complete with what arrives next.
"""

from __future__ import annotations

from dataclasses import dataclass

V12 = "1.2"
V11 = "1.1"

CLIENT_COMMANDS = (
    "SEND",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "ACK",
    "NACK",
    "BEGIN",
    "COMMIT",
    "ABORT",
    "DISCONNECT",
)
SERVER_COMMANDS = ("CONNECTED", "MESSAGE", "RECEIPT", "ERROR")
CONNECT_COMMANDS = ("CONNECT", "STOMP")
ALL_COMMANDS = frozenset(CLIENT_COMMANDS + SERVER_COMMANDS + CONNECT_COMMANDS)

_ESCAPES = {"\\": "\\\\", "\r": "\\r", "\n": "\\n", ":": "\\c"}
_UNESCAPES = {"\\": "\\", "r": "\r", "n": "\n", "c": ":"}


class MalformedFrame(ValueError):
    """Text that is not a STOMP frame; the message says where."""


class IncompleteFrame(MalformedFrame):
    """The data ends before the frame does: it may go on in the next message."""


@dataclass(frozen=True, slots=True)
class Frame:
    command: str
    # In order, repeats kept: a repeated header's first value is the one that counts (1.2).
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def to_json(self) -> dict[str, object]:
        """For the log's detail view: the body as text when it is UTF-8, else hex."""
        value: dict[str, object] = {"command": self.command, "headers": dict(self.first())}
        try:
            value["body"] = self.body.decode()
        except UnicodeDecodeError:
            value["body_hex"] = self.body.hex()
        return value

    def first(self) -> list[tuple[str, str]]:
        """The headers that count: each name's first occurrence."""
        seen: dict[str, str] = {}
        for key, value in self.headers:
            seen.setdefault(key, value)
        return list(seen.items())


def _escapes(command: str) -> bool:
    return command not in CONNECT_COMMANDS and command != "CONNECTED"


def escape(text: str, version: str = V12) -> str:
    escaped = "".join(_ESCAPES.get(c, c) for c in text)
    return escaped if version == V12 else escaped.replace("\\r", "\r")


def unescape(text: str, version: str = V12) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        code = next(chars, "")
        if code not in _UNESCAPES or (code == "r" and version != V12):
            raise MalformedFrame(f"undefined escape \\{code} in a header")
        out.append(_UNESCAPES[code])
    return "".join(out)


def encode(frame: Frame, version: str = V12, *, content_length: bool = True) -> bytes:
    """The frame's bytes. A body gets a `content-length` (unless `content_length` is off or
    the frame has one already), so a NUL in it can't end the frame early."""
    lines = [frame.command]
    escaped = _escapes(frame.command)
    names = set()
    for key, value in frame.headers:
        names.add(key)
        if escaped:
            key, value = escape(key, version), escape(value, version)
        elif any(c in key + value for c in "\r\n") or ":" in key:
            raise ValueError(
                f"{frame.command} headers can't hold a line break or a colon in a name"
            )
        lines.append(f"{key}:{value}")
    if frame.body and content_length and "content-length" not in names:
        lines.append(f"content-length:{len(frame.body)}")
    return ("\n".join(lines) + "\n\n").encode() + frame.body + b"\x00"


def is_heartbeat(data: bytes) -> bool:
    """End-of-lines alone: a heart-beat."""
    return bool(data) and not data.strip(b"\r\n")


def parse_all(data: bytes, version: str = V12) -> list[Frame]:
    """Every frame in `data`, in order (end-of-lines between them skipped); IncompleteFrame
    when the last one does not end in `data`."""
    frames, rest = split(data, version)
    if rest:
        _parse_one(rest, 0, version)  # raises IncompleteFrame, saying what is missing
    return frames


def split(data: bytes, version: str = V12) -> tuple[list[Frame], bytes]:
    """The whole frames in `data`, in order (end-of-lines between them skipped), and the
    start of a frame that does not end in `data` (b"" when none); MalformedFrame for what
    can't be a frame however it goes on."""
    frames: list[Frame] = []
    pos = 0
    while True:
        while pos < len(data) and data[pos] in b"\r\n":
            pos += 1
        if pos >= len(data):
            return frames, b""
        try:
            frame, pos = _parse_one(data, pos, version)
        except IncompleteFrame:
            return frames, data[pos:]
        frames.append(frame)


def command_of(data: bytes) -> str:
    """The command an unfinished frame starts with, "" while its first line is not whole."""
    line, newline, _ = data.lstrip(b"\r\n").partition(b"\n")
    return line.removesuffix(b"\r").decode("utf-8", "replace") if newline else ""


def _unfinished_head(head: bytes) -> None:
    """No blank line after the headers yet: IncompleteFrame while `head` can still become a
    frame's command and headers, MalformedFrame once it can't."""
    line, newline, _ = head.partition(b"\n")
    command = line.removesuffix(b"\r").decode("utf-8", "replace")
    if newline and command not in ALL_COMMANDS:
        raise MalformedFrame(f"unknown command {command[:40]!r}")
    if not newline and not any(known.startswith(command) for known in ALL_COMMANDS):
        raise MalformedFrame(f"no blank line after the headers (and no command {command[:40]!r})")
    raise IncompleteFrame("no blank line after the headers")


def _parse_one(data: bytes, pos: int, version: str) -> tuple[Frame, int]:
    head_end = data.find(b"\n\n", pos)
    crlf = data.find(b"\r\n\r\n", pos)
    if crlf != -1 and (head_end == -1 or crlf < head_end):
        head_end, body_start = crlf, crlf + 4
    elif head_end != -1:
        body_start = head_end + 2
    else:
        _unfinished_head(data[pos:])
    try:
        head = data[pos:head_end].decode()
    except UnicodeDecodeError:
        raise MalformedFrame("the command and headers are not UTF-8") from None
    lines = [line.removesuffix("\r") for line in head.split("\n")]
    command = lines[0]
    if command not in ALL_COMMANDS:
        raise MalformedFrame(f"unknown command {command[:40]!r}")
    escaped = _escapes(command)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        key, colon, value = line.partition(":")
        if not colon:
            raise MalformedFrame(f"a header line without a colon: {line[:60]!r}")
        if escaped:
            key, value = unescape(key, version), unescape(value, version)
        headers.append((key, value))
    frame = Frame(command, tuple(headers))
    length_text = frame.header("content-length")
    if length_text:
        if not length_text.isdigit():
            raise MalformedFrame(f"content-length {length_text!r} is not a number")
        end = body_start + int(length_text)
        if end >= len(data):
            raise IncompleteFrame(f"fewer than the {length_text} bytes of content-length")
        if data[end] != 0:
            raise MalformedFrame(f"no NUL after the {length_text} bytes of content-length")
    else:
        end = data.find(b"\x00", body_start)
        if end == -1:
            raise IncompleteFrame("no NUL at the end of the frame")
    return Frame(command, frame.headers, data[body_start:end]), end + 1
