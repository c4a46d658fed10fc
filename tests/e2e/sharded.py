"""A federation spread over several loopback hosts, for the sharded fetch tests (fetch/--fetched, Scrapyd).

Hosts 127.0.0.1 to 127.0.0.4 each serve iCal calendars; with 2 shards, 127.0.0.1 falls to shard 1 and
the other three to shard 2 (asserted, so a change of the hash cannot make the tests vacuous). One
conference is reported by calendars on two hosts of different shards, so the merge spans shards.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pyevents.shards import shard_of_host
from tests.crawlers.loopback import LoopbackServer, Reply, serving

AS_OF = "2027-02-01T06:00:00+00:00"
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


RIVERS = {"group0": "Spree", "group1a": "Elbe", "group1b": "Oder", "group2": "Rhine", "group3": "Danube"}


def _calendar(name: str) -> bytes:
    """Two one-off events, a weekly series and the shared conference, each group's on its own days."""
    river, day = RIVERS[name], 4 + list(RIVERS).index(name)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//tests//{name}//EN",
        "BEGIN:VEVENT",
        f"UID:{name}-talk@tests",
        f"SUMMARY:{river} Python talk night",
        f"DTSTART;TZID=Europe/Berlin:202702{10 + day:02d}T190000",
        f"DTEND;TZID=Europe/Berlin:202702{10 + day:02d}T210000",
        "LOCATION:Alte Münze, Berlin, Germany",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:{name}-sprint@tests",
        f"SUMMARY:{river} docs sprint",
        f"DTSTART;VALUE=DATE:202703{10 + day:02d}",
        f"DTEND;VALUE=DATE:202703{12 + day:02d}",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:{name}-weekly@tests",
        f"SUMMARY:{river} coding dojo",
        f"DTSTART;TZID=America/New_York:202701{day:02d}T180000",
        f"DTEND;TZID=America/New_York:202701{day:02d}T190000",
        "RRULE:FREQ=WEEKLY;COUNT=20",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:pycon-loopback-2027@conference",
        "SUMMARY:PyCon Loopback 2027",
        "DTSTART;VALUE=DATE:20270512",
        "DTEND;VALUE=DATE:20270515",
        "LOCATION:Riga, Latvia",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@dataclass
class Federation:
    config: Path
    servers: list[LoopbackServer]

    @property
    def allowed(self) -> list[str]:
        return [s.host_port for s in self.servers]


@contextlib.contextmanager
def loopback_federation(directory: Path) -> Iterator[Federation]:
    """Seven calendars on four loopback hosts (two on 127.0.0.2), and the config naming them."""
    assert [shard_of_host(h, 2) for h in HOSTS] == [1, 2, 2, 2]
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(serving(host)) for host in HOSTS]
        sources = []
        for index, server in enumerate(servers):
            server.routes["/robots.txt"] = Reply(404)
            names = [f"group{index}a", f"group{index}b"] if index == 1 else [f"group{index}"]
            for name in names:
                server.routes[f"/{name}.ics"] = Reply(200, _calendar(name), {"Content-Type": "text/calendar"})
                sources.append({"id": name, "name": name.title(), "type": "ical", "url": server.url(f"/{name}.ics")})
        config = {
            "federation": {
                "name": "Sharded test federation",
                "base_url": "https://events.example.org/",
                "contact": "mailto:test@example.org",
                "window": {"past_days": 30, "future_days": 400},
                "crawl": {"delay_seconds": 0, "per_host_concurrency": 2, "timeout_seconds": 10, "retries": 0},
                "allow_private_hosts": [s.host_port for s in servers],
            },
            "sources": sources,
        }
        path = directory / "federation.yaml"
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")
        yield Federation(path, servers)


def stored_events(db_path: Path) -> list[tuple[object, ...]]:
    """What subscribers would see of a run: every event's id, series, title, instants, zone and status."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "SELECT event_id, series_id, title, starts_at, ends_at, timezone, status FROM events ORDER BY event_id"
        ).fetchall()


def provenance(db_path: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT event_id, source_id, source_uid FROM event_sources ORDER BY ALL").fetchall()
