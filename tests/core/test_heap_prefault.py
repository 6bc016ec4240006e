"""The heap prefaulter: the pages the GUI thread's malloc is about to hand out are resident
before it touches them (core/app/heap_prefault.py says why)."""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import subprocess
import sys
import threading
import time

import pytest

from wsinspector.core.app.heap_prefault import NICENESS, TOP_PAD, HeapPrefaulter, Libc

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or Libc.load() is None, reason="glibc's heap on Linux"
)

PAGE = mmap.PAGESIZE


def resident(start: int, end: int) -> tuple[int, int]:
    """Pages of [start, end) in memory, and pages in all (mincore)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    pages = (end - start + PAGE - 1) // PAGE
    vector = (ctypes.c_ubyte * pages)()
    assert libc.mincore(start, end - start, vector) == 0, ctypes.get_errno()
    return sum(byte & 1 for byte in vector), pages


def test_the_heap_s_new_pages_are_resident_before_malloc_hands_them_out() -> None:
    assert threading.current_thread() is threading.main_thread()  # the main arena's heap
    libc = Libc.load()
    assert libc is not None
    prefaulter = HeapPrefaulter.start()
    assert prefaulter is not None, "Linux 5.14 or later has MADV_POPULATE_WRITE"
    try:
        start = libc.heap_end() - libc.heap_end() % PAGE
        # A log's 16 KiB messages, until the heap has grown (what earlier tests freed in this
        # process is used first).
        kept: list[bytes] = []
        while libc.heap_end() - start < 2 * TOP_PAD and len(kept) < 65_536:
            kept.append(b"m" * 16384)
        end = libc.heap_end()
        assert end - start >= 2 * TOP_PAD, "the messages did not come from the heap"
        # What malloc has not handed out yet is at least the padding: resident too, soon.
        deadline = time.monotonic() + 10
        while (found := resident(start, end))[0] < found[1] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert found[0] == found[1], f"{found[1] - found[0]} of {found[1]} pages not resident"
        assert prefaulter.populated_bytes >= TOP_PAD
        # Below the loop, as the capture's writer.
        assert prefaulter.native_id is not None
        loop_nice = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, prefaulter.native_id) == min(
            19, loop_nice + NICENESS
        )
        assert HeapPrefaulter.start() is prefaulter  # one per process
    finally:
        prefaulter.stop()


HEAP_TOP_PROBE = """
import json
from wsinspector.core.app.heap_prefault import HeapPrefaulter, Libc
libc = Libc.load()
prefaulter = HeapPrefaulter.start()
assert libc is not None and prefaulter is not None
ends = {"before": libc.heap_end()}
read = bytearray(8 << 20)  # a read's buffer, at the heap's top: the heap grows for it
ends["grown"] = libc.heap_end()
del read
ends["read_freed"] = libc.heap_end()
log = [bytes(16384) for _ in range(8192)]  # a log of 128 MiB
ends["log_kept"] = libc.heap_end()
del log
ends["log_freed"] = libc.heap_end()
prefaulter.stop()
print(json.dumps(ends))
"""


def test_what_a_read_frees_at_the_heap_s_top_stays_for_the_next_read() -> None:
    # A process of its own: the heap's top is this test's, not what earlier tests left.
    done = subprocess.run(
        [sys.executable, "-c", HEAP_TOP_PROBE], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    ends = json.loads(done.stdout)
    assert ends["grown"] - ends["before"] >= 8 << 20, "the read's buffer came from the heap"
    # glibc's 128 KiB trim threshold gave the 8 MiB back at once (and the next read faulted
    # it in again): the heap's end stays where the read took it.
    assert ends["read_freed"] == ends["grown"]
    # A whole log freed is still given back to the kernel, down to the padding.
    assert ends["log_kept"] - ends["log_freed"] >= 64 << 20
