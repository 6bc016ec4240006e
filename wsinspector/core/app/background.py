"""Threads that work beside the event loop and should give way to it for the cores."""

from __future__ import annotations

import contextlib
import os
import sys
import threading


def give_way_to_the_loop(niceness: int) -> None:
    """Lower the calling thread's scheduling priority by `niceness` nice steps, where threads
    have their own (Linux); elsewhere nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)
