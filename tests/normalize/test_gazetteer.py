"""The gazetteer: coordinates, cities, subdivisions and countries to zones, offline and loaded once."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest

from pyevents.pipeline.normalize import gazetteer
from pyevents.pipeline.normalize.admin1 import ADMIN1_ISO


@pytest.mark.parametrize(
    ("lat", "lon", "zone"),
    [(52.52, 13.41, "Europe/Berlin"), (45.52, -122.68, "America/Los_Angeles"), (-33.92, 18.42, "Africa/Johannesburg"),
     (12.97, 77.59, "Asia/Kolkata"), (69.65, 18.96, "Europe/Oslo"), (0.0, -30.0, None), (95.0, 0.0, None)],
)  # fmt: skip
def test_coordinates_give_the_zone_of_the_polygon_holding_them(lat: float, lon: float, zone: str | None) -> None:
    assert gazetteer.zone_at(lat, lon) == zone


@pytest.mark.parametrize(
    ("name", "subdivision", "country", "expected"),
    [("Portland", None, "US", ("Portland", "US-OR")), ("Portland", "ME", "US", ("Portland", "US-ME")),
     ("Sydney", "NS", "CA", ("Sydney", "CA-NS")), ("Bangalore", None, None, ("Bengaluru", "IN-KA")),
     ("Cologne", None, None, ("Köln", "DE-NW")), ("東京", None, None, ("Tokyo", "JP-13")), ("Lodz", None, "PL", ("Łódź", None))],
)  # fmt: skip
def test_a_city_is_found_by_any_name_preferring_its_subdivision_then_size(
    name: str, subdivision: str | None, country: str | None, expected: tuple[str, str | None]
) -> None:
    city = gazetteer.find_city(name, subdivision, country)
    assert city is not None and (city.name, city.subdivision) == expected


def test_an_unknown_city_is_none() -> None:
    assert gazetteer.find_city("Nowhere-upon-Nothing", None, "GB") is None
    assert gazetteer.find_city("Amsterdam", None, "BR") is None


@pytest.mark.parametrize(
    ("country", "zone"),
    [("NL", "Europe/Amsterdam"), ("DE", "Europe/Berlin"), ("IN", "Asia/Kolkata"), ("EG", "Africa/Cairo"), ("US", None),
     ("AU", None), ("BR", None), (None, None)],
)  # fmt: skip
def test_a_country_with_one_zone_gives_it(country: str | None, zone: str | None) -> None:
    assert gazetteer.country_zone(country) == zone


def test_zone_for_place_tries_coordinates_city_subdivision_country_in_order() -> None:
    assert gazetteer.zone_for_place(-31.95, 115.86, "Sydney", None, "AU") == "Australia/Perth"
    assert gazetteer.zone_for_place(None, None, "Portland", "OR", "US") == "America/Los_Angeles"
    assert gazetteer.zone_for_place(None, None, "Smalltown", "AU-VIC", "AU") == "Australia/Melbourne"
    assert gazetteer.zone_for_place(None, None, "Smalltown", None, "NL") == "Europe/Amsterdam"
    assert gazetteer.zone_for_place(None, None, "Smalltown", None, "US") is None


def test_swapped_coordinates_are_detected_by_country() -> None:
    assert gazetteer.fix_swapped(13.41, 52.52, "DE") == (52.52, 13.41)  # "GEO:13.41;52.52" for Berlin
    assert gazetteer.fix_swapped(52.52, 13.41, "DE") == (52.52, 13.41)
    assert gazetteer.fix_swapped(13.41, 52.52, None) == (13.41, 52.52)


def test_every_admin1_row_is_an_iso_subdivision() -> None:
    for country, rows in ADMIN1_ISO.items():
        codes = {sub.code for sub in pycountry.subdivisions.get(country_code=country)}
        assert {f"{country}-{suffix}" for suffix in rows.values()} <= codes, country


def test_the_gazetteer_is_loaded_once_per_process() -> None:
    gazetteer.find_city("Berlin")
    loaded = gazetteer._gazetteer()
    gazetteer.find_city("Hamburg", None, "DE")
    assert gazetteer._gazetteer() is loaded
    assert gazetteer._gazetteer.cache_info().misses == 1


@pytest.mark.parametrize(
    ("city", "country", "zone", "keeps"),
    [("Cape Town", "ZA", "Africa/Johannesburg", True), ("Kaapstad", "ZA", "Africa/Johannesburg", False),
     ("Amsterdam", "NL", "Europe/Berlin", False), ("Portland", "US", "America/New_York", True),
     ("Portland", "US", "America/Los_Angeles", True), ("Portland", "US", "America/Denver", False),
     ("Portland", "US", "America/Chicago", True),
     ("Bogotá", None, "America/Bogota", True), ("Smalltown", "AU", "Australia/Sydney", False),
     ("Lima", "PE", "UTC-05:00", False), (None, "PE", "America/Lima", False), ("Lima", "PE", None, False),
     ("Sao Paulo", "BR", "America/Sao_Paulo", True)],
)  # fmt: skip
def test_a_city_keeps_a_zone_when_a_city_of_that_own_name_in_its_country_does(
    city: str | None, country: str | None, zone: str | None, keeps: bool
) -> None:
    assert gazetteer.keeps_zone(city, country, zone) is keeps


def test_the_index_is_built_once_per_cache_folder_and_read_back_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = gazetteer.load_gazetteer(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"gazetteer-{gazetteer._index_key()}.npz"]  # no temporary left

    def no_build() -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(gazetteer, "_columns_from_cities", no_build)
    read = gazetteer.load_gazetteer(tmp_path)
    assert (read.names, read.countries, read.labels, read.subdivision_zones) == (
        built.names,
        built.countries,
        built.labels,
        built.subdivision_zones,
    )
    for column in ("digests", "owners", "name_starts", "latitudes", "longitudes", "populations", "zones", "subdivisions"):
        assert getattr(read, column).dtype == getattr(built, column).dtype
        assert (getattr(read, column) == getattr(built, column)).all(), column
    assert read.named(gazetteer.fold("Köln")) == built.named(gazetteer.fold("Köln")) != []
