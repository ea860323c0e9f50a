"""The machine-readable outputs scripts rely on: `status --json` (here) and `report --format json/csv`
(copilot_usage/report.py). Their fields are documented in docs/operations.md ("Output for scripts") and pinned
by tests/integration/test_script_formats.py: add fields, never rename or remove them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any


def _iso(value: Any) -> str:
    """Dates as YYYY-MM-DD, timestamps as ISO 8601 in UTC; anything else as its text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def status_json(rows: Iterable[Mapping[str, Any]]) -> str:
    """`status --json`: a JSON array, one object per (scope_type, scope, report), sorted by those three."""
    return json.dumps(list(rows), indent=2, default=_iso)
