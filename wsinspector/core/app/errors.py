"""What the user can cause, told apart from what is a bug.

`UserError` is the base of every exception a person can bring about and put right: a file
that can't be read, a profile name that is taken, a message sent while not connected. Its
message is the words shown to them, whole, so that no caller maps classes to sentences by
hand. Anything else that reaches a place meant to tell the user is unexpected: a bug,
reported as one (the crash log and the window's banner), not dressed up as their mistake.

A subclass may keep a second, standard base (ValueError, OSError, …) where callers or
libraries catch that one.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user caused and can put right; `str(error)` is the words for them."""


def unexpected_words(exc: BaseException) -> str:
    """One line for an exception that is not a UserError: its type, so a report can name it."""
    return f"Failed: {type(exc).__name__}: {exc}"


class InputError(UserError, ValueError):
    """What the user typed or chose can't be read (hex digits, JSON, a list of numbers, a
    file name's suffix); a ValueError too, as callers of parsers expect."""
