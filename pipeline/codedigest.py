"""Digests of the project's own code, so a stage's cached results are redone once after an upgrade.

One helper for every stage that keys a cache on its code: the parse (an unchanged body is parsed
again when the parsing or normalization code changed), the merge (`pyevents.run`) and the publish
(`output.publish`). Files are read once per process (callers cache the digest).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

PIPELINE_DIR = Path(__file__).resolve().parent
# What turns a body into reports: the parsers, normalization, the model and the dispatch.
PARSE_CODE = ("parsers", "normalize", "model.py", "parse.py")


def files_digest(paths: Iterable[Path]) -> str:
    """blake2b of the files' names and bytes, in name order; a folder counts with every file under it."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".pyc") if path.is_dir() else [path])
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(files, key=lambda p: (p.name, str(p))):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def parse_code_digest() -> str:
    """The digest of the parsing and normalization code (`PARSE_CODE`)."""
    return files_digest(PIPELINE_DIR / name for name in PARSE_CODE)
