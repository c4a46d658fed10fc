"""clean_text's "already clean" shortcut returns exactly what the full cleaning returns."""

from __future__ import annotations

import random

import pytest

from pyevents.pipeline.normalize.text import _cleaned, clean_text

# Characters each rule of the cleaning looks at: blanks, line breaks, controls, bidi, a lone surrogate,
# decomposed and composed accents, other Unicode whitespace.
ALPHABET = [
    "a",
    "Z",
    "1",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u00a0",
    "\u2003",
    "\u3000",
    "\x00",
    "\x0b",
    "\x1c",
    "\x85",
    "\x7f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ud800",
    "e\u0301",
    "\u00e9",
    "\u2028",
    "<b>",
    "&amp;",
    "ü",
    "日",
]


def _strings(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 9))) for _ in range(count)]


@pytest.mark.parametrize("single_line", [True, False])
def test_the_shortcut_agrees_with_the_full_cleaning(single_line: bool) -> None:
    samples = [*_strings(7, 20_000), "Python night", "a\n\nb", "a\n\n\nb", "Zürich", "line \nnext", "x\n\u2003y"]
    for text in samples:
        assert clean_text(text, single_line=single_line) == _cleaned(text, single_line), repr(text)


def test_clean_text_still_cleans() -> None:
    assert clean_text("  a\u202e  b\r\nc ", single_line=True) == "a b c"
    assert clean_text("a \n\n\n\n b\t c") == "a\n\nb c"
    assert clean_text("e\u0301") == "\u00e9"
