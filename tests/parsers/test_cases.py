"""Each parser against its case files (tests/parsers/cases/<format>/): a document and, in its header,
what parsing it must give (the format of a case is in `casefiles`). One test per format; adding a case
means adding a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyevents.pipeline.parsers.feed import parse_feed
from pyevents.pipeline.parsers.html import parse_html
from pyevents.pipeline.parsers.ical import parse_ical
from tests.parsers.casefiles import case_params, check, read_case


@pytest.mark.parametrize("path", case_params("ical"))
def test_ical_case(path: Path) -> None:
    case = read_case(path)
    check(case, parse_ical(case.body, case.context("ical")))


@pytest.mark.parametrize("path", case_params("html"))
def test_html_case(path: Path) -> None:
    case = read_case(path)
    check(case, parse_html(case.body, case.context("html")))


@pytest.mark.parametrize("path", case_params("feed"))
def test_feed_case(path: Path) -> None:
    case = read_case(path)
    check(case, parse_feed(case.body, case.context("feed")))
