"""Moving rows between Python and DuckDB in bulk through Arrow (never row by row).

Arrow types are taken from the DuckDB tables themselves, so a column added to the schema needs no
second declaration here. Instants travel as tz-aware `timestamp('us', 'UTC')`, tags as `list<string>`.
Conversions are column-wise: one C-level pass per direction, and instants built from integers rather
than through pyarrow's per-value time-zone lookups.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
CHUNK_ROWS = 25_000  # rows per chunk of a table built from objects


def utc(value: dt.datetime) -> dt.datetime:
    """An aware instant in UTC, as the store writes them; a naive one is refused."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store needs aware instants")
    return value.astimezone(dt.UTC)


def table_schema(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of some columns of a stored table, instants in UTC."""
    stored = con.sql(f"SELECT {', '.join(columns)} FROM {table} LIMIT 0").to_arrow_table().schema
    return pa.schema([_in_utc(f) for f in stored])


def _in_utc(f: pa.Field) -> pa.Field:
    if pa.types.is_timestamp(f.type) and f.type.tz is not None:
        return f.with_type(pa.timestamp("us", "UTC"))
    return f


def from_objects(objects: Sequence[object], schema: pa.Schema, extra: Mapping[str, Sequence[Any]] | None = None) -> pa.Table:
    """An Arrow table whose columns are the objects' attributes of the schema's names (or `extra` columns)."""
    extra = extra or {}
    # In chunks: Arrow's builders over-allocate while they grow, and a whole table of long descriptions
    # in one go would briefly need twice its size.
    chunks = [
        _objects_chunk(objects[at : at + CHUNK_ROWS], schema, {k: v[at : at + CHUNK_ROWS] for k, v in extra.items()})
        for at in range(0, len(objects), CHUNK_ROWS)
    ]
    return pa.concat_tables(chunks) if chunks else schema.empty_table()


def _objects_chunk(objects: Sequence[object], schema: pa.Schema, extra: Mapping[str, Sequence[Any]]) -> pa.Table:
    # Column by column: no tuple per object, so building a table never wakes the cyclic collector, each
    # of whose passes would walk every object of the run.
    arrays = [
        pa.array(list(extra[f.name]) if f.name in extra else list(map(operator.attrgetter(f.name), objects)), type=f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def from_dicts(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def query_columns(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """A query's column names and its columns as lists of Python values (instants aware, in UTC)."""
    result = con.sql(sql, params=params or {}).to_arrow_table()
    return result.column_names, [_python_values(column) for column in result.columns]


def query_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts of Python values; instants are aware datetimes in UTC."""
    return table_dicts(con.sql(sql, params=params or {}).to_arrow_table())


def table_dicts(table: pa.Table | pa.RecordBatch) -> list[dict[str, Any]]:
    """The rows of an Arrow table or batch as dicts of Python values, as `query_dicts` gives them."""
    columns = [_python_values(column) for column in table.columns]
    return [dict(zip(table.column_names, row)) for row in zip(*columns)]


def _python_values(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        micros = column.cast(pa.timestamp("us", column.type.tz)).cast(pa.int64()).to_pylist()
        return [None if m is None else _EPOCH + m * _MICROSECOND for m in micros]
    values: list[Any] = column.to_pylist()
    return values


def shared_values(values: list[Any]) -> list[Any]:
    """`values` with equal strings (also inside lists) as one object each; every list stays its own."""
    seen: dict[Any, Any] = {}
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.append([seen.setdefault(item, item) for item in value])
        else:
            out.append(seen.setdefault(value, value))
    return out
