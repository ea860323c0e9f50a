"""Deterministic document ids.

An id is the SHA-256 of the JSON array of the key's values. A JSON array is an unambiguous encoding:
("a-b", "c") and ("a", "b-c") can never collide the way a delimiter-joined string would.
"""

from __future__ import annotations

import hashlib
import json


def doc_id(*key: str | int | float | bool | None) -> str:
    encoded = json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
