"""The kind of an event (conference, meetup, sprint, workshop, other) from its title and its source.

A title can name several kinds ("PyCon talk rehearsal at the Berlin meetup", "PyCon US Sprints").
The most specific wins: sprint, then workshop, then meetup, then conference — a conference that is
only mentioned (rehearsal, recap, watch party) does not make the evening a conference. A title
naming no kind keeps the source's default.
"""

from __future__ import annotations

import re

from pyevents.pipeline.model import KINDS

_SPRINT = re.compile(r"\b(?:sprints?|dev[ -]?sprints?|hackathons?|hack[ -]?days?|hackfest)\b", re.I)
_WORKSHOP = re.compile(
    r"\b(?:workshops?|tutorials?|bootcamps?|boot[ -]camps?|hands[ -]on|trainings?|masterclass|crash course|"
    r"django ?girls|coding dojo|kurs|atelier|taller)\b",
    re.I,
)
_MEETUP = re.compile(
    r"\b(?:meetups?|meet[ -]ups?|user'?s? groups?|monthly|stammtisch|treffen|pub night|hack night|"
    r"afterwork|python night|pyladies night)\b",
    re.I,
)
_CONFERENCE = re.compile(
    r"\b(?:\w*pycon\w*|py\w*conf|\w+conf|conf|conference|konferenz|conférence|conferencia|congress|summit|"
    r"symposium|djangocon\w*|europython|euroscipy|scipy|geopython|jupytercon|pygotham|pycascades|pyohio|"
    r"pytexas|pybay|python brasil|kiwi pycon|pydata (?:global|[\w-]+ (?:19|20)\d\d))\b",
    re.I,
)
# Words that make a conference name a mere mention: "PyCon talk rehearsal", "EuroPython recap".
_MENTION = re.compile(
    r"\b(?:rehearsals?|recaps?|review|watch[ -]?party|viewing|after[ -]?party|pre[ -]?party|prep(?:aration)?|"
    r"warm[ -]?up|dry[ -]?runs?|practice|debrief)\b",
    re.I,
)
_BY_SPECIFICITY = (("sprint", _SPRINT), ("workshop", _WORKSHOP), ("meetup", _MEETUP))


def kind_from_title(title: str) -> str | None:
    """The kind a title names, or None when it names none."""
    for kind, pattern in _BY_SPECIFICITY:
        if pattern.search(title):
            return kind
    if _CONFERENCE.search(title) and not _MENTION.search(title):
        return "conference"
    return None


def refine_kind(title: str, default: str | None) -> str:
    """The title's kind when it names one, else the source default, else "other"."""
    found = kind_from_title(title)
    if found:
        return found
    return default if default in KINDS else "other"
