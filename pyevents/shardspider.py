"""The spider a Scrapyd node runs: one shard of the federation, written where the merge node loads it.

Scheduled as `pyevents-shard` with the arguments `config` (the federation file on the node), `shard`
(I/N), `out` (the shared folder) and optionally `as_of`. It crawls exactly what `pyevents fetch
--shard I/N` would (`shardfetch.plan_shard`, the same settings and spider) and writes the same file.
docs/SCALING.md shows the deployment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from scrapy import Spider

from pyevents.config import Config, load_config
from pyevents.crawlers.jobs import SourceJob
from pyevents.crawlers.settings import REACTOR, RESOLVER, crawl_settings
from pyevents.crawlers.spiders.sources import SourcesSpider
from pyevents.fetchedfiles import write_shard
from pyevents.pipeline.model import FetchResult
from pyevents.shardfetch import ShardPlan, plan_shard
from pyevents.shards import Shard

# What a node's Scrapy process needs before any crawl's settings apply (deploy/scrapyd's settings module).
PROCESS_SETTINGS = {
    "BOT_NAME": "pyevents",
    "SPIDER_MODULES": ["pyevents.shardspider"],
    "TWISTED_REACTOR": REACTOR,
    "TWISTED_DNS_RESOLVER": RESOLVER,
    "DNSCACHE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
}


class ShardSpider(SourcesSpider):
    name = "pyevents-shard"

    def __init__(self, jobs: list[SourceJob], *, plan: ShardPlan, config: Config, out: Path, **kwargs: Any) -> None:
        self._results: dict[str, FetchResult] = {}
        super().__init__(jobs, self._keep, **kwargs)
        self._plan = plan
        self._config = config
        self._out = out

    @classmethod
    def from_crawler(
        cls, crawler: Any, config: str, shard: str, out: str, as_of: str | None = None, **kwargs: Any
    ) -> ShardSpider:
        federation = load_config(config)
        allowed = federation.federation.allow_private_hosts
        # The resolver is the process's, built from its settings: a node scheduled without the config's
        # private hosts would refuse every one of them at connect time, so say so now.
        missing = sorted(set(allowed) - set(crawler.settings.getlist("PYEVENTS_ALLOW_PRIVATE_HOSTS")))
        if missing:
            raise ValueError(
                f"{config} allows private hosts {', '.join(missing)}: schedule with "
                f"setting=PYEVENTS_ALLOW_PRIVATE_HOSTS={','.join(allowed)}"
            )
        instant = dt.datetime.fromisoformat(as_of) if as_of else None
        if instant is not None and instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.UTC)  # naive means UTC, as for --as-of
        plan = plan_shard(federation, Shard.parse(shard), Path(out), instant)
        # Since Scrapy 2.11 a spider may set its crawler's settings here: the crawl's own follow the config
        # (each at its own priority, so what the scheduler set on the command line still wins).
        crawl = federation.crawl_settings()
        crawler.settings.update(crawl_settings(crawl))
        spider: ShardSpider = super().from_crawler(
            crawler,
            jobs=plan.jobs(),
            plan=plan,
            config=federation,
            out=Path(out),
            timeout=crawl.timeout_seconds,
            max_bytes=crawl.max_bytes,
            max_linked_pages=crawl.max_linked_pages,
            **kwargs,
        )
        return spider

    def _keep(self, result: FetchResult) -> None:
        self._results[result.source_id] = result

    def _closed(self, spider: Spider, reason: str) -> None:
        super()._closed(spider, reason)  # every unfinished source is reported (failed) first
        write_shard(self._out, self._plan.shard, self._config, self._plan.sources, self._results, self._plan.as_of)
