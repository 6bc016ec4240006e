"""freeze_startup: what the app loaded is left out of later collections; what comes after
is collected as before."""

from __future__ import annotations

import gc
import weakref

from wsinspector.core.app.collector import OneThreadCollector, freeze_startup


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_startup_objects_are_frozen_and_later_cycles_still_collected() -> None:
    loaded = _Node()  # "imported at start": tracked by the collector
    before = gc.get_freeze_count()
    try:
        freeze_startup()
        assert gc.get_freeze_count() > before
        assert not any(obj is loaded for obj in gc.get_objects())  # out of every generation
        later_a, later_b = _Node(), _Node()
        later_a.other, later_b.other = later_b, later_a  # a cycle made once running
        gone = weakref.ref(later_a)
        del later_a, later_b
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()  # the test process goes on as before


def test_the_one_thread_collector_collects_what_is_due_and_only_when_asked() -> None:
    enabled = gc.isenabled()  # off already when a GUI test's collector runs in this process
    collector = OneThreadCollector()
    try:
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        young = [_Node() for _ in range(gc.get_threshold()[0] * 2)]  # past gen 0's threshold
        assert gone() is not None  # nothing collected by itself
        assert collector.collect_due() is not None
        assert gone() is None
        del young
    finally:
        collector.stop()
    assert gc.isenabled() == enabled  # as it was
