"""Free-text locations -> venue, city, ISO country, region, online (table-driven), plus python.org's real locations."""

from __future__ import annotations

import pycountry
import pytest

from pyevents.pipeline.model import REGIONS
from pyevents.pipeline.normalize import countries
from pyevents.pipeline.normalize.place import is_video_call_url, parse_location
from tests.shared_corpus import CORPUS, require

# location, hint country, venue, city, country, region, online
CASES = [
    ("Bratislava\\, Slovakia", None, None, "Bratislava", "SK", "europe", False),
    ("Bars Hub (Torstr. 1, Berlin, de)", None, "Bars Hub", "Berlin", "DE", "europe", False),
    ("Online", None, None, None, None, None, True),
    ("Zoom", None, None, None, None, None, True),
    ("Virtual event", None, None, None, None, None, True),
    ("https://meet.google.com/abc-defg-hij", None, None, None, None, None, True),
    ("Berlin + Online", None, None, "Berlin", "DE", "europe", True),
    ("Hybrid: Kraków, Polska / Zoom", None, None, "Kraków", "PL", "europe", True),
    ("Portland, OR", None, None, "Portland", "US", "north-america", False),
    ("Columbus, OH USA", None, None, "Columbus", "US", "north-america", False),
    ("Conway, Arkansas", None, None, "Conway", "US", "north-america", False),
    ("Toronto, ON, Canada", None, None, "Toronto", "CA", "north-america", False),
    ("Salt Lake City, Utah, USA", None, None, "Salt Lake City", "US", "north-america", False),
    ("Microsoft NERD, Cambridge, MA, USA", None, "Microsoft NERD", "Cambridge", "US", "north-america", False),
    # "DE" and "CA" are both countries and US states: the US reading unless the city or the source says otherwise
    ("Wilmington, DE", None, None, "Wilmington", "US", "north-america", False),
    ("Berlin, DE", None, None, "Berlin", "DE", "europe", False),
    ("Springfield, DE", "DE", None, "Springfield", "DE", "europe", False),
    ("San Francisco, CA", None, None, "San Francisco", "US", "north-america", False),
    ("Messe, Mannheim, Deutschland", None, "Messe", "Mannheim", "DE", "europe", False),
    ("Paris, Allemagne", None, None, "Paris", "DE", "europe", False),  # the text is taken at its word
    ("Palacio de Congresos, Zaragoza, España", None, "Palacio de Congresos", "Zaragoza", "ES", "europe", False),
    ("Florianópolis, Brasil", None, None, "Florianópolis", "BR", "south-america", False),
    ("Firenze, Italia", None, None, "Firenze", "IT", "europe", False),
    ("Utrecht, Nederland", None, None, "Utrecht", "NL", "europe", False),
    ("Wrocław, Polska", None, None, "Wrocław", "PL", "europe", False),
    ("Praha, Česko", None, None, "Praha", "CZ", "europe", False),
    ("東京, 日本", None, None, "東京", "JP", "asia", False),
    ("Москва, Россия", None, None, "Москва", "RU", "europe", False),
    ("Istanbul, Turkey", None, None, "Istanbul", "TR", "europe", False),
    ("Seoul, Korea", None, None, "Seoul", "KR", "asia", False),
    ("London, UK", None, None, "London", "GB", "europe", False),
    ("Cardiff University, Cardiff, Wales, UK", None, "Cardiff University", "Cardiff", "GB", "europe", False),
    ("Orvieto, Terni, Italy", None, None, "Orvieto", "IT", "europe", False),
    ("São José dos Campos, São Paulo, Brazil", None, None, "São José dos Campos", "BR", "south-america", False),
    ("Ciudad de Panamá, Panamá", None, None, "Ciudad de Panamá", "PA", "north-america", False),
    ("Kingston, Jamaica", None, None, "Kingston", "JM", "north-america", False),
    ("Lagos, Nigeria", None, None, "Lagos", "NG", "africa", False),
    ("Auckland, New Zealand", None, None, "Auckland", "NZ", "oceania", False),
    ("GFU Cyrus AG, Am Grauen Stein 27, 51105 Cologne", None, "GFU Cyrus AG", "Cologne", "DE", "europe", False),
    ("Berlin 10115, Deutschland", None, None, "Berlin", "DE", "europe", False),
    (
        "Singapore Polytechnic (SP), 500 Dover Road, Singapore 139651",
        None,
        "Singapore Polytechnic (SP)",
        "Singapore",
        "SG",
        "asia",
        False,
    ),
    ("PLNT Leiden (Langegracht 70, Leiden, ZH, Netherlands 2312 NV)", None, "PLNT Leiden", "Leiden", "NL", "europe", False),
    ("Montréal, QC H2X 1Y4, Canada", None, None, "Montréal", "CA", "north-america", False),
    ("FabLab Cottbus @ Walther-Pauer-Straße 5, 03044 Cottbus", None, "FabLab Cottbus", "Cottbus", None, None, False),
    ("Onomichi (Jodoji Temple)", None, None, "Onomichi", None, None, False),
    ("mumble.openspeak.cc port: 64747", None, None, None, None, None, True),
    ("Dublin", None, None, "Dublin", "IE", "europe", False),
    ("Yekaterinburg", None, None, "Yekaterinburg", "RU", "europe", False),
    ("Smallville", None, None, "Smallville", None, None, False),
    ("Google Campus", None, "Google Campus", None, None, None, False),
    ("TBA", None, None, None, None, None, False),
    ("", None, None, None, None, None, False),
]


@pytest.mark.parametrize(
    ("text", "hint", "venue", "city", "country", "region", "online"), CASES, ids=[c[0] or "empty" for c in CASES]
)
def test_location_is_read_into_a_place(
    text: str, hint: str | None, venue: str | None, city: str | None, country: str | None, region: str | None, online: bool
) -> None:
    place = parse_location(text, hint)
    assert (place.venue, place.city, place.country, place.online) == (venue, city, country, online)
    assert countries.region_of(place.country) == region


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://us02web.zoom.us/j/8123", True),
        ("https://meet.google.com/abc", True),
        ("https://teams.microsoft.com/l/meetup-join/x", True),
        ("https://meet.jit.si/pyladies", True),
        ("https://www.youtube.com/live/abc", True),
        ("https://www.twitch.tv/pycon", True),
        ("https://www.meetup.com/pydata-berlin/events/1", False),
        ("https://zoom.us.example.org/", False),
        (None, False),
    ],
)
def test_video_call_links(url: str | None, expected: bool) -> None:
    assert is_video_call_url(url) is expected


def test_every_iso_country_has_a_region_except_antarctica() -> None:
    missing = {c.alpha_2 for c in pycountry.countries} - set(countries.REGION_OF_COUNTRY)
    assert missing == {"AQ"}
    assert set(countries.REGION_OF_COUNTRY.values()) == set(REGIONS) - {"online"}


@pytest.mark.parametrize(
    ("name", "code"),
    [("Deutschland", "DE"), ("Allemagne", "DE"), ("España", "ES"), ("Brasil", "BR"), ("Italia", "IT"), ("Nederland", "NL"),
     ("Polska", "PL"), ("Česko", "CZ"), ("日本", "JP"), ("Россия", "RU"), ("USA", "US"), ("U.S.A.", "US"), ("UK", "GB"),
     ("Korea", "KR"), ("The Netherlands", "NL"), ("Czech Republic", "CZ"), ("Espana", "ES"), ("Türkiye", "TR")],
)  # fmt: skip
def test_country_names_in_many_languages(name: str, code: str) -> None:
    assert countries.country_by_name(name) == code


@pytest.mark.parametrize(
    ("value", "code"), [("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("uk", "GB"), ("Narnia", None), (None, None)]
)
def test_normalize_country_accepts_codes_and_names(value: str | None, code: str | None) -> None:
    assert countries.normalize_country(value) == code


# Chosen from python.org's real "Python Events Calendar" export: location -> (city, country).
PYTHON_ORG_EXPECTED = {
    "Academia Sinica, Taipei, Taiwan": ("Taipei", "TW"),
    "Columbus, OH USA": ("Columbus", "US"),
    "Executive Conference Center, 8th Fl, 1601 Broadway, NY, NY, 10036, USA": (None, "US"),
    "Level39, One Canada Square, Canary Wharf, E14 5AB, UK": ("Canary Wharf", "GB"),
    "De La Salle University, 2401 Taft Avenue, 1004 Manila, Philippines": ("Manila", "PH"),
    "Fortaleza, Ceará, Brazil": ("Fortaleza", "BR"),
    "Quilmes, Buenos Aires, Argentina": ("Quilmes", "AR"),
    "Pivotal Labs, 841 Broadway New York, NY, New York, NY, http://pivotallabs.com/": ("New York", "US"),
    "Laboratorio Tecnológico del Uruguay, Montevideo, Uruguay": ("Montevideo", "UY"),
    "Groningen, The Netherlands": ("Groningen", "NL"),
    "Kiew, Ukraine": ("Kiew", "UA"),
}


def test_python_org_calendar_locations() -> None:
    path = require(CORPUS / "ics" / "google_python_events_calendar.ics")
    import icalendar

    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    locations = [str(ev["LOCATION"]) for ev in calendar.walk("VEVENT") if ev.get("LOCATION")]
    places = {loc: parse_location(loc) for loc in locations}
    for loc, (city, country) in PYTHON_ORG_EXPECTED.items():
        assert (places[loc].city, places[loc].country) == (city, country), loc
    # 78 locations; only the Polish congress centre "… in Szczyrk" names no country or known city
    unresolved = sorted(loc for loc, p in places.items() if p.country is None)
    assert len(locations) == 78
    assert len(unresolved) == 1 and "Szczyrk" in unresolved[0]
