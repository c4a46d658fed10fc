"""`pyevents sources --check`: the cross-source rules and the stale-edition warnings, as a library and a command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pyevents.config import load_config
from pyevents.sourcecheck import StoredHealth, _zones_by_country, check_config, edition_year, stored_health

REPO = Path(__file__).resolve().parents[1]
AS_OF = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


def _source(sid: str, url: str, **extra: object) -> dict[str, object]:
    defaults = extra.pop("defaults", {"kind": "meetup", "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin"})
    return {
        "id": sid,
        "name": extra.pop("name", sid.replace("-", " ").title()),
        "type": extra.pop("type", "ical"),
        "url": url,
        "defaults": defaults,
        **extra,
    }


def _config(tmp_path: Path, sources: list[dict[str, object]]) -> Path:
    path = tmp_path / "events.yaml"
    lines = ["federation: {name: Test}", "sources:"]
    for s in sources:
        lines.append(f"  - id: {s['id']}")
        lines.extend(f"    {k}: {json.dumps(v)}" for k, v in s.items() if k != "id")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_clean_federation_has_no_findings(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        [
            _source("pyladies-berlin", "https://www.meetup.com/PyLadies-Berlin/events/ical/"),
            _source(
                "pycon-lt-2027",
                "https://pycon.lt/2027/",
                type="html",
                defaults={"kind": "conference", "country": "LT", "timezone": "Europe/Vilnius"},
            ),
        ],
    )
    assert check_config(load_config(path), AS_OF, text=path.read_text()) == []


def test_errors_name_the_line_and_the_first_listing_of_a_url(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        [
            _source("pyladies-berlin", "https://www.meetup.com/PyLadies-Berlin/events/ical/"),
            _source("plain-http", "http://example.org/calendar.ics"),
            # The same calendar again, spelled with another case and a trailing slash missing: still the same URL.
            _source("pyladies-berlin-again", "https://WWW.MEETUP.COM/pyladies-berlin/events/ical"),
            _source("ical-with-format", "https://example.org/x.ics", format="confs-tech"),
        ],
    )
    findings = check_config(load_config(path), AS_OF, text=path.read_text())
    rendered = [f.render("events.yaml") for f in findings]
    assert rendered == [
        "events.yaml:8: source 'plain-http': error: URL must be https: http://example.org/calendar.ics",
        "events.yaml:13: source 'pyladies-berlin-again': error: URL already listed by 'pyladies-berlin': "
        "https://WWW.MEETUP.COM/pyladies-berlin/events/ical",
        "events.yaml:18: source 'ical-with-format': error: format 'confs-tech' is only for listings (type is 'ical')",
    ]


def test_zones_must_belong_to_the_country(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        [
            _source(
                "wrong-zone",
                "https://a.example.org/x.ics",
                defaults={"kind": "meetup", "country": "BR", "city": "São Paulo", "timezone": "Europe/Lisbon"},
            ),
            # A zone shared by several countries in zone1970.tab fits each of them.
            _source(
                "shared-zone",
                "https://b.example.org/x.ics",
                defaults={"kind": "meetup", "country": "DK", "city": "Copenhagen", "timezone": "Europe/Berlin"},
            ),
            _source("no-city", "https://c.example.org/x.ics", defaults={"kind": "meetup", "country": "FR"}),
        ],
    )
    messages = [(f.source_id, f.level, f.message) for f in check_config(load_config(path), AS_OF)]
    assert messages == [
        ("wrong-zone", "warning", "zone Europe/Lisbon is not one of BR's zones"),
        ("no-city", "warning", "a group calendar in one country needs defaults.city and defaults.timezone to place its events"),
    ]
    # tzdata's tables are read once per process, however many sources are checked.
    assert _zones_by_country.cache_info().misses == 1


def test_an_edition_with_a_past_year_is_over_relative_to_the_clock_given(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        [
            _source(
                "pycon-au-2025",
                "https://pretalx.com/pycon-au-2025/schedule/export/schedule.ics",
                defaults={"kind": "conference", "country": "AU", "timezone": "Australia/Melbourne"},
            ),
            _source(
                "python-organizers-2026",
                "https://raw.githubusercontent.com/python-organizers/conferences/main/2026.csv",
                type="listing",
                format="python-organizers-csv",
                defaults={"kind": "conference"},
            ),
            _source(
                "old-but-disabled",
                "https://pretalx.com/x-2019/schedule/export/schedule.ics",
                enabled=False,
                defaults={"kind": "conference"},
            ),
        ],
    )
    config = load_config(path)
    assert [edition_year(s) for s in config.sources] == [2025, 2026, 2019]
    assert [(f.source_id, f.message) for f in check_config(config, AS_OF)] == [
        ("pycon-au-2025", "edition 2025 is over: bump it to the next edition's URL or remove it"),
    ]
    later = check_config(config, AS_OF.replace(year=2027))
    assert [f.source_id for f in later] == ["pycon-au-2025", "python-organizers-2026"]


def test_a_per_edition_source_empty_for_several_runs_is_flagged(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        [
            _source(
                "pydata-london-2026",
                "https://pretalx.com/pydata-london-2026/schedule/export/schedule.ics",
                defaults={"kind": "conference", "country": "GB", "timezone": "Europe/London"},
            ),
            _source("pyladies-berlin", "https://www.meetup.com/PyLadies-Berlin/events/ical/"),
            _source(
                "pycon-de-2026",
                "https://pretalx.com/pyconde-2026/schedule/export/schedule.ics",
                defaults={"kind": "conference", "country": "DE", "timezone": "Europe/Berlin"},
            ),
        ],
    )
    config = load_config(path)
    seen = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    health = stored_health(
        [
            {"source_id": "pydata-london-2026", "last_status": "ok", "event_count": 0, "last_success_at": seen},
            # A group with nothing planned is normal: only per-edition sources are called over.
            {"source_id": "pyladies-berlin", "last_status": "ok", "event_count": 0, "last_success_at": seen},
            # Failing is another matter (the health page shows it), not evidence that the edition is over.
            {"source_id": "pycon-de-2026", "last_status": "failed", "event_count": 0, "last_success_at": None},
        ]
    )
    assert health["pydata-london-2026"] == StoredHealth("ok", 0, seen)
    assert check_config(config, AS_OF, health, runs=2) == []
    flagged = check_config(config, AS_OF, health, runs=3)
    assert [(f.source_id, f.level) for f in flagged] == [("pydata-london-2026", "warning")]
    assert "no event inside the window after 3 runs" in flagged[0].message


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyevents", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_the_command_exits_2_on_errors_and_0_on_warnings(tmp_path: Path) -> None:
    bad = _config(tmp_path, [_source("a", "https://x.example.org/a.ics"), _source("b", "https://x.example.org/a.ics/")])
    result = _cli("sources", "--config", str(bad), "--check", "--as-of", "2026-12-07", "--db", "none.duckdb", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:8: source 'b': error: URL already listed by 'a'" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"{bad}: 2 sources (2 enabled) 1 error(s), 0 warning(s)"
    assert "Traceback" not in result.stderr

    stale = _config(
        tmp_path,
        [_source("pycon-x-2025", "https://pretalx.com/x-2025/schedule/export/schedule.ics", defaults={"kind": "conference"})],
    )
    result = _cli("sources", "--config", str(stale), "--check", "--as-of", "2026-12-07", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "source 'pycon-x-2025': warning: edition 2025 is over" in result.stderr


@pytest.mark.parametrize("config", ["config/events.yaml", "config/demo.yaml"])
def test_the_shipped_federations_pass_on_the_review_day(config: str) -> None:
    result = _cli("sources", "--config", config, "--check", "--as-of", "2026-12-07", "--db", "absent.duckdb", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("are valid, 0 warning(s)"), result.stderr
