"""The store's errors."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be used for a run."""


class StoreUnusable(StoreError):
    """The published database file exists but cannot be opened or migrated."""
