"""Sending a file: refused in words before anything goes out, or streamed from the disk.

The server is websockets' own on the test's loop, reading each message fragment by fragment
(`recv_streaming`), so that neither end holds the whole file and tracemalloc (which sees every
thread of the process) measures the client's reading.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.asyncwait import run, until
from helpers.sessions import of_type, open_session
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from wsinspector.core.log.events import ErrorEvent, MessageEvent, NoteEvent
from wsinspector.core.websocket.file_source import (
    CHUNK_SIZE,
    READ_WHOLE_LIMIT,
    FileRefused,
    SendCancelled,
    check_file,
)
from wsinspector.core.websocket.session import Session

MIB = 1024 * 1024


@dataclass
class Received:
    """What the server got: one entry per message, its digest, size and fragment count."""

    messages: list[tuple[str, int, int]] = field(default_factory=list)
    close_code: int | None = None


@asynccontextmanager
async def hashing_server() -> AsyncIterator[tuple[str, Received]]:
    received = Received()

    async def handler(ws: ServerConnection) -> None:
        try:
            while True:
                digest, size, fragments = hashlib.sha256(), 0, 0
                async for fragment in ws.recv_streaming(decode=False):
                    digest.update(fragment)
                    size += len(fragment)
                    fragments += 1
                received.messages.append((digest.hexdigest(), size, fragments))
        except ConnectionClosed as closed:
            received.close_code = closed.rcvd.code if closed.rcvd else 1006

    async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/", received


def write_file(path: Path, size: int) -> str:
    """A file of `size` pseudo-random bytes (incompressible); its SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as file:
        left = size
        while left:
            part = block[: min(left, MIB)]
            file.write(part)
            digest.update(part)
            left -= len(part)
    return digest.hexdigest()


def test_a_large_file_is_streamed_intact_without_being_read_whole(tmp_path: Path) -> None:
    size = 24 * MIB + 123  # not a whole number of chunks
    path = tmp_path / "big.bin"
    sha = write_file(path, size)

    async def body() -> tuple[Session, Received, int]:
        async with hashing_server() as (uri, received):
            session = await open_session(uri, max_message_size=32 * MIB)
            file = check_file(path, session.options.max_message_size)
            assert file.streamed
            tracemalloc.start()
            try:
                await session.send_file(file)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            await until(lambda: received.messages)
            await session.close()
            return session, received, peak

    session, received, peak = run(body, timeout=40)
    ((got_sha, got_size, fragments),) = received.messages
    assert (got_sha, got_size) == (sha, size)
    # The file was never in memory whole: a few chunks at most, nowhere near 24 MiB.
    assert peak < 4 * MIB, f"peak {peak:,} bytes while streaming {size:,}"
    assert fragments == -(-size // CHUNK_SIZE) + 1  # one per chunk, then an empty final one
    # The log holds no copy of the bytes, and says so; it names what went, with its digest.
    assert not [e for e in of_type(session.log, MessageEvent) if len(e.data) > MIB]
    notes = [e.text for e in of_type(session.log, NoteEvent)]
    assert any("big.bin" in n and "the log keeps none of its bytes" in n for n in notes), notes
    assert any(f"{size:,} bytes" in n and sha in n for n in notes), notes


def test_a_small_file_is_one_frame_logged_with_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "small.bin"
    path.write_bytes(b"\x00\x01hello")

    async def body() -> tuple[Session, Received]:
        async with hashing_server() as (uri, received):
            session = await open_session(uri)
            await session.send_file(check_file(path, session.options.max_message_size))
            await until(lambda: received.messages)
            await session.close()
            return session, received

    session, received = run(body)
    assert received.messages == [(hashlib.sha256(b"\x00\x01hello").hexdigest(), 7, 1)]
    (sent,) = of_type(session.log, MessageEvent)
    assert sent.data == b"\x00\x01hello" and not sent.text


def test_cancel_stops_the_stream_and_closes_with_1011(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    write_file(path, 8 * MIB)

    async def body() -> tuple[Session, Received, int]:
        async with hashing_server() as (uri, received):
            session = await open_session(uri)
            file = check_file(path, None)
            task = asyncio.ensure_future(session.send_file(file))
            await until(lambda: file.sent >= 4 * CHUNK_SIZE)
            file.cancel()
            with pytest.raises(SendCancelled):
                await task
            await until(lambda: received.close_code is not None)
            sent = file.sent
            await session.close()
            return session, received, sent

    session, received, sent = run(body)
    assert received.messages == []  # the server never got a whole message
    assert received.close_code == 1011
    errors = [e.message for e in of_type(session.log, ErrorEvent)]
    assert any(f"cut off after {sent:,} of {8 * MIB:,} bytes" in m for m in errors), errors
    assert any("stopped by the user" in m and "1011" in m for m in errors), errors


# -- refused before anything is sent --------------------------------------------------------


def test_a_file_over_the_limit_is_refused_with_both_sizes(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(FileRefused) as refused:
        check_file(path, 2047)
    assert str(refused.value) == (
        f"Not sent: {path} is 2.0 KiB (2,048 bytes), larger than the message size limit "
        "of 2.0 KiB (2,047 bytes)"
    )
    assert check_file(path, 2048).size == 2048
    assert check_file(path, None).size == 2048  # no limit


@pytest.mark.parametrize("kind", ["folder", "vanished", "fifo", "no permission"])
def test_an_unreadable_file_is_refused_in_words(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thing"
    expected = {
        "folder": "it is a folder",
        "vanished": "it does not exist (any more)",
        "fifo": "it is not a regular file",
        "no permission": "permission denied",
    }[kind]
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "no permission":
        if os.geteuid() == 0:
            pytest.skip("root reads any file")
        path.write_bytes(b"secret")
        path.chmod(0)
    with pytest.raises(FileRefused) as refused:
        check_file(path, None)
    assert str(refused.value) == f"Not sent: can't read {path}: {expected}"


def test_reading_is_bounded_by_the_size_checked(tmp_path: Path) -> None:
    """A file that grows after the check can't take the message past the limit."""
    path = tmp_path / "growing.bin"
    path.write_bytes(b"a" * (READ_WHOLE_LIMIT + 10))
    file = check_file(path, READ_WHOLE_LIMIT + 10)
    with path.open("ab") as grow:
        grow.write(b"b" * CHUNK_SIZE)

    async def body() -> bytes:
        return b"".join([chunk async for chunk in file.chunks()])

    data = run(body)
    assert data == b"a" * (READ_WHOLE_LIMIT + 10)
    assert file.sha256 == hashlib.sha256(data).hexdigest()
