"""Concurrency and crashes: one run at a time, analysts never blocked nor shown a half state, kills lose nothing."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from pyevents.pipeline import osfiles
from pyevents.pipeline.store import Store, StoreLocked
from tests.store.support import fetched, parse, query, reports, run, source

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


class Child:
    """A `tests.store.child` process driven line by line."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.store.child", *args],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    def expect(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith(prefix):
                    return line.strip()
                if not line:
                    break
        stderr = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"child never said {prefix!r}; stderr: {stderr}")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def count(self) -> int:
        self.send("count")
        return int(self.expect("count ").split()[1])

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        child.close()


def _published(tmp_path: Path) -> Path:
    """A database with one completed run: 3 events of source s0."""
    db = tmp_path / "events.duckdb"
    run(db, [source("s0")], [fetched("s0")], [parse("s0", reports("s0", 3))])
    return db


def _events_in(db: Path) -> int:
    return query(db, "SELECT count(*) FROM events")[0][0]


def test_a_second_run_is_refused_at_once_naming_the_holder(
    tmp_path: Path, children: list[Child], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _published(tmp_path)
    holder = Child("hold", str(db))
    children.append(holder)
    holder.expect("held")
    attempts: list[int] = []  # the flags of every flock call: a blocking one would queue behind the holder

    def recording_flock(fd: int, operation: int) -> None:
        attempts.append(operation)
        fcntl.flock(fd, operation)

    monkeypatch.setattr(osfiles, "fcntl", SimpleNamespace(flock=recording_flock, LOCK_EX=fcntl.LOCK_EX, LOCK_NB=fcntl.LOCK_NB))
    with pytest.raises(StoreLocked) as refused:
        Store.open(db)
    monkeypatch.undo()
    assert attempts == [fcntl.LOCK_EX | fcntl.LOCK_NB]  # one try, never a wait
    assert f"pid {holder.pid}, started " in str(refused.value)
    assert str(refused.value).endswith(f"holds the lock {db}.lock")
    holder.kill()  # however the holder dies, the kernel drops the lock
    with Store.open(db) as store:
        store.abort()


@pytest.mark.parametrize("stage", ["open", "apply_fetches", "save_events", "save_vevents", "finish_run", "before_rename"])
def test_a_run_killed_at_any_stage_leaves_the_previous_database_whole(tmp_path: Path, children: list[Child], stage: str) -> None:
    db = _published(tmp_path)
    original = db.read_bytes()
    victim = Child("run", str(db), stage, "5", "1")
    children.append(victim)
    victim.expect(f"at {stage}")
    victim.kill()

    assert db.read_bytes() == original
    assert not db.with_name(db.name + ".wal").exists()
    leftovers = sorted(p.name for p in tmp_path.glob(f".{db.name}.run-*"))
    assert leftovers, "the killed run's working copy should be there to be cleaned up"
    assert _events_in(db) == 3
    # The next run cleans up after the dead one and publishes normally.
    run(db, [source("s0"), source("s1")], [fetched("s1")], [parse("s1", reports("s1", 5))])
    assert _events_in(db) == 8
    assert not list(tmp_path.glob(f".{db.name}.run-*")) and not db.with_name(db.name + ".wal").exists()


def test_an_analyst_holding_the_database_neither_blocks_a_run_nor_sees_half_of_one(tmp_path: Path, children: list[Child]) -> None:
    db = _published(tmp_path)
    analyst = Child("read", str(db))
    children.append(analyst)
    analyst.expect("ready")
    assert analyst.count() == 3

    nightly = Child("run", str(db), "save_vevents", "5", "1")  # writes, then pauses before committing
    children.append(nightly)
    nightly.expect("at save_vevents")
    assert analyst.count() == 3
    newcomer = Child("read", str(db))
    children.append(newcomer)
    newcomer.expect("ready")
    assert newcomer.count() == 3  # no half state while the run is under way

    nightly.send("go on")
    nightly.expect("done")  # DuckDB did not refuse the copy or the rename under the open reader
    assert nightly.proc.wait(TIMEOUT) == 0
    assert analyst.count() == 3  # the old snapshot, whole, until the analyst reconnects
    after = Child("read", str(db))
    children.append(after)
    after.expect("ready")
    assert after.count() == 8
    assert (tmp_path / "export" / "events.parquet").exists()


def test_exports_are_written_whole_and_replace_the_old_ones(tmp_path: Path) -> None:
    db, export = tmp_path / "events.duckdb", tmp_path / "export"
    run(db, [source("s0")], [fetched("s0")], [parse("s0", reports("s0", 3))], export_dir=export)
    (export / f".events.parquet.run-{os.getpid()}-dead.tmp").write_bytes(b"half a file from a killed run")
    run(db, [source("s0"), source("s1")], [fetched("s1")], [parse("s1", reports("s1", 2))], export_dir=export)
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM '{export / 'events.parquet'}'").fetchone() == (5,)
        assert con.execute(f"SELECT count(*) FROM '{export / 'sources.parquet'}'").fetchone() == (2,)
    assert sorted(p.name for p in export.iterdir()) == sorted(
        f"{t}.parquet" for t in ("sources", "crawl_runs", "events", "event_sources", "event_changes", "rejects")
    )


def test_an_exception_inside_the_run_aborts_and_keeps_the_old_database(tmp_path: Path) -> None:
    db = _published(tmp_path)
    original = db.read_bytes()
    with pytest.raises(RuntimeError, match="crawler exploded"), Store.open(db) as store:
        store.sync_sources([])
        raise RuntimeError("crawler exploded")
    assert db.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.duckdb", "events.duckdb.lock"]
    with Store.open(db) as store:  # the lock is free again
        assert set(store.source_states()) == {"s0"}
        store.abort()


def test_a_wal_left_beside_the_published_file_is_replayed_then_never_left_behind(tmp_path: Path) -> None:
    db = _published(tmp_path)
    # Someone opened the published file read-write and died before DuckDB checkpointed: a WAL is left.
    script = (
        "import duckdb, os, signal, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"SET checkpoint_threshold = '1GB'\")\n"
        "con.execute(\"INSERT INTO sources (source_id, name, enabled) VALUES ('manual', 'Added by hand', false)\")\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db)], check=False, timeout=TIMEOUT)
    wal = db.with_name(db.name + ".wal")
    assert wal.exists()
    with Store.open(db) as store:
        assert store.source_states()["manual"].enabled is False  # its committed work was kept
        store.commit(None)
    assert not wal.exists()  # a WAL beside the new file would be replayed against the wrong file
    assert query(db, "SELECT name FROM sources WHERE source_id = 'manual'") == [("Added by hand",)]
    assert _events_in(db) == 3
