"""publish(): every contract file, feeds read alike by two iCal parsers, byte-identical rebuilds, atomic swaps."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import icalendar
import lxml.etree
import pytest
import vobject

from pyevents.config import Config
from pyevents.output import publish as publish_module
from pyevents.output.ical import serialize_vevent
from pyevents.output.publish import PublishError
from pyevents.pipeline.model import REGIONS
from tests.output.eventdb import (
    ON_SERIES_PAGE,
    OWN_PAGES,
    PUBLISHED,
    T0,
    make_event,
    page_calendar,
    sample_federation,
    site_files,
    write_db,
)
from tests.sites import publish

CONFIG = Config.model_validate({"federation": {"name": "Python Events", "base_url": "https://events.example.org/"}})
HOST = "events.example.org"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("site")
    fed = sample_federation(root / "events.duckdb")
    summary = publish(root / "events.duckdb", root / "public", CONFIG, T0)
    return {"root": root, "out": root / "public", "fed": fed, "summary": summary}


def calendars(out: Path) -> dict[str, str]:
    """Every calendar of the site: the .ics files, and the one each event page's link carries."""
    found = {str(path.relative_to(out)): path.read_bytes().decode("utf-8") for path in site_files(out, ".ics")}
    found.update({str(page.relative_to(out)): page_calendar(page) for page in site_files(out / "events", ".html")})
    return found


def uid_of(fed: dict[str, Any], key: str) -> str:
    return f"{fed['events'][key]['event_id']}@{HOST}"


def test_every_contract_file_is_published(site: dict[str, Any]) -> None:
    out: Path = site["out"]
    for name in (
        "index.html",
        "sources.html",
        "about.html",
        "calendar.ics",
        "conferences.ics",
        "meetups.ics",
        "cfp.ics",
        "events.json",
        "feed.atom",
        "static/style.css",
        "static/filter.js",
    ):
        assert (out / name).is_file(), name
    for region in REGIONS:
        assert (out / "regions" / f"{region}.html").is_file() and (out / "regions" / f"{region}.ics").is_file()
    for code in ("de", "jp", "us", "ar"):
        assert (out / "countries" / f"{code}.html").is_file() and (out / "countries" / f"{code}.ics").is_file()
    for key in OWN_PAGES:
        event_id = site["fed"]["events"][key]["event_id"]
        assert (out / "events" / f"{event_id}.html").is_file()
    series_id = site["fed"]["events"]["berlin_0"]["series_id"]
    for key in ON_SERIES_PAGE:  # the upcoming dates of a series are read on its page
        event_id = site["fed"]["events"][key]["event_id"]
        assert not (out / "events" / f"{event_id}.html").exists()
        assert f'id="o-{event_id}"' in (out / "series" / f"{series_id}.html").read_text(encoding="utf-8")
    assert site_files(out / "events") == site_files(out / "events", ".html")  # no single-event .ics files any more
    assert site["summary"].events == len(PUBLISHED)


def test_every_ics_reads_the_same_in_icalendar_and_vobject_with_unique_uids(site: dict[str, Any]) -> None:
    files = calendars(site["out"])
    # calendar, 2 kinds, 7 regions, 4 countries, cfp, 2 kinds in each region and country; one per event page
    assert len(files) == 15 + 2 * 7 + 2 * 4 + len(OWN_PAGES)
    for path, text in files.items():
        cal = icalendar.Calendar.from_ical(text)
        ical_uids = [str(ev["UID"]) for ev in cal.walk("VEVENT")]
        parsed = vobject.readOne(text)
        vobject_uids = [ev.uid.value for ev in getattr(parsed, "vevent_list", [])]
        assert sorted(ical_uids) == sorted(vobject_uids), path
        assert len(set(ical_uids)) == len(ical_uids), path
        for ev in getattr(parsed, "vevent_list", []):  # vobject resolves every date against our VTIMEZONEs without error
            assert ev.dtstart.value is not None


def test_calendar_has_exactly_the_published_events(site: dict[str, Any]) -> None:
    cal = icalendar.Calendar.from_ical((site["out"] / "calendar.ics").read_bytes().decode("utf-8"))
    assert {str(ev["UID"]) for ev in cal.walk("VEVENT")} == {uid_of(site["fed"], k) for k in PUBLISHED}


def test_vtimezone_for_every_tzid_used(site: dict[str, Any]) -> None:
    for path, text in calendars(site["out"]).items():
        cal = icalendar.Calendar.from_ical(text)
        used = {
            ev[p].params["TZID"] for ev in cal.walk("VEVENT") for p in ("DTSTART", "DTEND") if p in ev and "TZID" in ev[p].params
        }
        defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        assert used == defined, path
    calendar = (site["out"] / "calendar.ics").read_bytes().decode("utf-8")
    for zone in ("Europe/Berlin", "Asia/Tokyo", "America/New_York"):
        assert f"TZID:{zone}\r\n" in calendar


def test_cancelled_event_stays_with_status_cancelled_until_it_is_past(site: dict[str, Any]) -> None:
    cal = icalendar.Calendar.from_ical((site["out"] / "calendar.ics").read_bytes().decode("utf-8"))
    by_uid = {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}
    cancelled = by_uid[uid_of(site["fed"], "cancelled_upcoming")]
    assert cancelled["STATUS"] == "CANCELLED" and cancelled["SEQUENCE"] == 2
    assert uid_of(site["fed"], "cancelled_past") not in by_uid


def test_all_day_events_are_dates_in_every_feed(site: dict[str, Any]) -> None:
    text = (site["out"] / "conferences.ics").read_bytes().decode("utf-8")
    assert "DTSTART;VALUE=DATE:20250423\r\nDTEND;VALUE=DATE:20250426\r\n" in text  # PyCon DE, Berlin dates
    assert "DTSTART;VALUE=DATE:20251120\r\nDTEND;VALUE=DATE:20251122\r\n" in text  # PyCon AR, Buenos Aires dates


def test_filtered_feeds_hold_their_subset(site: dict[str, Any]) -> None:
    out, fed = site["out"], site["fed"]

    def uids(name: str) -> set[str]:
        return {str(ev["UID"]) for ev in icalendar.Calendar.from_ical((out / name).read_bytes()).walk("VEVENT")}

    assert uids("conferences.ics") == {uid_of(fed, "pycon_de"), uid_of(fed, "tentative")}
    assert uids("countries/jp.ics") == {uid_of(fed, "tokyo")}
    assert uids("regions/online.ics") == {uid_of(fed, "online")}
    assert uids("regions/africa.ics") == set()
    assert uid_of(fed, "berlin_2") in uids("meetups.ics") and uid_of(fed, "pycon_de") not in uids("meetups.ics")
    assert uids("countries/de/conferences.ics") == {uid_of(fed, "pycon_de")}
    assert uids("regions/europe/conferences.ics") == {
        uid_of(fed, "pycon_de"),
        *(uids("conferences.ics") & uids("regions/europe.ics")),
    }
    assert uids("countries/de/meetups.ics") == uids("meetups.ics") & uids("countries/de.ics") != set()
    assert uids("countries/jp/conferences.ics") == set()  # every country with a feed has its kinds' feeds, even empty
    nyc_page = out / f"events/{fed['events']['nyc']['event_id']}.html"
    assert {str(ev["UID"]) for ev in icalendar.Calendar.from_ical(page_calendar(nyc_page)).walk("VEVENT")} == {uid_of(fed, "nyc")}
    cfp = icalendar.Calendar.from_ical((out / "cfp.ics").read_bytes()).walk("VEVENT")
    assert [str(ev["UID"]) for ev in cfp] == [f"cfp-{uid_of(fed, 'pycon_de')}"]


def test_a_new_feed_is_one_registry_entry_and_gets_its_vtimezones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A feed selecting on a column no other feed uses (`online`): written, linked, with a VTIMEZONE for every TZID."""
    from pyevents.output import feeds

    monkeypatch.setattr(
        feeds, "FAMILIES", (*feeds.FAMILIES, feeds.Family(("online",), "in-person.ics", "in-person events", "In-person events"))
    )
    monkeypatch.setitem(feeds.DOMAINS, "online", (False,))
    sample_federation(tmp_path / "events.duckdb")
    out = publish(tmp_path / "events.duckdb", tmp_path / "public", CONFIG, T0).out_dir
    cal = icalendar.Calendar.from_ical((out / "in-person.ics").read_bytes())
    used = {ev["DTSTART"].params["TZID"] for ev in cal.walk("VEVENT") if "TZID" in ev["DTSTART"].params}
    assert {"Europe/Berlin", "Asia/Tokyo"} <= used == {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert str(cal["X-WR-CALNAME"]) == "Python Events: in-person events"
    page = (out / "events" / f"{next(e for e in cal.walk('VEVENT'))['UID'].split('@')[0]}.html").read_text()
    assert 'href="https://events.example.org/in-person.ics"' in page  # navigation reads the registry too


def test_rebuild_of_unchanged_data_is_byte_identical(site: dict[str, Any], tmp_path: Path) -> None:
    again = publish(site["root"] / "events.duckdb", tmp_path / "again", CONFIG, T0)
    first = {p.relative_to(site["out"]): p.read_bytes() for p in site_files(site["out"])}
    second = {p.relative_to(again.out_dir): p.read_bytes() for p in site_files(again.out_dir)}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_feeds_do_not_change_when_only_the_clock_moves(site: dict[str, Any], tmp_path: Path) -> None:
    later = publish(site["root"] / "events.duckdb", tmp_path / "later", CONFIG, T0 + dt.timedelta(hours=3))
    for name in ("calendar.ics", "conferences.ics", "events.json", "feed.atom", "countries/jp.ics"):
        assert (later.out_dir / name).read_bytes() == (site["out"] / name).read_bytes(), name


def test_events_json_follows_its_documented_shape(site: dict[str, Any]) -> None:
    doc = json.loads((site["out"] / "events.json").read_bytes().decode("utf-8"))
    assert doc["version"] == "pyevents-events/1" and doc["count"] == len(doc["events"]) == len(PUBLISHED)
    by_id = {ev["id"]: ev for ev in doc["events"]}
    pycon = by_id[site["fed"]["events"]["pycon_de"]["event_id"]]
    assert pycon["all_day"] is True and pycon["start_local"] == "2025-04-23" and pycon["end_local"] == "2025-04-25"
    assert pycon["cfp"] == {"url": "https://pycon.de/cfp", "ends_at": "2025-03-20T23:00:00Z"}
    assert [s["source_id"] for s in pycon["sources"]] == ["pyberlin", "python-org"]  # by first seen, then id
    nyc = by_id[site["fed"]["events"]["nyc"]["event_id"]]
    assert nyc["starts_at"] == "2025-03-09T23:00:00Z" and nyc["start_local"] == "2025-03-09T19:00-04:00"
    assert (
        nyc["page_url"] == f"https://{HOST}/events/{nyc['id']}.html" and "ics_url" not in nyc
    )  # single-event .ics files are gone (data: link)
    documented = (Path(__file__).resolve().parents[2] / "docs" / "PUBLISHED.md").read_bytes().decode("utf-8")
    for key in pycon:
        assert f"`{key}`" in documented, f"events.json key {key} is not documented"


def test_atom_feed_lists_new_announcements_newest_first(site: dict[str, Any]) -> None:
    feed = feedparser.parse((site["out"] / "feed.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert "Django Girls Leipzig" not in titles and "Recent past meetup" not in titles  # cancelled, past
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True) and len(titles) == 9
    assert all(e.link.startswith((f"https://{HOST}/events/", f"https://{HOST}/series/")) for e in feed.entries)
    berlin = [e.link for e in feed.entries if e.link.startswith(f"https://{HOST}/series/")]
    assert berlin and all("#o-" in link for link in berlin)


def test_cached_vevents_are_used_and_stale_ones_are_rewritten(tmp_path: Path) -> None:
    current = make_event("Cached", sequence=1)
    stale = make_event("Stale", sequence=2)
    cache = [
        {
            "event_id": current["event_id"],
            "sequence": 1,
            "vevent": serialize_vevent(current, CONFIG.federation.base_url).replace("SUMMARY:Cached", "SUMMARY:From cache"),
        },
        {
            "event_id": stale["event_id"],
            "sequence": 1,
            "vevent": serialize_vevent({**stale, "sequence": 1}, CONFIG.federation.base_url),
        },
    ]
    write_db(tmp_path / "db.duckdb", [current, stale], vevents=cache)
    summary = publish(tmp_path / "db.duckdb", tmp_path / "out", CONFIG, T0)
    assert (summary.vevents_cached, summary.vevents_serialized) == (1, 1)
    text = (tmp_path / "out" / "calendar.ics").read_bytes().decode("utf-8")
    assert "SUMMARY:From cache\r\n" in text and "SEQUENCE:2\r\n" in text and "SEQUENCE:1\r\nLAST-MODIFIED" in text


def test_swap_keeps_the_previous_version_and_removes_older_ones(tmp_path: Path) -> None:
    write_db(tmp_path / "db.duckdb", [make_event("One")])
    out = tmp_path / "public"
    versions = [publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=i)).version_dir for i in range(3)]
    assert out.is_symlink() and out.resolve() == versions[2]
    assert not versions[0].exists() and versions[1].is_dir()
    assert (out / "index.html").is_file()


def test_an_old_real_directory_is_replaced_and_kept_as_previous(tmp_path: Path) -> None:
    write_db(tmp_path / "db.duckdb", [make_event("One")])
    out = tmp_path / "public"
    out.mkdir()
    (out / "old.html").write_text("old site")
    summary = publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    assert out.is_symlink() and (out / "calendar.ics").is_file() and not (out / "old.html").exists()
    legacy = [p for p in summary.version_dir.parent.iterdir() if p.name.startswith("legacy-")]
    assert len(legacy) == 1 and (legacy[0] / "old.html").read_text() == "old site"


def test_a_crash_while_writing_leaves_the_previous_site_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = make_event("One")
    write_db(tmp_path / "db.duckdb", [one])
    write_db(tmp_path / "changed.duckdb", [{**one, "title": "One, changed", "sequence": 1}])  # new event files to render
    out = tmp_path / "public"
    first = publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    before = {p.relative_to(out): p.read_bytes() for p in site_files(out)}

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(publish_module.eventfiles, "render_chunk", explode)  # after the listings are written
    with pytest.raises(RuntimeError):
        publish(tmp_path / "changed.duckdb", out, CONFIG, T0 + dt.timedelta(days=1))
    assert out.resolve() == first.version_dir
    assert {p.relative_to(out): p.read_bytes() for p in site_files(out)} == before
    monkeypatch.undo()
    after = publish(tmp_path / "changed.duckdb", out, CONFIG, T0 + dt.timedelta(days=2))
    left = sorted(p.name for p in after.version_dir.parent.iterdir() if p.is_dir() and not p.is_symlink())
    generations = sorted((v / "events").resolve().name for v in (first.version_dir, after.version_dir))
    assert left == sorted([first.version_dir.name, after.version_dir.name, *generations])  # the half-written ones are gone


def test_a_second_publish_at_once_is_refused(tmp_path: Path) -> None:
    import fcntl

    write_db(tmp_path / "db.duckdb", [make_event("One")])
    versions = tmp_path / ".public.versions"
    versions.mkdir()
    fd = os.open(versions / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(PublishError, match="another publish"):
            publish(tmp_path / "db.duckdb", tmp_path / "public", CONFIG, T0)
    finally:
        os.close(fd)
    assert not (tmp_path / "public").exists()


def test_publish_reads_the_database_without_writing_it(site: dict[str, Any], tmp_path: Path) -> None:
    """A writer holding the file open (the nightly job) and a publish do not disturb each other's data."""
    db = site["root"] / "events.duckdb"
    before = db.read_bytes()
    publish(db, tmp_path / "out", CONFIG, T0)
    assert db.read_bytes() == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from events").fetchone()[0] == len(site["fed"]["events"])


def test_unchanged_events_reuse_their_files_and_a_changed_one_is_rendered_again(tmp_path: Path) -> None:
    one, two = make_event("One"), make_event("Two")
    write_db(tmp_path / "db.duckdb", [one, two])
    out = tmp_path / "public"
    first = publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    assert first.event_files_reused == 0
    page = f"events/{one['event_id']}.html"
    second = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=1))  # the next day: new listings
    assert second.event_files_reused == 2 and not second.unchanged
    assert os.stat(first.version_dir / page).st_ino == os.stat(second.version_dir / page).st_ino  # linked, not copied

    (tmp_path / "db.duckdb").unlink()
    moved = {**two, "title": "Two, moved", "sequence": 1, "updated_at": T0}
    write_db(tmp_path / "db.duckdb", [one, moved])
    third = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=1, hours=2))
    assert third.event_files_reused == 1
    assert "Two, moved" in (out / f"events/{two['event_id']}.html").read_text(encoding="utf-8")
    fresh = publish(tmp_path / "db.duckdb", tmp_path / "fresh", CONFIG, T0 + dt.timedelta(days=1, hours=2))
    for name in (page, f"events/{two['event_id']}.html"):
        assert (out / name).read_bytes() == (fresh.out_dir / name).read_bytes(), name


def test_a_new_sighting_alone_does_not_re_render_an_event(tmp_path: Path) -> None:
    from tests.output.eventdb import make_source, provenance

    event = make_event("Seen")
    write_db(tmp_path / "db.duckdb", [event], [make_source("s")], [provenance(event, "s")])
    publish(tmp_path / "db.duckdb", tmp_path / "public", CONFIG, T0)
    (tmp_path / "db.duckdb").unlink()
    seen_again = {**event, "last_seen_at": T0 + dt.timedelta(days=1)}
    write_db(tmp_path / "db.duckdb", [seen_again], [make_source("s")], [provenance(seen_again, "s")])
    assert publish(tmp_path / "db.duckdb", tmp_path / "public", CONFIG, T0 + dt.timedelta(days=1)).event_files_reused == 1


def _tree(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in site_files(root)}


def test_chunks_rendered_by_the_process_pool_give_the_same_files(site: dict[str, Any], tmp_path: Path) -> None:
    pooled = publish(site["root"] / "events.duckdb", tmp_path / "pooled", CONFIG, T0, chunk_events=3)  # 11 events: 4 chunks
    one = _tree(site["out"])
    many = _tree(pooled.out_dir)
    assert one.keys() == many.keys() and [name for name in one if one[name] != many[name]] == []
    assert pooled.files == site["summary"].files == len(one)


def test_the_pool_links_unchanged_event_files_from_the_previous_version(site: dict[str, Any], tmp_path: Path) -> None:
    db, out = site["root"] / "events.duckdb", tmp_path / "public"
    publish(db, out, CONFIG, T0, chunk_events=3)
    again = publish(db, out, CONFIG, T0 + dt.timedelta(days=1), chunk_events=3)
    assert again.event_files_reused == len(OWN_PAGES) and again.events == len(PUBLISHED)
    assert not again.unchanged and 'Data as of <time datetime="2025-03-02' in (out / "index.html").read_text(encoding="utf-8")


def test_unchanged_inputs_keep_the_current_version_until_the_day_or_anything_shown_changes(tmp_path: Path) -> None:
    from tests.output.eventdb import make_source

    event = make_event("Kept")
    write_db(tmp_path / "db.duckdb", [event], [make_source("s")])
    out = tmp_path / "public"
    first = publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    index = (out / "index.html").read_bytes()
    later = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(hours=3))
    assert later.unchanged and later.version_dir == first.version_dir and later.files == 0 and later.events == 1
    assert (out / "index.html").read_bytes() == index

    (tmp_path / "db.duckdb").unlink()  # the source fails: its health is shown, so the site changes
    write_db(tmp_path / "db.duckdb", [event], [make_source("s", last_status="failed", last_error="HTTP 500")])
    failed = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(hours=4))
    assert not failed.unchanged and failed.version_dir != first.version_dir
    assert "HTTP 500" in (out / "sources.html").read_text(encoding="utf-8")
    next_day = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=1))
    assert not next_day.unchanged and next_day.event_files_reused == 1
    assert publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=1, hours=1)).unchanged


def test_a_timed_cfp_deadline_has_its_vtimezone(tmp_path: Path) -> None:
    event = make_event("Deadline", cfp_url="https://example.org/cfp", cfp_ends_at=dt.datetime(2025, 3, 20, 14, 0, tzinfo=dt.UTC))
    write_db(tmp_path / "db.duckdb", [event])
    publish(tmp_path / "db.duckdb", tmp_path / "public", CONFIG, T0)
    text = (tmp_path / "public" / "cfp.ics").read_bytes().decode("utf-8")
    assert "DTSTART;TZID=Europe/Berlin:20250320T150000\r\n" in text and "TZID:Europe/Berlin\r\n" in text
    assert len(vobject.readOne(text).vevent_list) == 1


def test_a_health_change_alone_shares_the_event_files_and_links_the_feeds(tmp_path: Path) -> None:
    from tests.output.eventdb import make_source

    events = [make_event("Shared"), make_event("Also shared")]
    write_db(tmp_path / "db.duckdb", events, [make_source("s")])
    out = tmp_path / "public"
    first = publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    (tmp_path / "db.duckdb").unlink()
    write_db(tmp_path / "db.duckdb", events, [make_source("s", last_status="failed", last_error="HTTP 503")])
    second = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(hours=1))
    assert not second.unchanged and second.event_files_reused == 2 and second.vevents_serialized == 0
    generation = (first.version_dir / "events").resolve()
    assert (second.version_dir / "events").resolve() == generation and generation.parent == first.version_dir.parent
    for name in (
        "calendar.ics",
        "events.json",
        "meetups.ics",
        "countries/de/meetups.ics",
        "cfp.ics",
        "static/card.png",
        "static/style.css",
    ):
        assert os.stat(first.version_dir / name).st_ino == os.stat(second.version_dir / name).st_ino, name
    for name in ("feed.atom", "cfp.html"):  # they follow the publish time (the next 14 days, countdowns): written anew
        assert os.stat(first.version_dir / name).st_ino != os.stat(second.version_dir / name).st_ino, name
    assert "HTTP 503" in (out / "sources.html").read_text(encoding="utf-8")
    # The listings are the current version's with the new publish time: the same as rendered afresh.
    assert 'Data as of <time datetime="2025-03-01T13:00+00:00">' in (out / "countries/de.html").read_text(encoding="utf-8")
    fresh = publish(tmp_path / "db.duckdb", tmp_path / "fresh", CONFIG, T0 + dt.timedelta(hours=1))
    assert site_files(out) and _tree(out) == _tree(fresh.out_dir)

    (tmp_path / "db.duckdb").unlink()  # an event changes: a new generation; the old one goes once no version uses it
    write_db(tmp_path / "db.duckdb", [{**events[0], "title": "Shared, renamed", "sequence": 1}, events[1]], [make_source("s")])
    third = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(hours=2))
    assert third.event_files_reused == 1 and (third.version_dir / "events").resolve() != generation
    assert generation.is_dir()  # the previous version still points at it
    publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=1))  # content unchanged: deleting waits
    assert generation.is_dir() and not first.version_dir.exists() and not second.version_dir.exists()
    (tmp_path / "db.duckdb").unlink()
    write_db(
        tmp_path / "db.duckdb", [{**events[0], "title": "Shared, renamed again", "sequence": 2}, events[1]], [make_source("s")]
    )
    publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(days=2))
    assert not generation.exists()
    kept = {(v / "events").resolve() for v in tmp_path.joinpath(".public.versions").iterdir() if v.name.startswith("v-")}
    assert {g for g in tmp_path.joinpath(".public.versions").iterdir() if g.name.startswith("e-")} == kept


def test_listings_not_holding_their_freshness_once_are_rendered_again(tmp_path: Path) -> None:
    from tests.output.eventdb import make_source

    events = [make_event("Listed")]
    write_db(tmp_path / "db.duckdb", events, [make_source("s")])
    out = tmp_path / "public"
    first = publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    index = first.version_dir / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("Data as of", "Data of"), encoding="utf-8")
    (tmp_path / "db.duckdb").unlink()
    write_db(tmp_path / "db.duckdb", events, [make_source("s", last_status="failed", last_error="HTTP 503")])
    second = publish(tmp_path / "db.duckdb", out, CONFIG, T0 + dt.timedelta(hours=1))
    assert second.event_files_reused == 1
    assert os.stat(first.version_dir / "feed.atom").st_ino != os.stat(second.version_dir / "feed.atom").st_ino
    fresh = publish(tmp_path / "db.duckdb", tmp_path / "fresh", CONFIG, T0 + dt.timedelta(hours=1))
    assert _tree(out) == _tree(fresh.out_dir)


def test_atom_is_newest_first_seen_then_soonest_and_never_leaves_out_the_next_14_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyevents.output import atom

    monkeypatch.setattr(atom, "ATOM_LIMIT", 3)
    day = dt.timedelta(days=1)
    batch = T0 - 2 * day  # many events first seen in one crawl: ties broken by start, then id
    events = [make_event(f"Batch {n}", first_seen_at=batch, starts_at=T0 + (30 + n) * day) for n in range(6)]
    soon = make_event("Meetup in two days", first_seen_at=T0 - 90 * day, starts_at=T0 + 2 * day)
    late = make_event("Meetup in twenty days", first_seen_at=T0 - 90 * day, starts_at=T0 + 20 * day)
    newest = make_event("Just announced", first_seen_at=T0 - dt.timedelta(hours=1), starts_at=T0 + 60 * day)
    write_db(tmp_path / "db.duckdb", [*events, soon, late, newest])
    first = publish(tmp_path / "db.duckdb", tmp_path / "out", CONFIG, T0).out_dir / "feed.atom"
    feed = feedparser.parse(first.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == ["Just announced", "Batch 0", "Batch 1", "Meetup in two days"]
    root = lxml.etree.fromstring(first.read_bytes())
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get(xml_lang) == "en" and all(e.get(xml_lang) == "en" for e in root.iter("{http://www.w3.org/2005/Atom}entry"))
    again = publish(tmp_path / "db.duckdb", tmp_path / "again", CONFIG, T0).out_dir / "feed.atom"
    assert again.read_bytes() == first.read_bytes()
