"""Dates written in prose where a document has no machine-readable one: "June 25-26, 2011", "Del 22 al 26
de juliol", "25 juin 2027 à 18h30".

Read with `dateparser` in the document's language (a feed's `<language>`, a page's `lang`), relative to
the run's `as_of` (a date without year is the next one), never to the clock. Day ranges within one
month ("25-26", "del 22 al 26") are split into a first and a last day. The work is bounded: texts
longer than `MAX_TEXT` are not dates, and one document reads at most `MAX_READS` texts (each a few
milliseconds, the first of a language a few tenths of a second). What cannot be read stays unread:
the caller rejects the event as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

MAX_TEXT = 120
MAX_READS = 50  # per document
# Words that join the first and last day of a range, in the languages sources write.
_RANGE = re.compile(
    r"^(?P<head>.*?)\b(?P<first>\d{1,2})(?:st|nd|rd|th|\.|º|er)?\s*"
    r"(?:-|–|—|to|until|al|a|au|bis|tot|t/m|y|e|i)\s*(?P<last>\d{1,2})(?:st|nd|rd|th)?\b(?P<tail>\.?\D.*)$",
    re.IGNORECASE,
)
_TIME = re.compile(r"\d{1,2}\s*(?:[:h.]\s*\d{2}|[ap]\.?\s*m\b)|\b(?:uhr|noon|midi)\b", re.IGNORECASE)
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_]|$)", re.IGNORECASE)


@dataclass(slots=True)
class ProseDates:
    """Reads prose dates for one document, within its budget of `MAX_READS` texts."""

    language: str | None  # a primary language subtag (`language_of`): "ca", "en"
    as_of: dt.datetime  # aware; dates without year are read from here on
    reads: int = 0
    _known: dict[str, tuple[dt.date, dt.date | None] | None] = field(default_factory=dict)

    def span(self, text: object) -> tuple[dt.date, dt.date | None] | None:
        """The first day or instant of `text` and, for a day range, its last day; None when unreadable."""
        if not isinstance(text, str):
            return None
        text = " ".join(text.split())
        if not text or len(text) > MAX_TEXT or not any(ch.isdigit() for ch in text):
            return None
        if text in self._known:
            return self._known[text]
        if self.reads >= MAX_READS:
            return None
        self.reads += 1
        found = self._known[text] = self._span(text)
        return found

    def _span(self, text: str) -> tuple[dt.date, dt.date | None] | None:
        days = _RANGE.match(text)
        if days is not None:
            head, tail = days["head"], days["tail"]
            first = self._one(f"{head}{days['first']}{tail}")
            last = self._one(f"{head}{days['last']}{tail}")
            if isinstance(first, dt.date) and isinstance(last, dt.date) and first <= last:
                return first, last
        one = self._one(text)
        return (one, None) if one is not None else None

    def _one(self, text: str) -> dt.date | None:
        import dateparser  # only documents with prose dates pay for its import and language data

        settings = {
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": self.as_of.astimezone(dt.UTC).replace(tzinfo=None),
            "REQUIRE_PARTS": ["day", "month"],  # "next week" or "2027" is no event date
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        # the document's language first, then English (pages often write dates in English); never every
        # language dateparser knows: detecting among them takes seconds for a text that is no date
        languages = list(dict.fromkeys([self.language, "en"] if self.language else ["en"]))
        try:
            moment = dateparser.parse(text, languages=languages, settings=settings)
        except ValueError:  # a language dateparser does not know
            moment = None if languages == ["en"] else dateparser.parse(text, languages=["en"], settings=settings)
        except (TypeError, OverflowError):
            return None
        if moment is None:
            return None
        return moment if _TIME.search(text) else moment.date()


def language_of(tag: object) -> str | None:
    """The primary language subtag of a language tag ("en-US" -> "en", "fr_FR" -> "fr"), else None."""
    match = _LANGUAGE.match(tag.strip()) if isinstance(tag, str) else None
    return match.group(1).lower() if match is not None else None
