"""`pyevents fetch --shard I/N`: fetch one shard of the federation into a folder, for a merge node to load.

The same crawl as a nightly run's (one `fetch_sources` over the shard's sources, with the merge node's
conditional-GET validators from the folder), written with `fetchedfiles.write_shard`. The scrapyd
spider (`pyevents.shardspider`) plans its crawl with `plan_shard` too, so both write the same file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyevents.config import Config, SourceConfig
from pyevents.crawlers.fetch import CrawlerChild, fetch_sources
from pyevents.crawlers.jobs import SourceJob
from pyevents.fetchedfiles import read_states, write_shard
from pyevents.parsepool import states_for_fetch
from pyevents.pipeline.model import FetchResult, SourceState, Window
from pyevents.run import now_utc
from pyevents.shards import Shard, sources_of_shard


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """What one shard fetches: its sources, and the validators to send for each."""

    shard: Shard
    as_of: dt.datetime
    sources: list[SourceConfig]
    states: dict[str, SourceState]

    def jobs(self) -> list[SourceJob]:
        return [SourceJob.for_source(s, self.states.get(s.id)) for s in self.sources]


@dataclass(frozen=True, slots=True)
class ShardFetch:
    """What `fetch_shard` did: the file written and how its sources fared."""

    path: Path
    sources: int
    ok: int
    not_modified: int
    failed: int


def plan_shard(config: Config, shard: Shard, out_dir: Path, as_of: dt.datetime | None = None) -> ShardPlan:
    as_of = (as_of or now_utc()).astimezone(dt.UTC)
    window = Window.around(as_of, config.federation.window.past_days, config.federation.window.future_days)
    sources = sources_of_shard([s for s in config.sources if s.enabled], shard)
    states = states_for_fetch(read_states(out_dir), window)
    return ShardPlan(shard, as_of, sources, states)


def fetch_shard(
    config: Config,
    shard: Shard,
    out_dir: Path,
    *,
    as_of: dt.datetime | None = None,
    on_progress: Callable[[FetchResult], None] | None = None,
    crawler: CrawlerChild | None = None,
) -> ShardFetch:
    """Fetch shard `shard` of `config`'s enabled sources and write it into `out_dir`."""
    plan = plan_shard(config, shard, out_dir, as_of)
    results = fetch_sources(config.crawl_settings(), plan.sources, plan.states, on_progress=on_progress, crawler=crawler)
    path = write_shard(out_dir, shard, config, plan.sources, results, plan.as_of)
    outcomes = [r.outcome for r in results.values()]
    return ShardFetch(
        path=path,
        sources=len(plan.sources),
        ok=outcomes.count("ok"),
        not_modified=outcomes.count("not_modified"),
        failed=outcomes.count("failed"),
    )
