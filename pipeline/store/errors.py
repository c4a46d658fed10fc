"""The store's errors: DuckDB's own never leave the store, its public entry points raise StoreError instead."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import duckdb

C = TypeVar("C", bound=type)
# Besides the public methods: what `with` and construction run.
_WRAPPED_DUNDERS = frozenset({"__init__", "__enter__", "__exit__"})


class StoreError(Exception):
    """The database cannot be used (DuckDB refused a file or a statement; the message is DuckDB's own)."""


class StoreUnusable(StoreError):
    """The published database file exists but cannot be opened or migrated."""


def raises_store_errors(cls: C) -> C:
    """Wrap every public method of `cls` (and its construction and `with`) so that a `duckdb.Error` leaves
    it as a StoreError; generator methods are wrapped while they are iterated."""
    for name, attr in list(vars(cls).items()):
        if name.startswith("_") and name not in _WRAPPED_DUNDERS:
            continue
        if isinstance(attr, (classmethod, staticmethod)):
            setattr(cls, name, type(attr)(_translating(attr.__func__)))
        elif inspect.isfunction(attr):
            setattr(cls, name, _translating(attr))
    return cls


def _translating(func: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from func(*args, **kwargs)
            except duckdb.Error as exc:
                raise StoreError(str(exc)) from exc

        return generator

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except duckdb.Error as exc:
            raise StoreError(str(exc)) from exc

    return call
