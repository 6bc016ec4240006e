"""The words `wsinspector record` prints (record.py): its summary line and unexpected errors."""

from __future__ import annotations

from wsinspector.core.app.crash_wording import crash_log_words
from wsinspector.core.text.formatting import human_size


def record_summary_words(
    *,
    seconds: float,
    messages_in: int,
    messages_out: int,
    bytes_in: int,
    bytes_out: int,
    ended: str,
    session_id: int | None,
    capture: str,
    written: str,
) -> str:
    """The last line of `wsinspector record`: what was recorded, where, and how it ended."""
    parts = [
        f"Recorded {seconds:.1f} s: ↓ {_messages(messages_in)} ({human_size(bytes_in)}),"
        f" ↑ {_messages(messages_out)} ({human_size(bytes_out)}); {ended}"
    ]
    if session_id is not None:
        parts.append(f"session {session_id} in {capture}")
    if written:
        parts.append(written)
    return "; ".join(parts) + "."


def _messages(count: int) -> str:
    return f"{count:,} message" if count == 1 else f"{count:,} messages"


def unanswered_close_words(code: int) -> str:
    """A close of ours that the server never answered with its own close frame."""
    return (
        f"closed without the server's answer to our close ({code}): "
        "the TCP connection was dropped after the close timeout"
    )


def record_crash_words(where: str, kind: str, message: str, log_path: str) -> str:
    """`wsinspector record`'s line on stderr for an unexpected error: it goes on recording."""
    what = f"{kind}: {message}" if message else kind
    return f"wsinspector record: unexpected error in {where}: {what}. {crash_log_words(log_path)}"
