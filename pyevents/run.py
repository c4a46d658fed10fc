"""Orchestration of a run: crawl → parse (all cores) → store → merge → publish.

The library API behind the CLI: `crawl_into_store`, `publish_site` and `nightly` take a loaded
`Config` and return a `RunReport`; nothing here prints. Exit codes follow the contract:
0 all sources fine, 1 published but some sources failed, 2 a configuration refused for what it would
withdraw (nothing crawled or written), 3 nothing could be published.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from pyevents import exitcodes
from pyevents.config import Config, SourceConfig
from pyevents.crawlers.fetch import CrawlerChild, fetch_sources
from pyevents.fetchedfiles import load_fetched, write_states
from pyevents.parsepool import SourceParser, states_for_fetch
from pyevents.pipeline import dedupe
from pyevents.pipeline.codedigest import files_digest
from pyevents.pipeline.model import FetchResult, SourceState, Window
from pyevents.pipeline.store import ConfiguredSource, RunCounts, Store, StoreError, StoreLocked
from pyevents.pipeline.store.events import StagedEvents
from pyevents.pipeline.store.staging import stage
from pyevents.pipeline.store.vevents import VeventRefresh
from pyevents.pipeline.store.withdrawal import WithdrawalPreview
from pyevents.runreport import Progress, RunReport, SourceOutcome, no_progress
from pyevents.runtime import no_cyclic_gc, release_freed_memory, worker_pool
from pyevents.shards import ShardError
from pyevents.workers import serialize_row_group

if TYPE_CHECKING:
    from pyevents.output.publish import PublishSummary

NOTHING_REACHABLE = "no source was reachable: is the network down? nothing was changed"
ACCEPT_WITHDRAWALS_FLAG = "--accept-withdrawals"  # named in the refusal: the CLI option that gives consent


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def select_sources(config: Config, only: tuple[str, ...] = ()) -> list[SourceConfig]:
    """Enabled sources, or exactly the named ones (unknown names are a usage error: KeyError)."""
    if only:
        return [config.source(sid) for sid in only]
    return [s for s in config.sources if s.enabled]


def _merge_salt(priorities: dict[str, int]) -> str:
    """What a merge depends on besides the stored reports: the sources' priorities and the merge's own code."""
    code = files_digest([Path(dedupe.__file__)])
    return hashlib.sha256(code.encode() + json.dumps(sorted(priorities.items())).encode()).hexdigest()


def crawl_into_store(
    config: Config,
    db_path: Path,
    *,
    only: tuple[str, ...] = (),
    as_of: dt.datetime | None = None,
    export_dir: Path | None = None,
    progress: Progress = no_progress,
    crawler: CrawlerChild | None = None,
    fetched_dir: Path | None = None,
    accept_withdrawals: bool = False,
) -> RunReport:
    """Fetch, parse, merge and store; the database file is replaced atomically at the end.

    `crawler`: a crawler child the caller started early, so that Scrapy's start-up overlaps opening the store.
    `fetched_dir`: load the fetch results other machines wrote there (`pyevents fetch --shard I/N`) instead
    of crawling, and leave the new conditional-GET state there for their next fetch.
    A config with no enabled source, or one that would withdraw more than half of the live events, is
    refused (exit 2, nothing crawled or written) unless `accept_withdrawals`.
    """
    as_of = (as_of or now_utc()).astimezone(dt.UTC)
    fed = config.federation
    window = Window.around(as_of, fed.window.past_days, fed.window.future_days)
    report = RunReport(run_id=uuid.uuid4().hex[:12], as_of=as_of, started_at=now_utc())
    sources = select_sources(config, only)
    loaded: dict[str, FetchResult] | None = None
    if fetched_dir is not None:
        try:
            loaded = load_fetched(fetched_dir, config, sources)
        except ShardError as exc:
            report.exit_code, report.message = exitcodes.USAGE, str(exc)
            return report
    enabled = [s.id for s in config.sources if s.enabled]
    if not enabled and not accept_withdrawals and not db_path.exists():  # refused without creating anything
        return _refused(report, WithdrawalPreview(live=0, withdrawn=0, enabled_sources=0))
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        report.exit_code = exitcodes.UNPUBLISHABLE
        report.message = f"cannot create the database's folder {db_path.parent}: {why}"
        return report
    try:
        store = Store.open(db_path)
    except (StoreLocked, StoreError) as exc:
        report.exit_code, report.message = exitcodes.UNPUBLISHABLE, str(exc)
        return report
    try:
        with store:
            if not accept_withdrawals:
                preview = store.withdrawal_preview(enabled, as_of)
                if preview.needs_consent:
                    return _refused(report, preview)  # leaving the block aborts: the database stays as it was
            store.start_run(report.run_id, as_of)
            store.sync_sources([ConfiguredSource(s.id, s.name, s.type, s.url, s.enabled) for s in config.sources])
            states = store.source_states()

            clock = time.perf_counter()
            progress("fetch-start", {"sources": len(sources)})
            with SourceParser(config, sources, states, window, progress, finish=stage) as parser:

                def fetched(result: FetchResult) -> None:
                    parser.submit(result)  # parsing starts while the crawl goes on (an unchanged body: not_modified)
                    progress("fetched", {"source_id": result.source_id, "outcome": result.outcome, "error": result.error})

                if loaded is None:
                    fetches = fetch_sources(
                        config.crawl_settings(), sources, states_for_fetch(states, window), on_progress=fetched, crawler=crawler
                    )
                else:
                    fetches = loaded
                    for result in fetches.values():
                        fetched(result)
                report.stage_seconds["fetch"] = time.perf_counter() - clock
                clock = time.perf_counter()
                parsed = parser.results()
            report.stage_seconds["parse"] = time.perf_counter() - clock  # the parsing left when the crawl ended
            if fetches and all(f.unreachable for f in fetches.values()):
                # Nothing was learned, so nothing changes: no health churn, no lifecycle step, same site.
                report.sources = [SourceOutcome.of(s.id, "failed", fetches.get(s.id), None) for s in sources]
                report.unreachable, report.message = True, NOTHING_REACHABLE
                report.exit_code, report.finished_at = exitcodes.SOURCES_FAILED, now_utc()
                return report  # leaving the block aborts the store

            clock = time.perf_counter()
            statuses = store.apply_fetches(window, fetches, parsed, as_of)
            report.sources = [
                SourceOutcome.of(s.id, statuses.get(s.id, "failed"), fetches.get(s.id), parsed.get(s.id)) for s in sources
            ]
            stale = _stale_sources(report, states, as_of, fed.stale_after_days)
            report.sources_stale, report.events_stale = len(stale), sum(states[sid].event_count for sid in stale)
            if fetched_dir is not None:
                write_states(fetched_dir, store.source_states())
            del fetches, parsed  # stored now: their bodies and events must not stay in memory beside the merge
            release_freed_memory()
            report.stage_seconds["store_reports"] = time.perf_counter() - clock

            serialize = functools.partial(serialize_row_group, fed.base_url)
            with store.refresh_vevents(serialize, worker_pool) as vevents:
                counts = _merge_and_save(store, config, window, as_of, report, vevents)  # times store_reports, dedupe, store
                clock = time.perf_counter()
                report.events_new, report.events_updated, report.events_cancelled = counts.new, counts.updated, counts.cancelled
                report.events_withdrawn = counts.withdrawn
                store.finish_run("partial" if report.failed else "ok", report.run_counts())
                # While the VEVENT workers run, if any.
                store.write_exports(export_dir if export_dir is not None else db_path.parent / "export")
                vevents.save()
            store.commit()
            report.stage_seconds["store"] += time.perf_counter() - clock
    except StoreError as exc:  # the store aborted: the previous database stays whole
        report.exit_code, report.message = exitcodes.UNPUBLISHABLE, f"database error, nothing stored: {exc}"
        return report
    report.finished_at = now_utc()
    report.exit_code = exitcodes.SOURCES_FAILED if report.failed else exitcodes.OK
    return report


def _refused(report: RunReport, preview: WithdrawalPreview) -> RunReport:
    """The run report of a configuration refused for what it would withdraw (exit 2, one line)."""
    what = (
        "the configuration has no enabled source"
        if preview.enabled_sources == 0
        else "the configuration would withdraw more than half of the live events"
    )
    report.exit_code = exitcodes.USAGE
    report.message = (
        f"refused: {what}: {preview.withdrawn} of {preview.live} live events would leave the site and every feed; "
        f"run again with {ACCEPT_WITHDRAWALS_FLAG} to accept"
    )
    report.finished_at = now_utc()
    return report


def _stale_sources(report: RunReport, states: dict[str, SourceState], as_of: dt.datetime, days: int) -> list[str]:
    """Sources that failed this run and last succeeded `days` or more days ago (their events are kept, but aging)."""
    limit = as_of - dt.timedelta(days=days)
    last_success = {sid: state.last_success_at for sid, state in states.items() if state.last_success_at is not None}
    return [s.source_id for s in report.failed if s.source_id in last_success and last_success[s.source_id] <= limit]


def _merge_and_save(
    store: Store, config: Config, window: Window, as_of: dt.datetime, report: RunReport, vevents: VeventRefresh
) -> RunCounts:
    """Merge the live reports into events and save them, unless nothing the merge reads has changed since
    the stored events were merged: then they are only confirmed (see Store.keep_merged_events). Every
    event left with a stale VEVENT goes to `vevents` (those of a merge while it is being saved)."""
    clock = time.perf_counter()
    priorities = {s.id: s.priority for s in config.sources}
    merge_key = store.merge_input_key(window, _merge_salt(priorities))
    kept = store.keep_merged_events(window, merge_key, as_of)
    report.stage_seconds["store_reports"] += time.perf_counter() - clock
    if kept is not None:
        counts, report.events_total = kept
        report.stage_seconds["dedupe"] = 0.0  # nothing to merge
        clock = time.perf_counter()
    else:
        staged = _merged_events(store, window, priorities, report)
        clock = time.perf_counter()
        report.events_total = staged.events.num_rows
        counts = store.save_events(window, staged, as_of, merge_key, vevents=vevents, release=True)
    vevents.hand_out_stale()
    report.stage_seconds["store"] = report.stage_seconds.get("store", 0.0) + time.perf_counter() - clock
    return counts


def _merged_events(store: Store, window: Window, priorities: dict[str, int], report: RunReport) -> StagedEvents:
    """The live reports merged into events, staged for saving: the reports and events, Python objects,
    are gone when this returns (they would otherwise sit beside DuckDB's work in save_events)."""
    clock = time.perf_counter()
    with no_cyclic_gc():  # the reports are acyclic: collector passes over them would find nothing
        reports = store.live_reports(window)
    report.stage_seconds["store_reports"] += time.perf_counter() - clock
    clock = time.perf_counter()
    with no_cyclic_gc():  # as many Events, and the merge's own acyclic keys and pairs
        events = dedupe.merge_reports(reports, priorities, store.known_event_ids())
    del reports  # the events hold the ones they need, and they are released while staged
    report.stage_seconds["dedupe"] = time.perf_counter() - clock
    clock = time.perf_counter()
    staged = store.stage_events(events, release=True)
    release_freed_memory()  # the reports' and events' strings, beside DuckDB's work in save_events
    report.stage_seconds["store"] = time.perf_counter() - clock
    return staged


# What makes a publish impossible (exit 3): the output folder, or the database it reads, is unusable.
PUBLISH_ERRORS = (OSError, StoreError)


def publish_site(config: Config, db_path: Path, out_dir: Path, *, as_of: dt.datetime | None = None) -> PublishSummary:
    """Render the site and feeds from the database; raises one of PUBLISH_ERRORS when it cannot."""
    from pyevents.output.publish import publish

    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}: run `pyevents crawl` or `pyevents nightly` first")
    as_of = (as_of or now_utc()).astimezone(dt.UTC)
    # A chunk of event pages is many short-lived acyclic objects: its worker runs it with the collector paused.
    page_workers = functools.partial(worker_pool, collector_paused=True)
    return publish(db_path, out_dir, config.publish_settings(), as_of, start_workers=page_workers)


def nightly(
    config: Config,
    db_path: Path,
    out_dir: Path,
    *,
    only: tuple[str, ...] = (),
    as_of: dt.datetime | None = None,
    progress: Progress = no_progress,
    crawler: CrawlerChild | None = None,
    fetched_dir: Path | None = None,
    accept_withdrawals: bool = False,
) -> RunReport:
    """The cron job: crawl into the store (or load `fetched_dir`), then publish the site; exit code per the contract."""
    report = crawl_into_store(
        config,
        db_path,
        only=only,
        as_of=as_of,
        progress=progress,
        crawler=crawler,
        fetched_dir=fetched_dir,
        accept_withdrawals=accept_withdrawals,
    )
    if report.exit_code in (exitcodes.UNPUBLISHABLE, exitcodes.USAGE) or report.unreachable:
        return report
    clock = time.perf_counter()
    release_freed_memory()  # what the store freed: the publish's workers and snapshot come on top
    progress("publish-start", {})
    try:
        report.published = asdict(publish_site(config, db_path, out_dir, as_of=report.as_of))
    except PUBLISH_ERRORS as exc:
        report.exit_code, report.message = exitcodes.UNPUBLISHABLE, f"could not publish to {out_dir}: {exc}"
    report.stage_seconds["publish"] = time.perf_counter() - clock
    report.finished_at = now_utc()
    return report
