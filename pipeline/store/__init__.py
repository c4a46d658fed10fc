"""The DuckDB store: the run's single writer (`Store`) and its lock; read-only queries live in `reader`."""

from pipeline.store.lock import StoreLocked
from pipeline.store.writer import RunCounts, Store, StoreError, StoreUnusable

__all__ = ["RunCounts", "Store", "StoreError", "StoreLocked", "StoreUnusable"]
