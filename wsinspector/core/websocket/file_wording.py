"""The words for sending a file (file_source.py and the session's streaming of it).

Refusals, the log's notes as a file streams out, and the composer's progress line.
"""

from __future__ import annotations

from wsinspector.core.text.formatting import human_size


def file_unreadable_words(path: str, reason: str) -> str:
    """A file the user chose that can't be sent: which one, and why."""
    return f"Not sent: can't read {path}: {reason}"


def file_refused_words(path: str, size: int, limit: int) -> str:
    """A file larger than the message size limit: both sizes, exactly and for people."""
    return (
        f"Not sent: {path} is {human_size(size)} ({size:,} bytes), larger than the message "
        f"size limit of {human_size(limit)} ({limit:,} bytes)"
    )


def file_streaming_words(name: str, size: int) -> str:
    """The log's note as a large file starts going out as one fragmented message."""
    return (
        f"sending {name} ({human_size(size)}) as one binary message, streamed from the file; "
        "the log keeps none of its bytes"
    )


def file_streamed_words(name: str, sent: int, chunks: int, sha256: str) -> str:
    """The log's note once a streamed file is out: what went, checkable by its digest."""
    return (
        f"sent {name}: {sent:,} bytes in {chunks + 1:,} frames (the last one empty, "
        f"closing the message), SHA-256 {sha256}"
    )


def file_stream_failed_words(name: str, sent: int, size: int, why: str, *, ours: bool) -> str:
    """A streamed file that could not be finished; `ours`: we stopped it, and as a message
    half sent can't be taken back, the connection is closed with 1011."""
    if not sent:
        return f"{name} was not sent: {why}"
    words = f"{name} was cut off after {sent:,} of {size:,} bytes: {why}"
    if ours:
        words += "; a message half sent can't be taken back, so the connection is closed (1011)"
    return words


def file_progress_words(name: str, sent: int, size: int) -> str:
    """The composer's line while a file is streamed: "Sending x.bin: 12.0 of 200.0 MiB"."""
    return f"Sending {name}: {human_size(sent)} of {human_size(size)}"
