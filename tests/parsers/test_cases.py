"""Each parser against its case files (tests/parsers/cases/<format>/): a document and, in its header,
what parsing it must give (the format of a case is in `casefiles`). One test per format; adding a case
means adding a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyevents.pipeline.parsers.ical import parse_ical
from tests.parsers.casefiles import case_params, check, read_case


@pytest.mark.parametrize("path", case_params("ical"))
def test_ical_case(path: Path) -> None:
    case = read_case(path)
    check(case, parse_ical(case.body, case.context("ical")))
