"""The DuckDB store: the run's single writer (`Store`) and its lock; read-only queries live in `reader`.

The writer's names are loaded on first use (PEP 562): a worker process that only stages parses or reads
Arrow (`staging`, `arrowio`) then never imports DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pyevents.pipeline.store.lock import StoreLocked

if TYPE_CHECKING:
    from pyevents.pipeline.store.errors import StoreError, StoreUnusable
    from pyevents.pipeline.store.events import RunCounts
    from pyevents.pipeline.store.sources import ConfiguredSource
    from pyevents.pipeline.store.writer import Store

__all__ = ["ConfiguredSource", "RunCounts", "Store", "StoreError", "StoreLocked", "StoreUnusable"]
_LAZY = {
    "ConfiguredSource": "sources", "RunCounts": "events", "Store": "writer", "StoreError": "errors",
    "StoreUnusable": "errors",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
