"""A file to send as one binary message: checked before anything is sent, then read in chunks.

`check_file` refuses, in words, a file that can't be sent: one that does not exist (any more),
a folder, something that is not a regular file (a FIFO would block, a device never ends), one
that can't be opened for reading, or one larger than the user's message size limit (the
page's `maxMessageSizeSpin`: the user's own limit for messages, applied to what is sent too).

`FileSend` then reads it. A small file (up to `READ_WHOLE_LIMIT`) is read at once and sent as
an ordinary single-frame message, logged with its bytes like any other. A larger one is
streamed: `chunks()` is an async generator that reads `CHUNK_SIZE` bytes at a time in a worker
thread (the event loop, and so the window, never waits on the disk), and websockets sends each
chunk as a frame of one fragmented message, waiting for the socket to drain between them. At
most a few chunks are in memory at any time, whatever the file's size.

`FileSend.cancel()` stops a stream at the next chunk by raising `SendCancelled` from the
generator. RFC 6455 has no way to withdraw a message half sent, so websockets then fails the
connection (1011); ending the message early instead would hand the server a shorter message
as if it were whole, which is worse.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from wsinspector.core.app.errors import UserError
from wsinspector.core.websocket.file_wording import file_refused_words, file_unreadable_words

CHUNK_SIZE = 64 * 1024
# Up to this size a file is read whole and logged with its bytes, as a typed message is.
READ_WHOLE_LIMIT = 1024 * 1024


class FileRefused(UserError, ValueError):
    """The file can't be sent; the message says which and why, in words for the user;
    `reason` is the why alone."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class SendCancelled(UserError):
    """The user stopped a file being streamed (an Exception: websockets fails the
    connection for it, as it must for any message it can't finish). `sent` is how many
    bytes went out before."""

    def __init__(self, sent: int) -> None:
        super().__init__("Stopped: the file was not sent whole; see the log")
        self.sent = sent


def check_file(path: str | os.PathLike[str], limit: int | None) -> FileSend:
    """A FileSend for `path`, or FileRefused saying why it can't be sent at `limit` bytes."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise _unreadable(path, _reason(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise _unreadable(path, "it is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise _unreadable(path, "it is not a regular file")
    if limit is not None and info.st_size > limit:
        raise FileRefused(file_refused_words(str(path), info.st_size, limit))
    try:
        # Opened once now, so that no permission is found missing half way.
        with path.open("rb"):
            pass
    except OSError as exc:
        raise _unreadable(path, _reason(exc)) from exc
    return FileSend(path, info.st_size)


def _unreadable(path: Path, reason: str) -> FileRefused:
    return FileRefused(file_unreadable_words(str(path), reason), reason)


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "it does not exist (any more)"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder"
    return exc.strerror or str(exc)


@dataclass
class FileSend:
    """One file being sent. `size` is the size checked: no more than that is ever read, so
    a file growing meanwhile can't take the message over the limit.

    `sent` counts the bytes handed to the connection so far, `frames` the data frames, and
    `sha256` is the digest of exactly those bytes once the stream has ended.
    """

    path: Path
    size: int
    sent: int = 0
    frames: int = 0
    sha256: str = ""
    _cancelled: bool = field(default=False, repr=False)

    @property
    def streamed(self) -> bool:
        """Sent as a fragmented message from the file rather than read whole."""
        return self.size > READ_WHOLE_LIMIT

    @property
    def name(self) -> str:
        return self.path.name

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    async def read_all(self) -> bytes:
        """The whole file (a small one), read in a worker thread, at most `size` bytes."""
        data = await asyncio.to_thread(self._read_head)
        self.sent, self.frames = len(data), 1
        return data

    def _read_head(self) -> bytes:
        try:
            with self.path.open("rb") as file:
                return file.read(self.size)
        except OSError as exc:
            raise _unreadable(self.path, _reason(exc)) from exc

    async def chunks(self) -> AsyncGenerator[bytes]:
        """The file's bytes, CHUNK_SIZE at a time, each read in a worker thread.

        Raises FileRefused when reading fails half way (the file vanished from a network
        share, a disk error) and SendCancelled after cancel().
        """
        digest = hashlib.sha256()
        try:
            file: BinaryIO = await asyncio.to_thread(self.path.open, "rb")
        except OSError as exc:
            raise _unreadable(self.path, _reason(exc)) from exc
        try:
            while self.sent < self.size:
                if self._cancelled:
                    raise SendCancelled(self.sent)
                want = min(CHUNK_SIZE, self.size - self.sent)
                try:
                    chunk = await asyncio.to_thread(_read_and_hash, file, want, digest)
                except OSError as exc:
                    raise _unreadable(self.path, _reason(exc)) from exc
                if not chunk:
                    break  # the file shrank since it was checked: send what there is
                yield chunk
                self.sent += len(chunk)
                self.frames += 1
        finally:
            self.sha256 = digest.hexdigest()
            await asyncio.to_thread(file.close)


def _read_and_hash(file: BinaryIO, size: int, digest: hashlib._Hash) -> bytes:
    chunk = file.read(size)
    digest.update(chunk)
    return chunk
