"""What the operator sees: a live progress display on a terminal and a one-screen run report.

Identical failures are told once with a count (an outage fails every source of a host with the same
reason; 193 copies of one line say less than one line saying 193).
"""

from __future__ import annotations

import time
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from pyevents.runreport import RunReport

MAX_FAILURES_SHOWN = 15  # distinct failure reasons listed in the report
MAX_IDS_PER_REASON = 3  # source ids named for one reason before "and N more"


class ProgressDisplay:
    """Per-source progress (fetched / parsed, sources and events per second) while a run goes on.

    Only drawn on a terminal; under cron (no TTY) it stays silent, so the report is the only output.
    """

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self._progress: Progress | None = None
        self._fetch: TaskID | None = None
        self._parse: TaskID | None = None
        self._events = 0
        self._started = time.perf_counter()
        self._failures: Counter[str] = Counter()  # failure line -> sources that failed with it

    def __enter__(self) -> ProgressDisplay:
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description:<8}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)
        repeated = sum(n - 1 for n in self._failures.values())
        if repeated:
            self.console.print(f"  … and {repeated} more sources failed with a reason shown above", markup=False, highlight=False)

    def update(self, stage: str, info: dict[str, Any]) -> None:
        if self._progress is None:
            return
        p = self._progress
        elapsed = max(time.perf_counter() - self._started, 1e-6)
        if stage == "fetch-start":
            total = int(info.get("sources", 0) or 0)
            self._fetch = p.add_task("fetched", total=total, rate="")
            self._parse = p.add_task("parsed", total=total, rate="")
        elif stage == "fetched" and self._fetch is not None:
            if info.get("outcome") != "ok":
                reason = f"{info.get('outcome')}: {info['error']}" if info.get("error") else str(info.get("outcome"))
                self._failures[reason] += 1
                if self._failures[reason] == 1:  # the first source with this reason; the others are counted
                    p.console.print(f"  {info.get('source_id')}: {reason}", markup=False, highlight=False)
            p.advance(self._fetch)
            done = p.tasks[self._fetch].completed
            p.update(self._fetch, rate=f"{done / elapsed:.1f} sources/s")
            if info.get("outcome") != "ok" and self._parse is not None:
                p.advance(self._parse)  # nothing to parse for it
        elif stage == "parsed" and self._parse is not None:
            p.console.print(
                f"  {info.get('source_id')}: fetched, parsed, {info.get('events', 0)} events", markup=False, highlight=False
            )
            self._events += int(info.get("events", 0) or 0)
            p.advance(self._parse)
            p.update(self._parse, rate=f"{self._events} events, {self._events / elapsed:.0f} events/s")
        elif stage == "publish-start":
            p.add_task("publish", total=None, rate="")


def render_report(report: RunReport, console: Console) -> None:
    """The one-screen summary at the end of a run: sources, events, failures with reasons, timings."""
    if report.message and not report.unreachable:
        console.print(f"[bold red]nothing published:[/] {report.message}", soft_wrap=True)  # one line: a path is never cut
        return
    seconds = (report.finished_at - report.started_at).total_seconds() if report.finished_at else 0.0
    summary = Table(title=f"pyevents run {report.run_id} as of {report.as_of:%Y-%m-%d %H:%M} UTC", show_header=False)
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row(
        "sources",
        f"{report.count('ok')} ok, {report.count('not_modified')} not modified, "
        f"{len(report.failed)} failed (of {len(report.sources)})",
    )
    summary.add_row(
        "events",
        "kept as they were"
        if report.unreachable
        else f"{report.events_new} new, {report.events_updated} updated, {report.events_cancelled} cancelled, "
        f"{report.events_withdrawn} withdrawn (their sources left the config), "
        f"{report.events_stale} stale (from {report.sources_stale} sources failing for days), {report.events_total} live",
    )
    if report.published is not None:
        published = report.published
        summary.add_row(
            "published",
            f"{published.get('events', 0)} events, site unchanged"
            if published.get("unchanged")
            else f"{published.get('events', 0)} events in {published.get('files', 0)} files",
        )
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.stage_seconds.items())
    summary.add_row("time", f"{seconds:.0f}s ({timing})")
    console.print(summary)
    if report.unreachable:
        console.print(f"[bold red]{report.message}[/]")
    if report.failed:
        _print_failures(report, console)


def _print_failures(report: RunReport, console: Console) -> None:
    """One row per distinct (status, reason), with how many sources and which, most frequent first."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s in report.failed:
        groups.setdefault((s.status, s.error or ""), []).append(s.source_id)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    failures = Table(title="sources that need attention", title_style="bold red")
    for col in ("sources", "status", "error"):
        failures.add_column(col, overflow="fold")
    for (status, error), ids in ordered[:MAX_FAILURES_SHOWN]:
        named = ", ".join(ids[:MAX_IDS_PER_REASON])
        more = f" and {len(ids) - MAX_IDS_PER_REASON} more" if len(ids) > MAX_IDS_PER_REASON else ""
        failures.add_row(f"{len(ids)}: {named}{more}" if len(ids) > 1 else named, status.upper(), error)
    console.print(failures)
    if len(ordered) > MAX_FAILURES_SHOWN:
        hidden = sum(len(ids) for _, ids in ordered[MAX_FAILURES_SHOWN:])
        console.print(f"… and {hidden} more sources with other reasons: see sources.html or the sources table")
