"""A raw TCP server on 127.0.0.1 that plays exact bytes: the hostile servers of issue 11.

Each accepted connection reads the client's request (up to the blank line), then runs a
script: a sequence of steps, each one `send()` call or one socket action, so a test says
exactly which bytes arrive in which TCP write and how the connection ends.

* ``Write(data)``: one ``sendall``; ``data`` may be a function of the request's
  Sec-WebSocket-Key (see ``upgrade()``), so the 101 carries a valid accept value.
* ``Sent()``: wait until the client's kernel acknowledged everything written (the send queue
  is empty): what follows happens after the bytes have left.
* ``Heard()``: wait until the client sent something after its request (an on-connect
  message): what follows arrives once the client reads the open connection.
* ``Pause(seconds)``: a slow server.
* ``Reset()``: close with SO_LINGER 0, which sends a TCP RST.
* ``Close()``: close normally (FIN).
* ``Hold()``: keep the connection open, reading and ignoring everything but a close frame:
  once the client's close frame (or its EOF) arrives, close the TCP connection as a server
  does. A script that ends without Reset/Close holds too.
* ``Deaf()``: keep the connection open and ignore everything, the close frame and the
  client's half-close included, until the server stops.

The server runs its sockets in daemon threads (blocking calls, no event loop), so the client
under test can use any loop. ``received`` keeps what each connection read after its request.
"""

from __future__ import annotations

import contextlib
import fcntl
import socket
import struct
import termios
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from websockets.utils import accept_key

__all__ = [
    "Close",
    "Deaf",
    "Heard",
    "Hold",
    "Pause",
    "Reset",
    "ScriptedServer",
    "Sent",
    "Step",
    "Write",
    "frame",
    "upgrade",
]

HOST = "127.0.0.1"
_REQUEST_LIMIT = 64 * 1024

Payload = bytes | Callable[[str], bytes]


@dataclass(frozen=True)
class Write:
    data: Payload


@dataclass(frozen=True)
class Sent:
    timeout: float = 5.0


@dataclass(frozen=True)
class Heard:
    timeout: float = 5.0


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Reset:
    pass


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class Hold:
    pass


@dataclass(frozen=True)
class Deaf:
    pass


Step = Write | Sent | Heard | Pause | Reset | Close | Hold | Deaf
Script = Sequence[Step] | Callable[[int, bytes], Sequence[Step]]


def upgrade(extra: bytes = b"", status: bytes = b"HTTP/1.1 101 Switching Protocols") -> Payload:
    """A valid 101 answer for the request's key, with `extra` header lines (each ending CRLF)."""

    def build(key: str) -> bytes:
        return (
            status + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n" + extra + b"\r\n"
        )

    return build


def frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = None,
    length: int | None = None,
) -> bytes:
    """One frame as a server writes it (unmasked unless `mask`); `length` may lie."""
    size = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mask_bit = 0x80 if mask is not None else 0
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 2**16:
        head += bytes([mask_bit | 126]) + struct.pack("!H", size)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", size)
    if mask is not None:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


class Deflater:
    """A server's side of permessage-deflate (RFC 7692): each message compressed and its
    0x00 0x00 0xff 0xff trailer dropped, with one compressor across messages (context
    takeover) or a new one for each."""

    def __init__(self, keep_context: bool = True) -> None:
        self.keep_context = keep_context
        self._compressor = zlib.compressobj(wbits=-15)

    def compress(self, data: bytes) -> bytes:
        if not self.keep_context:
            self._compressor = zlib.compressobj(wbits=-15)
        out = self._compressor.compress(data) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(b"\x00\x00\xff\xff")
        return out[:-4]

    def message(self, opcode: int, data: bytes) -> bytes:
        """One compressed message as one frame (RSV1 set)."""
        return frame(opcode, self.compress(data), rsv=4)


def deflated(data: bytes) -> bytes:
    """`data` as one permessage-deflate message on its own (no context takeover)."""
    return Deflater(keep_context=False).compress(data)


def request_key(request: bytes) -> str:
    for line in request.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            return value.strip()
    return ""


@dataclass
class _Conn:
    sock: socket.socket
    request: bytes = b""
    received: bytearray = field(default_factory=bytearray)
    done: threading.Event = field(default_factory=threading.Event)


class ScriptedServer:
    """Plays `script` on every connection (a function of (index, request) picks per connection)."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.connections: list[_Conn] = []
        self.errors: list[BaseException] = []

    @property
    def port(self) -> int:
        assert self._listener is not None, "not started"
        return int(self._listener.getsockname()[1])

    def url(self, path: str = "/") -> str:
        return f"ws://{HOST}:{self.port}{path}"

    @property
    def accepted(self) -> int:
        with self._lock:
            return len(self.connections)

    def start(self) -> ScriptedServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(16)
        listener.settimeout(0.05)
        self._listener = listener
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stop.set()
        # Wake the threads' blocking calls at once rather than at their next poll.
        with self._lock:
            sockets = [conn.sock for conn in self.connections]
        for sock in [self._listener, *sockets]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5.0)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for conn in self.connections:
                conn.sock.close()
        if self.errors:
            raise self.errors[0]

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="scripted-server")
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                conn = _Conn(sock)
                index = len(self.connections)
                self.connections.append(conn)
            self._spawn(self._serve, conn, index)

    def _serve(self, conn: _Conn, index: int) -> None:
        sock = conn.sock
        try:
            sock.settimeout(0.05)
            request = self._read_request(sock)
            conn.request = request
            script = self._script(index, request) if callable(self._script) else self._script
            key = request_key(request)
            for step in script:
                if self._stop.is_set():
                    return
                if isinstance(step, Write):
                    data = step.data(key) if callable(step.data) else step.data
                    sock.settimeout(5.0)
                    sock.sendall(data)
                    sock.settimeout(0.05)
                elif isinstance(step, Sent):
                    self._wait_sent(sock, step.timeout)
                elif isinstance(step, Heard):
                    self._wait_heard(conn, step.timeout)
                elif isinstance(step, Pause):
                    self._stop.wait(step.seconds)
                elif isinstance(step, Reset):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
                    return
                elif isinstance(step, Close):
                    sock.close()
                    return
                else:
                    self._hold(conn, deaf=isinstance(step, Deaf))
                    return
            self._hold(conn, deaf=False)
        except (ConnectionError, TimeoutError):
            pass  # the client went away first: part of the game
        except BaseException as exc:  # reported by stop()
            self.errors.append(exc)
        finally:
            conn.done.set()

    def _read_request(self, sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < _REQUEST_LIMIT:
            if self._stop.is_set():
                return data
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                return data
            data += chunk
        return data

    def _wait_sent(self, sock: socket.socket, timeout: float) -> None:
        # SIOCOUTQ (= TIOCOUTQ on Linux): bytes not yet acknowledged by the peer.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stop.is_set():
            pending = struct.unpack("i", fcntl.ioctl(sock, termios.TIOCOUTQ, b"\0" * 4))[0]
            if pending == 0:
                return
            time.sleep(0.001)
        raise TimeoutError("the client did not take the bytes")

    def _wait_heard(self, conn: _Conn, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not conn.received:
            if time.monotonic() > deadline:
                raise TimeoutError("the client sent nothing")
            try:
                chunk = conn.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("the client closed first")
            conn.received += chunk

    def _hold(self, conn: _Conn, *, deaf: bool) -> None:
        while not self._stop.is_set():
            try:
                chunk = conn.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if chunk:
                conn.received += chunk
            # A real server answers the client's close frame by closing the TCP connection.
            if deaf:
                if not chunk:
                    self._stop.wait()  # the client half-closed: still hold our side open
                    return
                continue
            if not chunk or _has_close_frame(conn.received):
                conn.sock.close()
                return


def _has_close_frame(data: bytes | bytearray) -> bool:
    """Whether the client's frames in `data` (after its request) include a close frame."""
    offset = 0
    while offset + 2 <= len(data):
        opcode, length = data[offset] & 0x0F, data[offset + 1] & 0x7F
        header = 2
        if length == 126:
            if offset + 4 > len(data):
                return False
            length = struct.unpack_from("!H", data, offset + 2)[0]
            header = 4
        elif length == 127:
            if offset + 10 > len(data):
                return False
            length = struct.unpack_from("!Q", data, offset + 2)[0]
            header = 10
        if opcode == 0x8:
            return True
        offset += header + 4 + length  # client frames are masked: 4 bytes of mask
    return False
