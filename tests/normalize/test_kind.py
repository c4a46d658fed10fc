"""Kinds from titles refine the source default, without being fooled by mere mentions."""

from __future__ import annotations

import pytest

from pyevents.pipeline.normalize.kind import kind_from_title, refine_kind

# title, source default, expected kind
CASES = [
    ("PyCon DE & PyData 2027", None, "conference"),
    ("PyConZA 2027", None, "conference"),
    ("Kiwi PyCon XIV", "other", "conference"),
    ("DjangoCon Europe 2027", None, "conference"),
    ("EuroPython 2027", None, "conference"),
    ("EuroSciPy 2027", None, "conference"),
    ("SciPy 2027", None, "conference"),
    ("PyData Amsterdam 2027", None, "conference"),
    ("PyData Global", None, "conference"),
    ("JupyterCon", None, "conference"),
    ("Python Summit Warsaw", None, "conference"),
    ("RustConf meets Python", None, "conference"),
    ("PyData Berlin Meetup", "meetup", "meetup"),
    ("PyData Berlin: April talks", "meetup", "meetup"),  # no kind word: the source default stays
    ("PyCon talk rehearsal at the Berlin meetup", "meetup", "meetup"),
    ("PyCon talk rehearsals", "meetup", "meetup"),  # a mentioned conference is no conference
    ("EuroPython recap evening", "meetup", "meetup"),
    ("PyCon US 2027 Sprints", "conference", "sprint"),
    ("Django Sprint", "meetup", "sprint"),
    ("CPython core sprint", None, "sprint"),
    ("Climate Hackathon", None, "sprint"),
    ("Intro to pandas Workshop", "meetup", "workshop"),
    ("PyCon US 2027 Tutorials", "conference", "workshop"),
    ("Django Girls Berlin", None, "workshop"),
    ("Data Science Bootcamp", None, "workshop"),
    ("PyLadies Hamburg Monthly Meetup", None, "meetup"),
    ("Python User Group Köln", None, "meetup"),
    ("Python Users Group Meeting", None, "meetup"),
    ("Monthly Python night", None, "meetup"),
    ("Python Stammtisch", None, "meetup"),
    ("Python Users Berlin", "meetup", "meetup"),
    ("Python Users Berlin", None, "other"),
    ("Confidential board session", None, "other"),  # "conf" only as a word
    ("Summer party", "bogus", "other"),  # an unknown default never leaks through
]


@pytest.mark.parametrize(("title", "default", "expected"), CASES, ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_kind_from_title_and_default(title: str, default: str | None, expected: str) -> None:
    assert refine_kind(title, default) == expected


def test_titles_without_kind_words_name_none() -> None:
    assert kind_from_title("Python Users Berlin") is None
    assert kind_from_title("Talks: typing in practice") is None
