"""JSON text written piece by piece, exactly as `json.dumps(..., ensure_ascii=False, sort_keys=True)`
writes it: for documents written per event (events.json lines, JSON-LD), where an encoder building and
sorting a dict per document cost about twice as much as formatting encoded values in sorted-key order."""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring

# For what `value` does not write itself (json.dumps with options builds a new encoder per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)

TRUTH = ("false", "true")  # indexed by a bool
string = encode_basestring  # a value known to be a str (a TypeError otherwise): one C call, no dispatch


def value(item: object) -> str:
    """One value as JSON: strings, None and finite floats here, anything else by the json module."""
    if item is None:
        return "null"
    if item.__class__ is str:
        return encode_basestring(item)
    if item.__class__ is float and math.isfinite(item):
        return float.__repr__(item)
    return _ENCODER.encode(item)
