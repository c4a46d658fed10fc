"""A bad config file is refused with one line naming the file, the line, the source and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pyevents.config import ConfigError, SafeLoader, load_config

SOURCE = "  - id: {id}\n    name: {id}\n    type: ical\n    url: https://example.org/{id}.ics\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "federation:\n  name: x\nsources:\n  - id: [unclosed\n")
    message = _error(path)
    assert message.startswith(f"{path}:") and "not valid YAML" in message
    line = int(message.removeprefix(f"{path}:").split(":")[0])
    assert line >= 4


def test_a_bad_field_names_line_source_and_field(tmp_path: Path) -> None:
    text = "sources:\n" + SOURCE.format(id="first") + SOURCE.format(id="second").replace("type: ical", "type: icall")
    path = _write(tmp_path, text)
    assert _error(path).startswith(f"{path}:8: source #2 'second', field type: unknown type 'icall'")


def test_a_nested_field_names_its_own_line(tmp_path: Path) -> None:
    text = "sources:\n" + SOURCE.format(id="one") + "    defaults:\n      timezone: Mars/Olympus\n"
    assert _error(_write(tmp_path, text)).startswith(
        f"{tmp_path / 'events.yaml'}:7: source #1 'one', field defaults.timezone: 'Mars/Olympus' is not an IANA"
    )


def test_a_duplicate_id_names_the_second_one_and_the_line_of_its_first_use(tmp_path: Path) -> None:
    sources = SOURCE.format(id="once") + SOURCE.format(id="twice") + SOURCE.format(id="other") + SOURCE.format(id="twice")
    path = _write(tmp_path, "sources:\n" + sources)
    assert _error(path) == (f"{path}:14: source #4 'twice', field id: duplicate source id, first used by source #2 on line 6")


def test_a_source_without_an_id_is_named_by_its_number_and_a_federation_field_by_its_path(tmp_path: Path) -> None:
    no_id = _write(
        tmp_path,
        "sources:\n" + SOURCE.format(id="one") + "  - name: nameless\n    type: ical\n    url: https://example.org/x.ics\n",
    )
    assert _error(no_id) == f"{no_id}:6: source #2, field id: Field required"
    window = _write(tmp_path, "federation:\n  window: {past_days: -1}\nsources: []\n")
    assert _error(window).startswith(f"{window}:2: field federation.window.past_days: Input should be greater than")


def test_the_loader_reads_what_pyyamls_safe_loader_reads(tmp_path: Path) -> None:
    """The faster (libyaml) loader must not change what a config means: the shipped ones read alike."""
    for path in (Path(__file__).resolve().parents[2] / "config").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=SafeLoader) == yaml.load(text, Loader=yaml.SafeLoader), path.name


def test_an_unknown_listing_format_is_refused_and_a_known_one_kept(tmp_path: Path) -> None:
    listing = "sources:\n" + SOURCE.format(id="confs").replace("type: ical", "type: listing")
    bad = _write(tmp_path, listing + "    format: confs-tek\n")
    assert _error(bad).startswith(f"{bad}:6: source #1 'confs', field format: must be one of confs-tech,")
    good = _write(tmp_path, listing + "    format: confs-tech\n")
    assert load_config(good).sources[0].format == "confs-tech"


def test_the_repository_is_an_optional_http_url(tmp_path: Path) -> None:
    text = "federation:\n  name: x\n  repository: javascript:alert(1)\nsources:\n" + SOURCE.format(id="one")
    message = _error(_write(tmp_path, text))
    assert (
        message.startswith(f"{tmp_path / 'events.yaml'}:3:") and "federation.repository" in message and "http(s) URL" in message
    )
    fine = load_config(_write(tmp_path, text.replace("javascript:alert(1)", "https://git.example.org/calendars")))
    assert fine.federation.repository == "https://git.example.org/calendars"
    assert load_config(_write(tmp_path, "sources:\n" + SOURCE.format(id="one"))).federation.repository is None
