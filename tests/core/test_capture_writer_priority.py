"""The capture's writer thread runs below the event loop (writer.WRITER_NICENESS): in a flood on
two cores it would otherwise take a core's share from the window and the server, while what
it has queued can wait (issue 20's 16 KiB flood: 0.37-0.67 of a bare client recording, 0.85-1.07
with the writer niced)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from wsinspector.core.storage.capture.writer import WRITER_NICENESS, Writer


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="threads have their own nice on Linux"
)
def test_the_writer_thread_runs_below_the_loop(tmp_path: Path) -> None:
    writer = Writer(str(tmp_path / "capture.sqlite"))
    try:
        assert writer.sync(5.0)  # the thread has started and set its priority
        thread_id = writer._thread.native_id
        assert thread_id is not None
        loop_nice = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, thread_id) == min(19, loop_nice + WRITER_NICENESS)
        assert loop_nice == os.getpriority(os.PRIO_PROCESS, 0)  # the caller's own is unchanged
    finally:
        writer.stop(5.0)
