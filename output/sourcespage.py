"""sources.html (the sources, their health and the federation's coverage) and about.html (how to add a calendar)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from pyevents.output.federation import SourcePlace
from pyevents.output.labels import REGION_NAMES, country_name, region_name
from pyevents.output.rows import SourceHealth
from pyevents.output.site import MAIN_FEEDS, Site, environment, safe_href
from pyevents.output.timefmt import stamp_text

STATUS_WORDS = {
    "ok": "OK",
    "not_modified": "OK (not modified)",
    "failed": "Failing",
    "gone": "Gone (410)",
    "quarantined": "Quarantined",
    "disabled": "Disabled",
}
HEALTHY = frozenset({"ok", "not_modified"})


def coverage(places: Sequence[SourcePlace], sources: Sequence[SourceHealth]) -> list[dict[str, Any]]:
    """Sources and reported events per region, each with its countries: sources.html's coverage table.

    Events are the `sources` rows' event counts (reports in the window), so an event two sources
    report counts in both; a source with no country counts under its region, or under "worldwide".
    """
    events = {str(r.get("source_id")): int(r.get("event_count") or 0) for r in sources}
    regions: dict[str, dict[str, Any]] = {}
    for p in places:
        key = p.region if p.region in REGION_NAMES else "worldwide"
        region = regions.setdefault(
            key,
            {
                "region": key,
                "name": region_name(key) if key != "worldwide" else "Worldwide",
                "sources": 0,
                "events": 0,
                "countries": {},
            },
        )
        region["sources"] += 1
        region["events"] += events.get(p.source_id, 0)
        if p.country:
            country = region["countries"].setdefault(
                p.country, {"code": p.country, "name": country_name(p.country), "sources": 0, "events": 0}
            )
            country["sources"] += 1
            country["events"] += events.get(p.source_id, 0)
    order = {r: i for i, r in enumerate(REGION_NAMES)}
    out = sorted(regions.values(), key=lambda r: (order.get(r["region"], -1), r["name"]))
    for r in out:
        r["countries"] = sorted(r["countries"].values(), key=lambda c: c["name"])
    return out


def render_sources(
    site: Site, sources: Sequence[SourceHealth], stale_after_days: int, places: Sequence[SourcePlace] = ()
) -> Iterator[str]:
    rows = [_health_view(s, site.as_of, stale_after_days) for s in sources]
    rows.sort(key=lambda r: (r["healthy"], r["name"].casefold(), r["id"]))
    return (
        environment()
        .get_template("sources.html")
        .generate(
            site=site,
            title="Sources and their health",
            rows=rows,
            coverage=coverage(places, sources),
            failing=sum(1 for r in rows if not r["healthy"]),
            root="",
            feeds=[MAIN_FEEDS[0]],
            page="sources",
        )
    )


def render_about(site: Site) -> Iterator[str]:
    return (
        environment()
        .get_template("about.html")
        .generate(site=site, title="Add a calendar", root="", feeds=MAIN_FEEDS, page="about")
    )


def _health_view(row: SourceHealth, as_of: dt.datetime, stale_after_days: int) -> dict[str, Any]:
    status = str(row.get("last_status") or "")
    last_success: dt.datetime | None = row.get("last_success_at")
    stale_days = (as_of - last_success).days if last_success else None
    stale = stale_days is not None and stale_days >= stale_after_days
    if not status:
        status_text = "Not fetched yet"
    else:
        status_text = STATUS_WORDS.get(status, status)
    problem = str(row.get("last_error") or "") if status not in HEALTHY else ""
    if stale:
        problem = f"Stale for {stale_days} days. " + problem
    elif last_success is None and status:
        problem = "Never fetched successfully. " + problem
    return {
        "id": row.get("source_id") or "",
        "name": row.get("name") or row.get("source_id") or "",
        "href": safe_href(row.get("url")),
        "type": row.get("type") or "",
        "status": status_text,
        "healthy": status in HEALTHY and not stale,
        "last_success": stamp_text(last_success) or "never",
        "last_success_iso": last_success.isoformat() if last_success else "",
        "events": int(row.get("event_count") or 0),
        "failures": int(row.get("consecutive_failures") or 0),
        "problem": problem.strip(),
    }
