"""`pyevents fetch --shard I/N` on "other machines", then `nightly --fetched DIR`: the same events as one machine.

Real crawls over HTTP on four loopback hosts, real shard files, real DuckDB, through the real CLI.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pyevents import exitcodes
from pyevents.config import load_config
from pyevents.fetchedfiles import METADATA_KEY, STATES_FILE, ShardManifest, write_shard
from pyevents.pipeline.model import FetchResult
from pyevents.run import crawl_into_store
from pyevents.runreport import RunReport
from pyevents.shards import Shard
from tests.e2e.conftest import run_cli
from tests.e2e.sharded import AS_OF, loopback_federation, provenance, stored_events

pytestmark = pytest.mark.slow


def _fetch_all(config: Path, out: Path, count: int, cwd: Path) -> None:
    for index in range(1, count + 1):
        done = run_cli(
            "fetch", "--config", str(config), "--shard", f"{index}/{count}", "--out", str(out), "--as-of", AS_OF, cwd=cwd
        )
        assert done.returncode == 0, done.stderr


def test_shards_then_fetched_give_the_events_of_one_machine(tmp_path: Path) -> None:
    with loopback_federation(tmp_path) as federation:
        single = run_cli(
            "nightly",
            "--config",
            str(federation.config),
            "--db",
            str(tmp_path / "one.duckdb"),
            "--out",
            str(tmp_path / "one-site"),
            "--as-of",
            AS_OF,
            "--quiet",
            cwd=tmp_path,
        )
        assert single.returncode == 0, single.stderr
        _fetch_all(federation.config, tmp_path / "fetched", 2, tmp_path)
        hits_after_fetch = sum(len(s.hits) for s in federation.servers)
        sharded = run_cli(
            "nightly",
            "--config",
            str(federation.config),
            "--fetched",
            str(tmp_path / "fetched"),
            "--db",
            str(tmp_path / "two.duckdb"),
            "--out",
            str(tmp_path / "two-site"),
            "--as-of",
            AS_OF,
            "--quiet",
            cwd=tmp_path,
        )
        assert sharded.returncode == 0, sharded.stderr
        assert sum(len(s.hits) for s in federation.servers) == hits_after_fetch  # the merge node crawled nothing

    manifests = {
        path.name: ShardManifest.from_bytes(pq.read_schema(path).metadata[METADATA_KEY])
        for path in sorted((tmp_path / "fetched").glob("shard-*.parquet"))
    }
    assert {name: m.hosts for name, m in manifests.items()} == {
        "shard-0001-of-0002.parquet": ("127.0.0.1",),
        "shard-0002-of-0002.parquet": ("127.0.0.2", "127.0.0.3", "127.0.0.4"),
    }
    events = stored_events(tmp_path / "one.duckdb")
    assert len(events) == 5 * (2 + 20) + 1  # 5 calendars x (2 one-offs + 20 weekly) + the shared conference
    assert stored_events(tmp_path / "two.duckdb") == events
    assert provenance(tmp_path / "two.duckdb") == provenance(tmp_path / "one.duckdb")
    conference = [e for e in events if e[2] == "PyCon Loopback 2027"]
    assert len(conference) == 1  # reported on both shards, merged into one
    assert (tmp_path / "one-site" / "calendar.ics").read_bytes() == (tmp_path / "two-site" / "calendar.ics").read_bytes()


def test_conditional_get_state_flows_back_through_the_folder(tmp_path: Path) -> None:
    """The merge node leaves the validators in the folder; the next fetch sends them and gets 304s."""
    with loopback_federation(tmp_path) as federation:
        for server in federation.servers:
            for path, reply in list(server.routes.items()):
                if path.endswith(".ics"):
                    reply.headers["Last-Modified"] = "Mon, 01 Feb 2027 00:00:00 GMT"
        fetched = tmp_path / "fetched"
        _fetch_all(federation.config, fetched, 2, tmp_path)
        loaded = run_cli(
            "crawl",
            "--config",
            str(federation.config),
            "--fetched",
            str(fetched),
            "--db",
            str(tmp_path / "e.duckdb"),
            "--as-of",
            AS_OF,
            "--quiet",
            cwd=tmp_path,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert (fetched / STATES_FILE).exists()
        for server in federation.servers:
            server.hits.clear()
        _fetch_all(federation.config, fetched, 2, tmp_path)
        sent = [h.headers.get("if-modified-since") for s in federation.servers for h in s.hits if h.path.endswith(".ics")]
    assert sent == ["Mon, 01 Feb 2027 00:00:00 GMT"] * 5


# ------------------------------------------------------------------ bad shard folders


@pytest.fixture(scope="module")
def fetched_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The federation's config, its two shard files, and a database loaded from them (the night before)."""
    root = tmp_path_factory.mktemp("sharded")
    with loopback_federation(root) as federation:
        _fetch_all(federation.config, root / "fetched", 2, root)
    loaded = run_cli(
        "crawl",
        "--config",
        str(federation.config),
        "--fetched",
        str(root / "fetched"),
        "--db",
        str(root / "base.duckdb"),
        "--as-of",
        AS_OF,
        "--quiet",
        cwd=root,
    )
    assert loaded.returncode == 0, loaded.stderr
    return federation.config, root / "fetched", root / "base.duckdb"


def _load(config: Path, fetched: Path, db: Path) -> RunReport:
    return crawl_into_store(load_config(config), db, fetched_dir=fetched, as_of=dt.datetime.fromisoformat(AS_OF))


def _night_after(fetched_once: tuple[Path, Path, Path], tmp_path: Path) -> tuple[Path, Path, Path]:
    config, fetched, base = fetched_once
    shutil.copytree(fetched, tmp_path / "fetched")
    shutil.copy(base, tmp_path / "e.duckdb")
    return config, tmp_path / "fetched", tmp_path / "e.duckdb"


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _corrupt_a_body(path: Path) -> None:
    """Another body under the same sha256 and metadata, as a flipped bit on disk would leave it."""
    table = pq.read_table(path)
    bodies = table.column("body").to_pylist()
    bodies[0] = bodies[0].replace(b"SUMMARY:", b"SUMMARX:", 1)
    table = table.set_column(table.schema.get_field_index("body"), "body", pa.array(bodies, pa.large_binary()))
    pq.write_table(table, path)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda path: path.unlink(), "no file in"),
        (_truncate, "unreadable file"),
        (_corrupt_a_body, "is corrupt"),
    ],
    ids=["missing", "truncated", "corrupt"],
)
def test_a_damaged_shard_fails_its_sources_and_keeps_their_events(
    fetched_once: tuple[Path, Path, Path], tmp_path: Path, damage: Any, reason: str
) -> None:
    config, fetched, db = _night_after(fetched_once, tmp_path)
    before = stored_events(db)
    damage(fetched / "shard-0002-of-0002.parquet")
    report = _load(config, fetched, db)
    failed = {s.source_id: s.error for s in report.failed}
    assert sorted(failed) == ["group1a", "group1b", "group2", "group3"]  # shard 2's hosts; group0 loaded
    assert all(reason in (error or "") for error in failed.values()), failed
    assert report.exit_code == exitcodes.SOURCES_FAILED
    assert stored_events(db) == before  # nothing cancelled, nothing lost


def test_shards_of_another_config_are_refused(fetched_once: tuple[Path, Path, Path], tmp_path: Path) -> None:
    config, fetched, db = _night_after(fetched_once, tmp_path)
    other = json.loads(config.read_text(encoding="utf-8"))
    other["sources"].append({"id": "newcomer", "name": "Newcomer", "type": "ical", "url": "https://newcomer.example.org/c.ics"})
    (tmp_path / "other.yaml").write_text(json.dumps(other), encoding="utf-8")
    before = db.read_bytes()
    done = run_cli("crawl", "--config", str(tmp_path / "other.yaml"), "--fetched", str(fetched), "--db", str(db), cwd=tmp_path)
    assert done.returncode == exitcodes.USAGE
    assert "was fetched for another config" in done.stderr and "Traceback" not in done.stderr
    assert db.read_bytes() == before


def test_shards_of_another_shard_count_are_refused(fetched_once: tuple[Path, Path, Path], tmp_path: Path) -> None:
    config, fetched, db = _night_after(fetched_once, tmp_path)
    shutil.copy(fetched / "shard-0001-of-0002.parquet", fetched / "shard-0001-of-0003.parquet")
    report = _load(config, fetched, db)
    assert report.exit_code == exitcodes.USAGE
    assert "different shard counts (2, 3)" in report.message


def test_two_shards_claiming_one_host_are_refused(fetched_once: tuple[Path, Path, Path], tmp_path: Path) -> None:
    config, fetched, db = _night_after(fetched_once, tmp_path)
    federation = load_config(config)
    results = {s.id: FetchResult(s.id, "failed", s.url, error="not fetched") for s in federation.sources}
    write_shard(fetched, Shard(2, 2), federation, federation.sources, results, dt.datetime.fromisoformat(AS_OF))
    report = _load(config, fetched, db)
    assert report.exit_code == exitcodes.USAGE
    assert report.message == "shards 1/2 and 2/2 both claim host 127.0.0.1"
