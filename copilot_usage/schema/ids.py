"""Deterministic document ids.

An id is the SHA-256 of the JSON array of the key's values. A JSON array is an unambiguous encoding:
("a-b", "c") and ("a", "b-c") can never collide the way a delimiter-joined string would.
"""

from __future__ import annotations

import hashlib
import json

# One encoder for every id: the same output as json.dumps with these options, without re-creating it per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def doc_id(*key: str | int | float | bool | None) -> str:
    return hashlib.sha256(_ENCODER.encode(list(key)).encode("utf-8")).hexdigest()
