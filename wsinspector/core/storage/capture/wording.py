"""The History's words: recorded sessions, their search, and what became of the capture.

Next to the capture they describe; the words for the events inside a session are the log's
(log/wording.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from wsinspector.core.log.events import CloseEvent, Direction
from wsinspector.core.log.wording import RECEIVED_ARROW, SENT_ARROW, close_words, direction_words
from wsinspector.core.text.formatting import format_time, human_size

# -- the capture ----------


def recording_end_words(close: CloseEvent | None, error: str) -> str:
    """How a recorded session ended, for the History: the close, else the error, else why not."""
    if error and (close is None or close.code == 1006):
        return f"Failed: {error}"
    if close is not None:
        return close_words(close)
    return "Ended without a close frame"


def capture_set_aside_words(path: str, problem: str, aside: str) -> str:
    """The capture database could not be used and a new one was started."""
    return (
        f"The capture database {path} can't be used: {problem}. It was set aside as {aside},"
        " and a new one was started."
    )


def capture_problem_words(write_error: str) -> str:
    """The capture failing to write (disk full, file damaged), for the History ("" if not)."""
    if not write_error:
        return ""
    return f"Recordings are not being saved: {write_error}."


def retention_words(by_age: int, by_size: int, max_age_days: float, max_bytes: int) -> str:
    """What retention removed from the capture, for the History ("" when nothing)."""
    parts = []
    if by_age:
        days = f"{max_age_days:g} day" + ("" if max_age_days == 1 else "s")
        parts.append(f"{by_age:,} session{'s' if by_age != 1 else ''} older than {days}")
    if by_size:
        parts.append(
            f"the {by_size:,} oldest session{'s' if by_size != 1 else ''}"
            f" to keep the capture under {human_size(max_bytes)}"
        )
    return ("Removed " + " and ".join(parts) + ".") if parts else ""


# -- recorded sessions ----------


def session_title(profile: str, uri: str) -> str:
    """What a recorded session is called in the History: its profile, else its URI."""
    return profile or uri or "(no URI)"


def session_length_words(seconds: float) -> str:
    """How long a recorded session lasted: "850 ms", "42 s", "3 min 5 s", "2 h 4 min"."""
    if seconds < 1:
        return f"{max(seconds, 0) * 1000:.0f} ms"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def session_duration_words(started: float, ended: float | None) -> str:
    """The Duration column: the length, or that it has no end (yet)."""
    return "—" if ended is None else session_length_words(ended - started)


def session_counts_words(messages_in: int, messages_out: int) -> str:
    """Messages each way, as the log's arrows show them: "↓ 1,204 ↑ 3"."""
    return f"{RECEIVED_ARROW} {messages_in:,} {SENT_ARROW} {messages_out:,}"


def session_end_summary(ended: float | None, end_words: str, recording: bool = True) -> str:
    """How a recorded session ended; one without an end is still being recorded, or was cut
    short (the recording process was killed before it could write the end)."""
    if ended is None:
        return "Recording…" if recording else "Cut short: the recording process stopped"
    return end_words or "Ended"


def session_start_words(started: float) -> str:
    """The Started column: local time of day (the day is the group it is listed under)."""
    return datetime.fromtimestamp(started).strftime("%H:%M:%S")


def day_words(day: date, today: date) -> str:
    """A day group of the History: "Today", "Yesterday", or the date ("Mon 23 Nov 2026")."""
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return day.strftime("%a %d %b %Y")


def session_summary(
    *,
    profile: str,
    uri: str,
    started: float,
    ended: float | None,
    messages_in: int,
    messages_out: int,
    bytes_in: int,
    bytes_out: int,
    end_words: str,
    recording: bool = True,
) -> str:
    """A recorded session in a few lines, for a tooltip: what, when, how much, how it ended."""
    when = datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M:%S")
    lines = [session_title(profile, uri)]
    if profile and uri:
        lines.append(uri)
    lines.append(f"Started {when} · {session_duration_words(started, ended)}")
    lines.append(
        f"{RECEIVED_ARROW} {messages_in:,} received ({human_size(bytes_in)})"
        f" · {SENT_ARROW} {messages_out:,} sent ({human_size(bytes_out)})"
    )
    lines.append(session_end_summary(ended, end_words, recording))
    return "\n".join(lines)


def search_hit_direction(incoming: bool) -> str:
    """The Direction column of a search match."""
    return direction_words(Direction.IN if incoming else Direction.OUT)


def search_hit_time(wall: float) -> str:
    """When a matching message was recorded: date and time to the millisecond."""
    moment = datetime.fromtimestamp(wall)
    return f"{moment:%Y-%m-%d} {format_time(wall)}"


def search_status_words(count: int, limit: int, text: str, *, searching: bool) -> str:
    """The line under the search box."""
    if searching:
        return f"Searching for “{text}”…"
    if count == 0:
        return f"No recorded text message contains “{text}”."
    more = f" (the first {limit:,} shown)" if count >= limit else ""
    plural = "es" if count != 1 else ""
    return f"{count:,} match{plural}{more}"


def delete_session_question(title: str, started: float) -> str:
    when = datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M:%S")
    return f"Delete the recorded session {title} of {when}? This can't be undone."


def clear_history_question(count: int) -> str:
    plural = "s" if count != 1 else ""
    return (
        f"Delete all {count:,} recorded session{plural}? Sessions being recorded now are kept."
        " This can't be undone."
    )


def session_gone_words(session_id: int) -> str:
    return f"The recorded session {session_id} is no longer in the capture (deleted or trimmed)."
