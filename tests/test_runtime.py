"""pyevents.runtime: the collector is paused around bulk work (here, or in each task of a worker pool), and what
the work allocated does not fall on the collector's next young passes, yet stays collectable."""

from __future__ import annotations

import gc
import weakref

from pyevents.runtime import no_cyclic_gc, worker_pool


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_collector_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
        with no_cyclic_gc():  # nested: the outer pause stays
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_the_work_allocated_is_not_left_to_the_young_generation() -> None:
    with no_cyclic_gc():
        kept = [[i] for i in range(100_000)]  # 100k tracked objects, far over the young threshold (700)
        young_passes = gc.get_stats()[0]["collections"]
    more = [[i] for i in range(100)]  # left in the young generation, they would trigger a pass over all
    assert gc.get_stats()[0]["collections"] == young_passes
    assert len(kept) == 100_000 and len(more) == 100


def test_a_cycle_made_during_the_pause_is_still_collected() -> None:
    with no_cyclic_gc():
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
    gc.collect()
    assert gone() is None


def test_a_pool_with_the_collector_paused_runs_each_task_inside_the_pause() -> None:
    with worker_pool(1, collector_paused=True) as paused, worker_pool(1) as plain:
        assert paused.submit(gc.isenabled).result() is False
        assert plain.submit(gc.isenabled).result() is True
        assert paused.submit(gc.isenabled).result() is False  # each task, not only the first
