"""The database files of a run: a private working copy, swapped into place atomically, and its connection.

`Database.open` takes the run lock, deletes what a killed run left behind, copies the published file to
`.<name>.run-<pid>-<token>.tmp` beside it and migrates the copy's schema. Everything the run writes goes
to the copy; `commit` checkpoints it (no WAL survives), fsyncs and renames it over the published file,
then renames the Parquet exports into place. Readers holding the old file keep their snapshot; a run
killed at any moment leaves the old file whole.

The SQL helpers the store's parts share (transactions, Arrow tables registered for a statement, upserts,
`meta`) live here too, over the one connection.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from pyevents.pipeline.store import schema
from pyevents.pipeline.store.arrowio import table_schema
from pyevents.pipeline.store.errors import StoreError, StoreUnusable
from pyevents.pipeline.store.files import remove_leftovers, replace_durably, temp_path_for
from pyevents.pipeline.store.lock import RunLock
from pyevents.pipeline.store.migration import meta_value, migrate

MEMORY_LIMIT = "250MB"
# DuckDB memory a stored row may take in the writes that cannot spill (the tables' key indexes, the
# joins of an upsert): a store's limit grows past MEMORY_LIMIT with its largest table (benchmarks/SCALE.md).
MEMORY_PER_ROW_BYTES = 1_700
EXPORT_ROW_GROUP_ROWS = 8192  # Parquet row groups of the exports: small enough for both cores to write them


class Database:
    """One run's working copy of the database: its connection, its lock and the files published with it."""

    def __init__(self, db_path: Path, work_path: Path, con: duckdb.DuckDBPyConnection, lock: RunLock) -> None:
        self.db_path = db_path
        self.work_path = work_path
        self._con: duckdb.DuckDBPyConnection | None = con
        self._lock = lock
        self.committed = False
        self._exports: list[tuple[Path, Path]] = []  # (temporary, final) Parquet files, renamed by commit
        self._scratch: list[Path] = []  # files beside the database that live until commit or abort
        self._memory_limit = MEMORY_LIMIT  # what _connect set; fit_memory_limit only raises it

    @classmethod
    def open(cls, db_path: Path) -> Database:
        """Lock, clean up after dead runs, copy the database to a working file and migrate its schema."""
        db_path = Path(db_path)
        lock = RunLock.acquire(db_path.with_name(db_path.name + ".lock"))
        work = temp_path_for(db_path)
        try:
            remove_leftovers(db_path)
            if db_path.exists():
                shutil.copyfile(db_path, work)
                if _wal_of(db_path).exists():  # committed work of some other writer that never checkpointed
                    shutil.copyfile(_wal_of(db_path), _wal_of(work))
            con = _connect(work, db_path)
        except BaseException:
            _discard(work)
            lock.release()
            raise
        return cls(db_path, work, con, lock)

    # -- publishing ----------------------------------------------------------------------------------

    def write_exports(self, export_dir: Path) -> None:
        """Write every exported table to a temporary Parquet file beside its final name; `commit` renames
        them after the database swap, `abort` deletes them. Call after the last change to those tables."""
        export_dir.mkdir(parents=True, exist_ok=True)
        con = self.connection()
        # Row groups written in parallel, in whatever order they finish (a table has no order of its own).
        con.execute("SET preserve_insertion_order = false")
        try:
            for table in schema.EXPORTED:
                final = export_dir / f"{table}.parquet"
                remove_leftovers(final)
                temp = temp_path_for(final)
                self._exports.append((temp, final))
                self.copy_to_parquet(f"SELECT * FROM {table}", temp, EXPORT_ROW_GROUP_ROWS)
        finally:
            con.execute("RESET preserve_insertion_order")

    def commit(self, export_dir: Path | None = None) -> None:
        """Publish the working copy atomically, then the Parquet exports (written now into `export_dir` when
        given, else those of `write_exports`, if any); release the lock."""
        con = self.connection()
        try:
            if export_dir is not None:
                self.write_exports(export_dir)
            con.execute("CHECKPOINT")
            con.close()
            self._con = None
            if _wal_of(self.work_path).exists():
                raise StoreError(f"DuckDB left a WAL beside {self.work_path} after CHECKPOINT; not publishing it")
            # A WAL beside the published file belongs to the file being replaced (it was copied at open).
            _wal_of(self.db_path).unlink(missing_ok=True)
            replace_durably(self.work_path, self.db_path)
        except BaseException:
            self._discard_exports()
            raise
        finally:
            self._discard_scratch()
        self.committed = True
        try:
            for temp, final in self._exports:
                replace_durably(temp, final)
        finally:
            self._exports.clear()
            self._lock.release()

    def abort(self) -> None:
        """Drop the working copy and unpublished exports, release the lock; the published database is untouched."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if not self.committed:
            _discard(self.work_path)
        self._discard_exports()
        self._discard_scratch()
        self._lock.release()

    def _discard_exports(self) -> None:
        for temp, _ in self._exports:
            temp.unlink(missing_ok=True)
        self._exports.clear()

    def scratch_path(self) -> Path:
        """A new temporary path beside the database, deleted at commit or abort (or, after a killed run,
        by the next run's `open`)."""
        path = temp_path_for(self.db_path)
        self._scratch.append(path)
        return path

    def _discard_scratch(self) -> None:
        for path in self._scratch:
            path.unlink(missing_ok=True)
        self._scratch.clear()

    # -- memory --------------------------------------------------------------------------------------

    @property
    def memory_limit(self) -> str:
        """DuckDB's memory limit for this run's writes: MEMORY_LIMIT, raised as the store grows."""
        return self._memory_limit

    def fit_memory_limit(self, table: str, incoming: int) -> None:
        """Raise DuckDB's limit for a write of `incoming` rows into `table` (never lower it within a run)."""
        ((stored,),) = self.connection().execute(f"SELECT count(*) FROM {table}").fetchall()
        needed = memory_limit_for(max(stored, incoming))  # upserts: most rows are updates
        if _megabytes(needed) > _megabytes(self._memory_limit):
            self._memory_limit = needed
            _set_memory_limit(self.connection(), needed)

    # -- SQL helpers ---------------------------------------------------------------------------------

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError("the store is closed (committed or aborted)")
        return self._con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        con = self.connection()
        con.begin()
        try:
            yield
        except BaseException:
            con.rollback()
            raise
        con.commit()

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[None]:
        """`table` readable by the statements run meanwhile as `name`."""
        con = self.connection()
        con.register(name, table)
        try:
            yield
        finally:
            con.unregister(name)

    def schema(self, table: str, columns: tuple[str, ...] | None = None) -> pa.Schema:
        """The Arrow schema of `columns` of a stored table (all of them by default)."""
        con = self.connection()
        if columns is None:
            columns = tuple(r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall())
        return table_schema(con, table, columns)

    def meta(self, key: str) -> str | None:
        return meta_value(self.connection(), key)

    def set_meta(self, key: str, value: str | None) -> None:
        con = self.connection()
        if value is None:
            con.execute("DELETE FROM meta WHERE key = $key", {"key": key})
        else:
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)", {"key": key, "value": value})

    def copy_to_parquet(self, query: str, path: Path, row_group_rows: int) -> None:
        self.connection().execute(
            f"COPY ({query}) TO {sql_string(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {int(row_group_rows)})"
        )

    def require_unique_rows(self, rows: pa.Table, keys: tuple[str, ...], what: str) -> None:
        """Refuse a table with two rows of one key (checked in DuckDB: no Python tuple per row)."""
        names = ", ".join(keys)
        with self.registered("checked_rows", rows):
            repeated = (
                self.connection()
                .execute(f"SELECT {names} FROM checked_rows GROUP BY {names} HAVING count(*) > 1 ORDER BY {names} LIMIT 1")
                .fetchall()
            )
        if repeated:
            key = repeated[0] if len(keys) > 1 else repeated[0][0]
            raise ValueError(f"duplicate {what} in one save: {key!r}")

    def upsert(self, table: str, keys: tuple[str, ...], rows: pa.Table) -> None:
        """Upsert an Arrow table into `table` on `keys` (see `upsert_from`)."""
        with self.registered("upsert_rows", rows):
            self.upsert_from(table, keys, rows.column_names, "upsert_rows")

    def upsert_from(self, table: str, keys: tuple[str, ...], columns: Sequence[str], source: str) -> None:
        """Upsert the rows of `source` (a table name or a parenthesized query) into `table` on `keys`: matched
        rows take every given column, others are inserted (an UPDATE and an INSERT: a MERGE inserting many
        rows costs several times more)."""
        on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        sets = ", ".join(f"{c} = s.{c}" for c in columns if c not in keys)
        con = self.connection()
        if sets:
            con.execute(f"UPDATE {table} AS t SET {sets} FROM {source} AS s WHERE {on}")
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join('s.' + c for c in columns)} "
            f"FROM {source} AS s WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {on})"
        )


def sql_string(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _connect(work: Path, published: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(work))
    except duckdb.Error as exc:
        raise StoreUnusable(f"cannot open the database {published}: {exc}") from exc
    try:
        con.execute("SET TimeZone = 'UTC'")  # instants to and from text are UTC, whatever the host says
        # DuckDB would otherwise keep up to 80% of RAM of a run's merges in its buffers; beyond this it
        # evicts and spills, so the whole run stays under 1 GB beside the Python objects.
        _set_memory_limit(con, MEMORY_LIMIT)
        migrate(con)
    except duckdb.Error as exc:
        con.close()
        raise StoreUnusable(f"cannot migrate the database {published}: {exc}") from exc
    except BaseException:
        con.close()
        raise
    return con


def memory_limit_for(rows: int) -> str:
    """DuckDB's memory limit for work over a table of `rows` rows: MEMORY_LIMIT, or more for a big table."""
    return max(MEMORY_LIMIT, f"{-(-rows * MEMORY_PER_ROW_BYTES // 2**20)}MB", key=_megabytes)


def _megabytes(limit: str) -> int:
    """'250MB' -> 250: the limits this module writes."""
    return int(limit.removesuffix("MB"))


def _set_memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    con.execute(f"SET memory_limit = {sql_string(limit)}")


def _wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _discard(work: Path) -> None:
    work.unlink(missing_ok=True)
    _wal_of(work).unlink(missing_ok=True)
