"""Addresses as people write them, from 40 countries: city (the gazetteer's name), ISO 3166-2 subdivision,
country and the zone of the place (gazetteer.zone_for_place), through normalize.finish_event."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.pipeline.model import SourceDefaults, SourceEvent
from pyevents.pipeline.normalize import finish_event
from pyevents.pipeline.normalize.gazetteer import zone_for_place

AT = dt.datetime(2027, 3, 1, 18, tzinfo=dt.UTC)

# location, the source's default country, city, subdivision, country, zone
ADDRESSES = [
    ("Science Park 123, 1098 XG Amsterdam", "NL", "Amsterdam", "NL-NH", "NL", "Europe/Amsterdam"),
    ("Fishburners, 11 York St, Sydney NSW 2000, Australia", None, "Sydney", "AU-NSW", "AU", "Australia/Sydney"),
    ("Bengaluru, Karnataka 560001, India", None, "Bengaluru", "IN-KA", "IN", "Asia/Kolkata"),
    (
        "NIMHANS Convention Centre, Hosur Road, Bangalore, Karnataka 560029, India",
        None,
        "Bengaluru",
        "IN-KA",
        "IN",
        "Asia/Kolkata",
    ),
    ("Karnataka 560001, India", None, None, "IN-KA", "IN", "Asia/Kolkata"),
    ("Av. Paulista 1578, Bela Vista, São Paulo - SP, 01310-200, Brasil", None, "São Paulo", "BR-SP", "BR", "America/Sao_Paulo"),
    ("Esplanada dos Ministérios, Brasília - DF, 70000-000, Brazil", None, "Brasília", "BR-DF", "BR", "America/Sao_Paulo"),
    ("Rynek Główny 1, 31-042 Krakow, Poland", None, "Kraków", None, "PL", "Europe/Warsaw"),
    (
        "Universidad de Ingeniería y Tecnología (UTEC), Jr. Medrano Silva 165, Barranco, Lima, Peru",
        None,
        "Lima",
        "PE-LMA",
        "PE",
        "America/Lima",
    ),
    ("Workshop17, 17 Dock Rd, V&A Waterfront, Cape Town, South Africa", None, "Cape Town", "ZA-WC", "ZA", "Africa/Johannesburg"),
    ("Biblioteca Virgilio Barco, Av. Carrera 60 #57-60, Bogotá, Colombia", None, "Bogotá", "CO-DC", "CO", "America/Bogota"),
    ("GrEEK Campus, 171 Tahrir St, Cairo, Egypt", None, "Cairo", "EG-C", "EG", "Africa/Cairo"),
    ("10 Downing St, London SW1A 2AA, UK", None, "London", "GB-ENG", "GB", "Europe/London"),
    ("Manchester Central, Windmill St, Manchester M2 3GX, United Kingdom", None, "Manchester", "GB-ENG", "GB", "Europe/London"),
    ("Alexanderplatz 1, 10178 Berlin, Germany", None, "Berlin", "DE-BE", "DE", "Europe/Berlin"),
    ("Marienplatz 8, 80331 München, Deutschland", None, "Munich", "DE-BY", "DE", "Europe/Berlin"),
    ("8 Rue de Rivoli, 75004 Paris, France", None, "Paris", "FR-IDF", "FR", "Europe/Paris"),
    ("Calle de Alcalá 1, 28014 Madrid, España", None, "Madrid", "ES-MD", "ES", "Europe/Madrid"),
    ("Carrer de Mallorca 401, 08013 Barcelona, Spain", None, "Barcelona", "ES-CT", "ES", "Europe/Madrid"),
    ("1601 Broadway, New York, NY 10019, USA", None, "New York City", "US-NY", "US", "America/New_York"),
    (
        "Oregon Convention Center, 777 NE Martin Luther King Jr Blvd, Portland, OR 97232",
        None,
        "Portland",
        "US-OR",
        "US",
        "America/Los_Angeles",
    ),
    (
        "Moscone Center, 747 Howard St, San Francisco, CA 94103, United States",
        None,
        "San Francisco",
        "US-CA",
        "US",
        "America/Los_Angeles",
    ),
    ("Toronto, ON M5V 2T6, Canada", None, "Toronto", "CA-ON", "CA", "America/Toronto"),
    ("1 Place Ville Marie, Montréal, QC H3B 2B6, Canada", None, "Montréal", "CA-QC", "CA", "America/Toronto"),
    (
        "Vancouver Convention Centre, 1055 Canada Pl, Vancouver, BC V6C 0C3, Canada",
        None,
        "Vancouver",
        "CA-BC",
        "CA",
        "America/Vancouver",
    ),
    (
        "Av. Corrientes 1234, C1043AAZ Buenos Aires, Argentina",
        None,
        "Buenos Aires",
        "AR-C",
        "AR",
        "America/Argentina/Buenos_Aires",
    ),
    ("Av. Colón 500, X5000 Córdoba, Argentina", None, "Córdoba", "AR-X", "AR", "America/Argentina/Cordoba"),
    (
        "Melbourne Convention Centre, 1 Convention Pl, South Wharf VIC 3006, Australia",
        None,
        "South Wharf",
        "AU-VIC",
        "AU",
        "Australia/Melbourne",
    ),
    ("Brisbane City Hall, 64 Adelaide St, Brisbane QLD 4000, Australia", None, "Brisbane", "AU-QLD", "AU", "Australia/Brisbane"),
    ("1-1 Marunouchi, Chiyoda City, Tokyo 100-0005, Japan", None, "Tokyo", "JP-13", "JP", "Asia/Tokyo"),
    ("Grand Front Osaka, 3-1 Ofukacho, Kita Ward, Osaka, 530-0011, Japan", None, "Osaka", "JP-27", "JP", "Asia/Tokyo"),
    ("東京, 日本", None, "Tokyo", "JP-13", "JP", "Asia/Tokyo"),
    ("Museumplein 6, 1071 DJ Amsterdam, Netherlands", None, "Amsterdam", "NL-NH", "NL", "Europe/Amsterdam"),
    ("Stationsplein 1, 3511 ED Utrecht", "NL", "Utrecht", "NL-UT", "NL", "Europe/Amsterdam"),
    ("Via del Corso 1, 00186 Roma, Italia", None, "Rome", "IT-62", "IT", "Europe/Rome"),
    ("Piazza del Duomo, 20122 Milano MI, Italy", None, "Milan", "IT-MI", "IT", "Europe/Rome"),
    ("Praça do Comércio, 1100-148 Lisboa, Portugal", None, "Lisbon", None, "PT", "Europe/Lisbon"),
    ("Bahnhofstrasse 1, 8001 Zürich, Switzerland", None, "Zürich", "CH-ZH", "CH", "Europe/Zurich"),
    ("Stephansplatz 1, 1010 Wien, Österreich", None, "Vienna", None, "AT", "Europe/Vienna"),
    ("Grand Place 1, 1000 Bruxelles, Belgium", None, "Brussels", "BE-BRU", "BE", "Europe/Brussels"),
    ("Nørregade 10, 1165 København, Denmark", None, "Copenhagen", None, "DK", "Europe/Copenhagen"),
    ("Drottninggatan 1, 111 51 Stockholm, Sweden", None, "Stockholm", None, "SE", "Europe/Stockholm"),
    ("Karl Johans gate 1, 0154 Oslo, Norway", None, "Oslo", None, "NO", "Europe/Oslo"),
    ("Mannerheimintie 1, 00100 Helsinki, Finland", None, "Helsinki", None, "FI", "Europe/Helsinki"),
    ("Václavské náměstí 1, 110 00 Praha, Czech Republic", None, "Prague", None, "CZ", "Europe/Prague"),
    ("Andrássy út 1, 1061 Budapest, Hungary", None, "Budapest", None, "HU", "Europe/Budapest"),
    ("İstiklal Caddesi 1, Beyoğlu, İstanbul, Turkey", None, "Istanbul", None, "TR", "Europe/Istanbul"),
    ("Rothschild Blvd 1, Tel Aviv, Israel", None, "Tel Aviv", None, "IL", "Asia/Jerusalem"),
    (
        "Paseo de la Reforma 222, Juárez, 06600 Ciudad de México, CDMX, Mexico",
        None,
        "Mexico City",
        "MX-CMX",
        "MX",
        "America/Mexico_City",
    ),
    ("Av. Providencia 1234, Santiago, Chile", None, "Santiago", None, "CL", "America/Santiago"),
    ("Gangnam-daero 1, Gangnam-gu, Seoul, South Korea", None, "Seoul", None, "KR", "Asia/Seoul"),
    ("Marina Bay Sands, 10 Bayfront Ave, Singapore 018956", None, "Singapore", None, "SG", "Asia/Singapore"),
    ("iHub, Senteu Plaza, Nairobi, Kenya", None, "Nairobi", None, "KE", "Africa/Nairobi"),
    ("Co-Creation Hub, 294 Herbert Macaulay Way, Yaba, Lagos, Nigeria", None, "Lagos", None, "NG", "Africa/Lagos"),
    ("Tromsø, Norway", None, "Tromsø", None, "NO", "Europe/Oslo"),
    ("Ulaanbaatar, Mongolia", None, "Ulan Bator", None, "MN", "Asia/Ulaanbaatar"),
    ("Auckland, New Zealand", None, "Auckland", None, "NZ", "Pacific/Auckland"),
    ("Reykjavík, Iceland", None, "Reykjavík", None, "IS", "Atlantic/Reykjavik"),
    ("Jl. Sudirman 1, Jakarta 10220, Indonesia", None, "Jakarta", None, "ID", "Asia/Jakarta"),
    ("Hanoi, Vietnam", None, "Hanoi", None, "VN", "Asia/Bangkok"),
    ("Kuala Lumpur, Malaysia", None, "Kuala Lumpur", None, "MY", "Asia/Kuala_Lumpur"),
    ("Taipei, Taiwan", None, "Taipei", None, "TW", "Asia/Taipei"),
    ("Dubai, United Arab Emirates", None, "Dubai", None, "AE", "Asia/Dubai"),
    ("Kyiv, Ukraine", None, "Kyiv", None, "UA", "Europe/Kyiv"),
    ("Accra, Ghana", None, "Accra", None, "GH", "Africa/Accra"),
    ("<b>Berlin</b>", "DE", None, None, "DE", "Europe/Berlin"),
    ("Hauptstraße 5", "DE", None, None, "DE", "Europe/Berlin"),
]


@pytest.mark.parametrize(("location", "hint", "city", "subdivision", "country", "zone"), ADDRESSES, ids=[a[0] for a in ADDRESSES])
def test_an_address_gives_city_subdivision_country_and_zone(
    location: str, hint: str | None, city: str | None, subdivision: str | None, country: str, zone: str
) -> None:
    ev = finish_event(SourceEvent("s", "u", "Meetup", AT, AT, "UTC", location=location), SourceDefaults(country=hint))
    assert (ev.city, ev.subdivision, ev.country) == (city, subdivision, country)
    assert zone_for_place(ev.latitude, ev.longitude, ev.city, ev.subdivision, ev.country) == zone


def test_the_table_spans_forty_countries() -> None:
    assert len(ADDRESSES) >= 60
    assert len({row[4] for row in ADDRESSES}) >= 40


@pytest.mark.parametrize(
    ("city", "country"), [("Sao Paulo", "BR"), ("brasilia", "BR"), ("Krakow", "PL"), ("Bogota", "CO"), ("Sydney NSW 2000", "AU")]
)
def test_a_source_city_field_takes_the_gazetteer_name_with_accents(city: str, country: str) -> None:
    ev = finish_event(SourceEvent("s", "u", "Meetup", AT, AT, "UTC", city=city, country=country), SourceDefaults())
    assert ev.city in {"São Paulo", "Brasília", "Kraków", "Bogotá", "Sydney"}


@pytest.mark.parametrize("city", ["<div class=x>", "Science Park 123", "Hauptstraße 5", "Room 4.12", "12345"])
def test_an_implausible_unknown_city_is_dropped(city: str) -> None:
    ev = finish_event(SourceEvent("s", "u", "Meetup", AT, AT, "UTC", city=city, country="DE"), SourceDefaults())
    assert ev.city is None


def test_an_unknown_small_town_is_kept() -> None:
    ev = finish_event(SourceEvent("s", "u", "Meetup", AT, AT, "UTC", city="Wolfenbüttelchen", country="DE"), SourceDefaults())
    assert ev.city == "Wolfenbüttelchen"


def test_swapped_coordinates_are_swapped_back() -> None:
    ev = finish_event(
        SourceEvent("s", "u", "Meetup", AT, AT, "UTC", location="Berlin, Germany", latitude=13.41, longitude=52.52),
        SourceDefaults(),
    )
    assert (ev.latitude, ev.longitude) == (52.52, 13.41)
    kept = finish_event(
        SourceEvent("s", "u", "Meetup", AT, AT, "UTC", location="Berlin, Germany", latitude=52.52, longitude=13.41),
        SourceDefaults(),
    )
    assert (kept.latitude, kept.longitude) == (52.52, 13.41)


def test_lastfm_feed_coordinates_are_swapped_back_into_their_country() -> None:
    from pathlib import Path

    from pyevents.pipeline.model import ParseContext, Window
    from pyevents.pipeline.normalize.gazetteer import coordinates_in_country
    from pyevents.pipeline.parse import parse_source

    path = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "ics" / "lastfm_event_feed.ics"
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path} (it lives beside the checkout)")
    window = Window.around(dt.datetime(2009, 3, 1, tzinfo=dt.UTC), 400, 400)
    parsed = parse_source(path.read_bytes(), ParseContext("lastfm", "ical", "file:x", window, SourceDefaults()), None)
    placed = [ev for ev in parsed.events if ev.latitude is not None and ev.country]
    assert placed  # the feed writes GEO as longitude;latitude
    assert all(coordinates_in_country(ev.latitude, ev.longitude, ev.country) for ev in placed)
    assert {(round(ev.latitude), round(ev.longitude)) for ev in placed if ev.country == "NL"} == {(52, 6)}
