"""The scaling mode's table (benchmarks/run.py --scale): each stage's time and peak RSS, per federation size.

The peak RSS of a stage is the largest sample of the process tree's RSS while that stage ran, the
stages placed on the run's clock by their durations from the run's JSON report, in the order the
run takes them; the first ~0.5 s (start-up before the crawl) count as the fetch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STAGES = ("fetch", "parse", "store_reports", "dedupe", "store", "publish")


@dataclass
class ScaleRun:
    factor: int
    sources: int
    run: Any  # run.Timing


def stage_peaks(run: Any) -> dict[str, float]:
    """Peak RSS (MB) per stage, from the RSS samples and the report's stage durations."""
    stages = run.report.get("stage_seconds", {}) if isinstance(run.report, dict) else {}
    spent = sum(float(stages.get(name, 0.0)) for name in STAGES)
    clock = max(run.seconds - spent, 0.0)  # start-up, counted with the fetch
    bounds: list[tuple[str, float, float]] = []
    begin = 0.0
    for name in STAGES:
        end = clock + float(stages.get(name, 0.0))
        bounds.append((name, begin, end))
        begin = clock = end
    peaks: dict[str, float] = {}
    for at, mb in run.rss_series:
        for name, start, end in bounds:
            if start <= at < end:
                peaks[name] = max(peaks.get(name, 0.0), mb)
                break
    return peaks


def _stopped_in(item: ScaleRun, previous: list[ScaleRun]) -> str:
    """The stage a capped run was in when stopped: the last completed run's stage times, scaled linearly."""
    done = [r for r in previous if not r.run.capped and r.run.report.get("stage_seconds")]
    if not done:
        return "an unknown stage"
    last = done[-1]
    stretch = item.factor / last.factor
    clock = max(last.run.seconds - sum(float(v) for v in last.run.report["stage_seconds"].values()), 0.0) * stretch
    for name in STAGES:
        clock += float(last.run.report["stage_seconds"].get(name, 0.0)) * stretch
        if item.run.seconds <= clock:
            return f"{name} (estimated from the {last.factor}x run's stage times, scaled linearly)"
    return "publish (estimated)"


def _table_rows(path: Path) -> list[str]:
    """The rows of the table already in `path` (a run of some sizes keeps the others' rows)."""
    if not path.exists():
        return []
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().isdigit()
    ]


def write_scale_results(path: Path, runs: list[ScaleRun], machine: str) -> str:
    lines = [
        "# Scaling: one machine, growing federations",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine}",
        "- one full `pyevents nightly` per size (synth.py, the default federation times the factor), served by",
        "  http.server on 127.0.0.1; written by `benchmarks/run.py --scale`",
        "",
        "| factor | sources | events | seconds | " + " | ".join(STAGES) + " | peak RSS | exit |",
        "|---|---|---|---|" + "---|" * len(STAGES) + "---|---|",
    ]
    measured = {str(item.factor) for item in runs}
    kept = [line for line in _table_rows(path) if line.split("|")[1].strip() not in measured]  # other sizes' rows
    for index, item in enumerate(runs):
        run = item.run
        stages = run.report.get("stage_seconds", {}) if isinstance(run.report, dict) else {}
        peaks = stage_peaks(run)
        cells = [f"{float(stages[name]):.1f} s / {peaks.get(name, 0):.0f} MB" if name in stages else "—" for name in STAGES]
        exit_text = f"stopped at the memory cap in {_stopped_in(item, runs[:index])}" if run.capped else str(run.exit_code)
        lines.append(
            f"| {item.factor} | {item.sources} | {run.report.get('events_total', '—')} | {run.seconds:.1f} | "
            + " | ".join(cells)
            + f" | {run.peak_rss_mb:.0f} MB | {exit_text} |"
        )
    rows = sorted(kept + lines[9:], key=lambda line: int(line.split("|")[1]))
    lines = lines[:9] + rows
    lines += ["", "Cells: the stage's seconds / the process tree's peak RSS while it ran.", ""]
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text
