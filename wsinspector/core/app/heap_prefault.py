"""The heap's new pages made resident by a thread of their own, before the GUI thread
touches them.

Why. The log keeps every message it receives. A kept 16 KiB message is four pages nobody has
touched yet, and the kernel finds, zeroes and maps each at its first touch: 2.2-2.5 µs a page
on the 2-core VM of issue 20, 9-10 µs a message, on the GUI thread in the middle of its read
(a bare client keeps nothing and reuses its pages). Asked with madvise(MADV_POPULATE_WRITE),
Linux 5.14, the kernel does that work for a whole range at once (1.4-1.7 µs a page), on the
thread that asks.

How. Python's objects of more than 512 bytes come from glibc's malloc, on the GUI (main)
thread from its main arena, which grows the heap with brk. M_TOP_PAD makes each growth
TOP_PAD bytes more than malloc needs; the thread sees the heap's end move and populates what
was added while malloc still hands out what came before. Populating writes nothing (the pages
read as the zeroes they would have been), so malloc's bookkeeping is untouched.

Setting M_TOP_PAD also stops glibc raising its mmap threshold by itself as big blocks are
freed (up to 32 MiB), which is what let a 256 KiB socket read or the capture writer's 1 MiB
chunk reuse freed heap instead of being mapped afresh, and faulted, each time (the writer
took 6-9 faults a message without it). The threshold is set with the padding, to where glibc
would have raised it, and the trim threshold with it, to twice that, as glibc raises both:
left at its 128 KiB, every free that left more than the padding at the heap's top gave the
rest back to the kernel, and the next read took it back, faulted (about 20,000 brk calls in a
Qt child's seven 16 KiB floods, 300 with it; a bare client's process caught in that churn,
without the padding, made 42,000 and 1.4 million page faults in six floods and read at half
its rate). A log freed whole is still given back, beyond 64 MiB.

Where any of it is missing (not Linux and glibc, a kernel before 5.14), nothing is changed.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
import threading
from typing import Final

from wsinspector.core.app.background import give_way_to_the_loop

# glibc's mallopt parameters (malloc.h), Linux's madvise advice (mman.h), prctl option.
_M_TRIM_THRESHOLD: Final = -1
_M_TOP_PAD: Final = -2
_M_MMAP_THRESHOLD: Final = -3
_MADV_POPULATE_WRITE: Final = 23
_PR_SET_NAME: Final = 15

TOP_PAD: Final = 16 << 20
MMAP_THRESHOLD: Final = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD: Final = 2 * MMAP_THRESHOLD  # where glibc's free() puts it with the above
# One madvise call populates at most this much (about 0.8 ms of the kernel's work). The call
# holds the address space's lock (shared), which a brk or mmap of the GUI thread waits for.
# Between calls the thread needs the GIL back, and a niced thread waits for it: at 256 KiB a
# call it fell behind the flood (first windows 42k-53k msg/s, against 60k-71k at 2 MiB).
STEP: Final = 2 << 20
# How soon the thread looks again at the heap's end: soon after it moved (a flood of 16 KiB
# messages fills TOP_PAD in about 20 ms), less and less often while it stays.
FIRST_WAIT_S: Final = 0.001
LONGEST_WAIT_S: Final = 0.1
THREAD_NAME: Final = "heap-prefault"
# Below the event loop, as the capture's writer: on two cores busy with a flood, the loop
# waited for the thread's populating (lag p99 31 ms in one of three Node floods of 100 B).
# What the thread then can't do ahead, the GUI thread's first touch does, as without it.
NICENESS: Final = 10
_PAGE: Final = mmap.PAGESIZE


def _page_start(address: int) -> int:
    return address - address % _PAGE


class Libc:
    """The glibc calls, typed; load() is None where the C library isn't glibc on Linux."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._sbrk = library.sbrk
        self._sbrk.restype = ctypes.c_void_p
        self._sbrk.argtypes = [ctypes.c_ssize_t]
        self._madvise = library.madvise
        self._madvise.restype = ctypes.c_int
        self._madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        self._mallopt = library.mallopt
        self._mallopt.restype = ctypes.c_int
        self._mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        self._prctl = library.prctl
        self._prctl.restype = ctypes.c_int
        self._prctl.argtypes = [ctypes.c_int, ctypes.c_char_p]

    @staticmethod
    def load() -> Libc | None:
        if not sys.platform.startswith("linux"):
            return None
        try:
            library = ctypes.CDLL(None, use_errno=True)
            library.gnu_get_libc_version  # noqa: B018 (glibc only: musl has no M_TOP_PAD)
            return Libc(library)
        except (OSError, AttributeError):
            return None

    def heap_end(self) -> int:
        """The program break: where the main arena's heap ends."""
        return int(self._sbrk(0) or 0)

    def populate(self, start: int, length: int) -> bool:
        return int(self._madvise(start, length, _MADV_POPULATE_WRITE)) == 0

    def pad_the_heap(self) -> None:
        self._mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        self._mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        self._mallopt(_M_TOP_PAD, TOP_PAD)

    def name_this_thread(self, name: str) -> None:
        """The name `ps -L` and /proc/<pid>/task/<tid>/comm show (15 bytes at most)."""
        self._prctl(_PR_SET_NAME, name.encode()[:15])


class HeapPrefaulter:
    """The process's one prefaulting thread: HeapPrefaulter.start() starts it (or returns the
    running one); stop() ends it, and the padding stays."""

    _running: HeapPrefaulter | None = None

    def __init__(self, libc: Libc) -> None:
        self._libc = libc
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self.populated_bytes = 0

    @classmethod
    def start(cls) -> HeapPrefaulter | None:
        """The running prefaulter, or None where this system can't have one."""
        if cls._running is not None:
            return cls._running
        libc = Libc.load()
        if libc is None:
            return None
        end = _page_start(libc.heap_end())
        # The kernel's answer for the heap's last page says whether it knows the advice.
        if end < _PAGE or not libc.populate(end - _PAGE, _PAGE):
            return None
        libc.pad_the_heap()
        prefaulter = cls(libc)
        prefaulter._thread.start()
        cls._running = prefaulter
        return prefaulter

    @property
    def native_id(self) -> int | None:
        """The thread's id in the kernel (None until it runs)."""
        return self._thread.native_id

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        if HeapPrefaulter._running is self:
            HeapPrefaulter._running = None

    def _run(self) -> None:
        libc = self._libc
        libc.name_this_thread(THREAD_NAME)
        give_way_to_the_loop(NICENESS)
        done = _page_start(libc.heap_end())
        wait = FIRST_WAIT_S
        while not self._stopping.wait(wait):
            end = libc.heap_end()
            if end <= done:
                done = _page_start(end)  # still, or trimmed: nothing new to populate
                wait = min(wait * 2, LONGEST_WAIT_S)
                continue
            wait = FIRST_WAIT_S
            while done < end and not self._stopping.is_set():
                length = min(STEP, end - done)
                if not libc.populate(done, length):
                    done = end  # trimmed meanwhile: the next turn starts from the new end
                    break
                done += length
                self.populated_bytes += length
