"""Pausing Python's cyclic garbage collector around bulk work on acyclic objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector while hundreds of thousands of acyclic objects are built: its full
    passes over them would cost more than the work itself (the callers create no reference cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Whatever the work allocated would sit in the youngest generation and be traversed by the
            # next young and middle collections, right away.
            # Moved to the oldest generation instead (freeze and unfreeze only splice lists): it is
            # looked at again only when a full collection comes due, as for any long-lived object.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
