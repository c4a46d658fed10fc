"""Test helper: a federation of recurring series as of T0, with a cancelled and a moved occurrence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.output.eventdb import T0, event_id_for, make_event, make_source, provenance, write_db

UTC = dt.UTC
DAY = dt.timedelta(days=1)
AMSTERDAM = event_id_for("amsterdam-weekly")
CHICAGO = event_id_for("chicago-monthly")
FADING = event_id_for("fading-series")


def _amsterdam(i: int, starts: dt.datetime, **fields: Any) -> dict[str, Any]:
    return make_event(
        f"Amsterdam weekly {i}",
        series_id=AMSTERDAM,
        title="PyAmsterdam Weekly",
        starts_at=starts,
        timezone="Europe/Amsterdam",
        country="NL",
        city="Amsterdam",
        venue="Science Park",
        latitude=52.35,
        longitude=4.95,
        **fields,
    )


def series_federation(path: Path) -> dict[str, Any]:
    """Tuesdays in Amsterdam (one past, one cancelled, one moved to a Wednesday), first Thursdays in
    Chicago, a conference in the United States, and a series with a single upcoming date left."""
    tuesday = dt.datetime(2025, 2, 25, 17, 0, tzinfo=UTC)  # 18:00 in Amsterdam; T0 is Saturday 1 March
    amsterdam = {f"ams_{i}": _amsterdam(i, tuesday + i * 7 * DAY) for i in range(7)}  # 25 Feb (past) .. 8 Apr
    amsterdam["ams_3"] = _amsterdam(3, tuesday + 3 * 7 * DAY, status="cancelled", sequence=1)
    moved_from = tuesday + 4 * 7 * DAY
    amsterdam["ams_4"] = _amsterdam(4, moved_from + DAY, sequence=1)  # Wednesday 26 March
    chicago = {
        f"chi_{i}": make_event(
            f"Chicago monthly {i}",
            series_id=CHICAGO,
            title="ChiPy Monthly",
            starts_at=starts,
            timezone="America/Chicago",
            country="US",
            region="north-america",
            city="Chicago",
            venue=None,
            latitude=None,
            longitude=None,
        )
        for i, starts in enumerate(dt.datetime(2025, m, d, 23, 0, tzinfo=UTC) for m, d in ((3, 6), (4, 3), (5, 1), (6, 5)))
    }
    others = {
        "pycon_us": make_event(
            "PyCon US",
            kind="conference",
            all_day=True,
            timezone="America/New_York",
            country="US",
            region="north-america",
            city="Pittsburgh",
            venue=None,
            starts_at=dt.datetime(2025, 5, 14, 4, 0, tzinfo=UTC),
            ends_at=dt.datetime(2025, 5, 19, 4, 0, tzinfo=UTC),
        ),
        "fading_past": make_event("Fading 0", series_id=FADING, title="Fading Group", starts_at=T0 - 3 * DAY),
        "fading_next": make_event("Fading 1", series_id=FADING, title="Fading Group", starts_at=T0 + 4 * DAY),
    }
    events = {**amsterdam, **chicago, **others}
    changes = [
        {
            "event_id": amsterdam["ams_4"]["event_id"],
            "changed_at": T0 - 2 * DAY,
            "field": "starts_at",
            "old_value": moved_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "new_value": (moved_from + DAY).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ]
    sources = [make_source("groups", name="Groups", event_count=len(events))]
    write_db(path, events.values(), sources, [provenance(ev, "groups") for ev in events.values()], changes)
    return {"events": events, "changes": changes}
