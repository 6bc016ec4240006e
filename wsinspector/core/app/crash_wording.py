"""The words for an unexpected error (crashlog.py): the window's banner and its details.

`wsinspector record` says the same on stderr (tools/record_wording.py).
"""

from __future__ import annotations


def crash_banner_words(kind: str, message: str, count: int) -> str:
    """The window's banner for an unexpected error: what, and that nothing stopped."""
    text = f"Unexpected error: {kind}: {message}" if message else f"Unexpected error: {kind}"
    if count > 1:
        text += f" ({count} so far)"
    return text + ". wsinspector keeps running."


def crash_log_words(log_path: str) -> str:
    """Where an unexpected error was written ("" when the log file could not be)."""
    if not log_path:
        return "It could not be written to the log file."
    return f"Written to {log_path}"


def crash_details_words(where: str, traceback_text: str, log_path: str) -> str:
    """The banner's Details…: where it happened, the traceback, and where it is kept."""
    return f"In {where}.\n\n{traceback_text.rstrip()}\n\n{crash_log_words(log_path)}"
