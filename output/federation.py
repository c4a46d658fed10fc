"""What a publish reads of the federation's configuration: plain values the orchestration hands down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class SourcePlace(NamedTuple):
    """Where a configured source's events are: its country (alpha-2) and region, both optional."""

    source_id: str
    country: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class Federation:
    name: str
    base_url: str
    contact: str
    repository: str | None  # where to propose a calendar; shown on about.html
    past_days: int  # the window published around the publish time
    future_days: int
    stale_after_days: int  # a source failing this long is shown as stale
    config_json: str  # the whole federation configuration: any change of it publishes a new version
    places: tuple[SourcePlace, ...] = ()  # each enabled source's, for the coverage on sources.html
