"""The site's sharing card (`static/card.png`, Open Graph and Twitter): a calendar drawn at build time.

No third party and no image library: a few filled rectangles encoded as PNG with zlib, so the bytes
are the same on every build (PNG chunks carry no time unless asked to).
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

CARD_PATH = "static/card.png"
WIDTH, HEIGHT = 1200, 630  # the size Open Graph and Twitter's large summary card show without cropping
_BLUE, _DARK, _YELLOW, _WHITE, _PALE = (
    (0x37, 0x76, 0xAB),
    (0x1E, 0x3A, 0x5F),
    (0xFF, 0xD4, 0x3B),
    (0xFF, 0xFF, 0xFF),
    (0xD6, 0xE4, 0xF0),
)


@lru_cache(maxsize=1)
def card_png() -> bytes:
    """A calendar page in Python's blue and yellow on a dark ground, one day marked."""
    rows = [bytearray(bytes(_DARK) * WIDTH) for _ in range(HEIGHT)]

    def fill(x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        for y in range(y0, y1):
            rows[y][x0 * 3 : x1 * 3] = bytes(color) * (x1 - x0)

    left, top, right, bottom = 390, 125, 810, 525
    fill(left, top, right, bottom, _WHITE)
    fill(left, top, right, top + 90, _BLUE)
    for ring in (470, 710):
        fill(ring, top - 30, ring + 20, top + 40, _YELLOW)
    cell, gap = 70, 26
    for row in range(3):
        for col in range(4):
            x = left + 40 + col * (cell + gap)
            y = top + 125 + row * (cell + gap)
            fill(x, y, x + cell, y + cell, _YELLOW if (row, col) == (1, 2) else _PALE)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 (none) on every scanline
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)),  # 8-bit RGB
            _chunk(b"IDAT", zlib.compress(raw, 9)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
