"""What a run tells: its progress while it goes on (`Progress`) and its report at the end (`RunReport`).

`pyevents.report` shows both to the operator; `RunReport.to_json` is what `--json` prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from pyevents import exitcodes
from pyevents.pipeline.model import FetchResult
from pyevents.pipeline.store.staging import StagedSource

FAILED_STATUSES = ("failed", "gone", "quarantined")

# A stage ("fetch-start", "fetched", "parsed", "publish-start") and what it is about.
Progress = Callable[[str, dict[str, object]], None]


def no_progress(stage: str, info: dict[str, object]) -> None:
    return None


@dataclass(slots=True)
class SourceOutcome:
    source_id: str
    status: str  # ok | not_modified | failed | gone | quarantined | disabled
    events: int = 0
    rejects: int = 0
    error: str | None = None
    http_status: int | None = None
    seconds: float = 0.0

    @classmethod
    def of(cls, sid: str, status: str, fetch: FetchResult | None, parsed: StagedSource | None) -> SourceOutcome:
        """A source's outcome from its stored status, its fetch and its parse (either may be missing)."""
        error = (parsed.error if parsed and parsed.error else None) or (fetch.error if fetch else "not fetched")
        if status in ("ok", "not_modified"):
            error = None
        return cls(
            source_id=sid,
            status=status,
            events=parsed.events_parsed if parsed else 0,
            rejects=parsed.rejects_parsed if parsed else 0,
            error=error,
            http_status=fetch.http_status if fetch else None,
            seconds=round(fetch.seconds, 3) if fetch else 0.0,
        )


@dataclass(slots=True)
class RunReport:
    run_id: str
    as_of: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    exit_code: int = exitcodes.OK
    message: str | None = None  # why nothing was published (exit 3) or the run was refused (exit 2)
    unreachable: bool = False  # no source could be reached: nothing was changed (database and site as they were)
    sources: list[SourceOutcome] = field(default_factory=list)
    events_new: int = 0
    events_updated: int = 0
    events_cancelled: int = 0
    events_withdrawn: int = 0  # every source that reported them left the configuration
    events_total: int = 0
    sources_stale: int = 0  # failing for at least federation.stale_after_days
    events_stale: int = 0  # events those sources last reported, kept as they were
    published: dict[str, object] | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for s in self.sources if s.status == status)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [s for s in self.sources if s.status in FAILED_STATUSES]

    def run_counts(self) -> dict[str, int]:
        """The counts the store records with the run (its `crawl_runs` row)."""
        return {
            "sources_ok": self.count("ok"),
            "sources_failed": len(self.failed),
            "sources_not_modified": self.count("not_modified"),
            "events_new": self.events_new,
            "events_updated": self.events_updated,
            "events_cancelled": self.events_cancelled,
            "events_withdrawn": self.events_withdrawn,
        }

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("as_of", "started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        data["totals"] = {
            "sources_ok": self.count("ok"),
            "sources_not_modified": self.count("not_modified"),
            "sources_failed": len(self.failed),
        }
        return data
