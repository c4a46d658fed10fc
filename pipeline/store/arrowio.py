"""Moving rows between Python and DuckDB in bulk through Arrow (never row by row).

Arrow types are taken from the DuckDB tables themselves, so a column added to the schema needs no
second declaration here. Instants travel as tz-aware `timestamp('us', 'UTC')`, tags as `list<string>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa


def table_schema(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of some columns of a stored table, instants in UTC."""
    stored = con.sql(f"SELECT {', '.join(columns)} FROM {table} LIMIT 0").to_arrow_table().schema
    return pa.schema([_in_utc(f) for f in stored])


def _in_utc(f: pa.Field) -> pa.Field:
    if pa.types.is_timestamp(f.type) and f.type.tz is not None:
        return f.with_type(pa.timestamp("us", "UTC"))
    return f


def from_objects(objects: Sequence[object], schema: pa.Schema, extra: Mapping[str, Sequence[Any]] = {}) -> pa.Table:
    """An Arrow table whose columns are the objects' attributes of the schema's names (or `extra` columns)."""
    arrays = []
    for f in schema:
        values = extra[f.name] if f.name in extra else [getattr(o, f.name) for o in objects]
        arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def from_dicts(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def query_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts of Python values; instants are aware datetimes in UTC."""
    result = con.sql(sql, params=params or {}).to_arrow_table()
    return result.cast(pa.schema([_in_utc(f) for f in result.schema])).to_pylist()
