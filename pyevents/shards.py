"""Shards of a crawl: the sources split by host, so several machines can fetch one federation.

A source belongs to the shard of its URL's host: `sha256(host) mod N`, stable across runs, machines
and config order, so every source of one host is fetched by one machine and the per-host politeness
(delay, concurrency, robots.txt) holds across the whole federation.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from pyevents.config import Config, SourceConfig

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MAX_SHARDS = 10_000


class ShardError(ValueError):
    """A shard specification or a set of shard files that cannot be used as asked."""


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` of `count`, counted from 1 as the command line writes it (`--shard 2/4`)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text)
        if not match:
            raise ShardError(f"{text!r} is not a shard I/N (e.g. 1/4)")
        index, count = int(match.group(1)), int(match.group(2))
        if not 1 <= count <= MAX_SHARDS or not 1 <= index <= count:
            raise ShardError(f"shard {text!r}: I must be 1 to N, and N 1 to {MAX_SHARDS}")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def file_stem(self) -> str:
        return f"shard-{self.index:04d}-of-{self.count:04d}"


def source_host(url: str) -> str:
    """The host a source is fetched from (lower case); a file: URL's host is empty, all on one shard."""
    return (urlsplit(url).hostname or "").lower()


def shard_of_host(host: str, count: int) -> int:
    """The shard (1..count) that fetches `host`."""
    digest = hashlib.sha256(host.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def sources_of_shard(sources: list[SourceConfig], shard: Shard) -> list[SourceConfig]:
    return [s for s in sources if shard_of_host(source_host(s.url), shard.count) == shard.index]


def config_digest(config: Config) -> str:
    """What a shard file must have been fetched for: the enabled sources' ids, types and URLs.

    Names, priorities and defaults may change between the fetch and the load; what is fetched may not.
    """
    fetched = sorted((s.id, s.type, s.url) for s in config.sources if s.enabled)
    return hashlib.sha256(json.dumps(fetched).encode("utf-8")).hexdigest()[:16]
