"""The DuckDB store: the run's single writer (`Store`) and its lock; read-only queries live in `reader`.

The writer's names are loaded on first use (PEP 562): a worker process that only stages parses or reads
Arrow (`staging`, `arrowio`) then never imports DuckDB, nor carries its memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyevents.pipeline.store.lock import StoreLocked

if TYPE_CHECKING:
    from pyevents.pipeline.store.writer import RunCounts, Store, StoreError, StoreUnusable

__all__ = ["RunCounts", "Store", "StoreError", "StoreLocked", "StoreUnusable"]
_WRITER_NAMES = frozenset(__all__) - {"StoreLocked"}


def __getattr__(name: str) -> Any:
    if name in _WRITER_NAMES:
        from pyevents.pipeline.store import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
