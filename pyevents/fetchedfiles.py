"""Fetch results on disk: what `pyevents fetch --shard I/N` writes and `--fetched DIR` loads.

One Parquet file per shard, `shard-IIII-of-NNNN.parquet`, written to a temporary name and renamed,
so a reader sees a whole file or none. Its key-value metadata says what it was fetched for (the
config's digest, the shard, the hosts it claims, the sources); each body carries its sha256, checked
on load, so a truncated or corrupted file fails its shard's sources (kept as they were) and nothing
else. The conditional-GET state flows back the same way: after loading, the merge node writes
`states.parquet` into the folder, and the next `fetch` sends those validators.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from pyevents.pipeline.model import FetchResult, SourceState
from pyevents.shards import Shard, ShardError, config_digest, shard_of_host, source_host

if TYPE_CHECKING:
    from pyevents.config import Config, SourceConfig

METADATA_KEY = b"pyevents-shard"
STATES_FILE = "states.parquet"
_SHARD_FILE = re.compile(r"^shard-(\d{4})-of-(\d{4})\.parquet$")

_PAIR = pa.struct([("url", pa.string()), ("value", pa.string())])
_LINKED = pa.struct([("url", pa.string()), ("body", pa.binary())])
RESULT_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("outcome", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("moved_to", pa.string()),
        ("http_status", pa.int32()),
        ("body", pa.large_binary()),
        ("body_sha256", pa.string()),
        ("content_type", pa.string()),
        ("http_etag", pa.string()),
        ("http_last_modified", pa.string()),
        ("error", pa.string()),
        ("unreachable", pa.bool_()),
        ("linked", pa.list_(_LINKED)),
        ("linked_errors", pa.list_(_PAIR)),
        ("seconds", pa.float64()),
    ]
)
STATE_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("url", pa.string()),
        ("http_etag", pa.string()),
        ("http_last_modified", pa.string()),
        ("last_parsed_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(frozen=True, slots=True)
class ShardManifest:
    """What one shard file says of itself."""

    shard: Shard
    config: str  # config_digest of the config it was fetched for
    as_of: str
    hosts: tuple[str, ...]
    sources: tuple[str, ...]

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "shard": str(self.shard),
                "config": self.config,
                "as_of": self.as_of,
                "hosts": list(self.hosts),
                "sources": list(self.sources),
            },
            sort_keys=True,
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> ShardManifest:
        data = json.loads(raw)
        return cls(Shard.parse(data["shard"]), data["config"], data["as_of"], tuple(data["hosts"]), tuple(data["sources"]))


def _sha256(body: bytes | None) -> str | None:
    return None if body is None else hashlib.sha256(body).hexdigest()


def write_shard(
    out_dir: Path, shard: Shard, config: Config, sources: list[SourceConfig], results: dict[str, FetchResult], as_of: dt.datetime
) -> Path:
    """Write `results` (the fetches of `sources`, shard `shard` of `config`) as one file in `out_dir`."""
    rows = [results[s.id] for s in sources if s.id in results]
    columns = {
        "source_id": [r.source_id for r in rows],
        "outcome": [r.outcome for r in rows],
        "url": [r.url for r in rows],
        "final_url": [r.final_url for r in rows],
        "moved_to": [r.moved_to for r in rows],
        "http_status": [r.http_status for r in rows],
        "body": [r.body for r in rows],
        "body_sha256": [_sha256(r.body) for r in rows],
        "content_type": [r.content_type for r in rows],
        "http_etag": [r.http_etag for r in rows],
        "http_last_modified": [r.http_last_modified for r in rows],
        "error": [r.error for r in rows],
        "unreachable": [r.unreachable for r in rows],
        "linked": [[{"url": u, "body": b} for u, b in sorted(r.linked.items())] for r in rows],
        "linked_errors": [[{"url": u, "value": e} for u, e in sorted(r.linked_errors.items())] for r in rows],
        "seconds": [r.seconds for r in rows],
    }
    manifest = ShardManifest(
        shard=shard,
        config=config_digest(config),
        as_of=as_of.isoformat(),
        hosts=tuple(sorted({source_host(s.url) for s in sources})),
        sources=tuple(s.id for s in sources),
    )
    table = pa.table(columns, schema=RESULT_SCHEMA.with_metadata({METADATA_KEY: manifest.to_bytes()}))
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{shard.file_stem}.parquet"
    temp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    pq.write_table(table, temp)
    os.replace(temp, final)
    return final


def load_fetched(fetched_dir: Path, config: Config, sources: list[SourceConfig]) -> dict[str, FetchResult]:
    """The fetch result of every source in `sources`, from the shard files in `fetched_dir`.

    Raises ShardError when the folder cannot be used at all: no shard files, files of different shard
    counts, a file fetched for another config, or two shards claiming one host. A missing, truncated or
    corrupt file fails the sources of its shard only (failed sources keep their events).
    """
    files = _shard_files(fetched_dir)
    counts = {shard.count for shard in files}
    if len(counts) > 1:
        counted = ", ".join(map(str, sorted(counts)))
        raise ShardError(f"{fetched_dir} holds shards of different shard counts ({counted}): fetch them again with one N")
    count = counts.pop()
    expected = config_digest(config)
    results: dict[str, FetchResult] = {}
    failures: dict[int, str] = {}
    claimed: dict[str, int] = {}
    for shard, path in sorted(files.items(), key=lambda item: item[0].index):
        try:
            table = pq.read_table(path)
            manifest = ShardManifest.from_bytes((table.schema.metadata or {})[METADATA_KEY])
        except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
            failures[shard.index] = f"shard {shard}: unreadable file {path.name} ({_first_line(exc)})"
            continue
        if manifest.config != expected:
            raise ShardError(f"{path} was fetched for another config (its sources differ from this one's): fetch it again")
        if manifest.shard != shard:
            raise ShardError(f"{path} says it is shard {manifest.shard}, not {shard}")
        for host in manifest.hosts:
            if host in claimed:
                raise ShardError(f"shards {claimed[host]}/{count} and {shard} both claim host {host or '(file:)'}")
            claimed[host] = shard.index
        try:
            results.update(_results_of(table))
        except ValueError as exc:
            failures[shard.index] = f"shard {shard}: {exc}"
    out: dict[str, FetchResult] = {}
    for source in sources:
        index = shard_of_host(source_host(source.url), count)
        result = results.get(source.id)
        if index in failures:
            out[source.id] = _failed(source, failures[index])
        elif result is not None:
            out[source.id] = result
        elif Shard(index, count) not in files:
            out[source.id] = _failed(source, f"shard {index}/{count}: no file in {fetched_dir}")
        else:
            out[source.id] = _failed(source, f"shard {index}/{count} has no result for this source")
    return out


def _shard_files(fetched_dir: Path) -> dict[Shard, Path]:
    if not fetched_dir.is_dir():
        raise ShardError(f"{fetched_dir} is not a folder of fetched shards")
    files: dict[Shard, Path] = {}
    for path in fetched_dir.iterdir():
        match = _SHARD_FILE.match(path.name)
        if match:
            files[Shard.parse(f"{int(match.group(1))}/{int(match.group(2))}")] = path
    if not files:
        raise ShardError(
            f"{fetched_dir} holds no shard files (shard-IIII-of-NNNN.parquet, written by `pyevents fetch --shard I/N`)"
        )
    return files


def _results_of(table: pa.Table) -> Iterable[tuple[str, FetchResult]]:
    """The table's results; a body whose sha256 differs from the one written fails the whole shard."""
    out = []
    for row in table.to_pylist():
        body = row["body"]
        if _sha256(body) != row["body_sha256"]:
            raise ValueError(f"the body of {row['source_id']} is corrupt (its sha256 differs from the one written)")
        out.append(
            (
                row["source_id"],
                FetchResult(
                    source_id=row["source_id"],
                    outcome=row["outcome"],
                    url=row["url"],
                    final_url=row["final_url"],
                    moved_to=row["moved_to"],
                    http_status=row["http_status"],
                    body=body,
                    content_type=row["content_type"],
                    http_etag=row["http_etag"],
                    http_last_modified=row["http_last_modified"],
                    error=row["error"],
                    unreachable=bool(row["unreachable"]),
                    linked={item["url"]: item["body"] for item in row["linked"]},
                    linked_errors={item["url"]: item["value"] for item in row["linked_errors"]},
                    seconds=row["seconds"] or 0.0,
                ),
            )
        )
    return out


def _failed(source: SourceConfig, error: str) -> FetchResult:
    return FetchResult(source_id=source.id, outcome="failed", url=source.url, error=error)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def write_states(fetched_dir: Path, states: dict[str, SourceState]) -> None:
    """The merge node's conditional-GET state, for the next `fetch` of every shard."""
    rows = sorted(states.values(), key=lambda s: s.source_id)
    table = pa.table(
        {
            "source_id": [s.source_id for s in rows],
            "url": [s.url for s in rows],
            "http_etag": [s.http_etag for s in rows],
            "http_last_modified": [s.http_last_modified for s in rows],
            "last_parsed_at": [s.last_parsed_at for s in rows],
        },
        schema=STATE_SCHEMA,
    )
    final = fetched_dir / STATES_FILE
    temp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    pq.write_table(table, temp)
    os.replace(temp, final)


def read_states(fetched_dir: Path) -> dict[str, SourceState]:
    """The validators the merge node left in `fetched_dir` (none yet, or unreadable: every source sends a full GET)."""
    path = fetched_dir / STATES_FILE
    try:
        rows = pq.read_table(path, schema=STATE_SCHEMA).to_pylist()
    except (OSError, pa.ArrowException):
        return {}
    return {row["source_id"]: SourceState(**row) for row in rows}  # STATE_SCHEMA's columns are SourceState fields
