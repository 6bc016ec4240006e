"""The cyclic garbage collector, kept off what the app loaded as it started.

A full collection walks every object the collector tracks. Once the window's modules are
imported that is about 70,000 functions, classes, dicts and descriptors, and the walk took
45 ms each time, the longest stall of the event loop in a flood (issue 20: a full collection
every few hundred thousand messages). They live as long as the process: frozen (gc.freeze)
the collector leaves them out, and a full collection with a window open takes about 1 ms
plus what the logs hold. Frozen objects are still freed once nothing refers to them; only a
reference cycle among them would be kept.
"""

from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Collect what starting left behind, then keep everything still there out of every
    later collection. Once, after the imports and before the window is built (whatever the
    window holds may become garbage when a tab closes)."""
    gc.collect()
    gc.freeze()
