"""The cyclic garbage collector: kept off what the app loaded as it started, and run on the
GUI thread only.

Frozen startup. A full collection walks every object the collector tracks. Once the window's
modules are imported that is about 70,000 functions, classes, dicts and descriptors, and the
walk took 45 ms each time, the longest stall of the event loop in a flood (issue 20: a full
collection every few hundred thousand messages). They live as long as the process: frozen
(gc.freeze) the collector leaves them out, and a full collection with a window open takes
about 1 ms plus what the logs hold. Frozen objects are still freed once nothing refers to
them; only a reference cycle among them would be kept.

One thread. Python collects in whichever thread allocates when a generation is due, and the
capture's writer thread allocates. A cycle holding Qt objects collected there deleted them
off the GUI thread: a QObject's disconnect took Qt's lock and then waited for the GIL, while
the GUI thread held the GIL and waited for that lock in QObject::connect (a test window hung
being built, CI 2026-12-07). Automatic collection is off; the GUI thread collects what is due
(`collect_due`, from a timer: qt/window/collecting.py), as CPython's thresholds would.
"""

from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Collect what starting left behind, then keep everything still there out of every
    later collection. Once, after the imports and before the window is built (whatever the
    window holds may become garbage when a tab closes)."""
    gc.collect()
    gc.freeze()


class OneThreadCollector:
    """Automatic collection off while it runs; collect_due() on the one thread that may
    collect does what CPython would have done by itself."""

    def __init__(self) -> None:
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count has passed its threshold; which one
        (None when none is due)."""
        counts = gc.get_count()
        due = None
        for generation, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if threshold and count > threshold:
                due = generation
            else:
                break
        if due is not None:
            gc.collect(due)
        return due

    def stop(self) -> None:
        """Automatic collection back as it was."""
        if self._was_enabled:
            gc.enable()
