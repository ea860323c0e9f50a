"""The one interface every shaper has: feed records with `add`, then call `finish` once.

`add` returns the documents a record makes on its own (often one); `finish` returns what needs the whole
day (team totals, the seat summary, merged billing lines). Both raise nothing but RecordError from `add`,
which the day pipeline counts and sets aside. A shaper is built per (scope, day) by its report's spec in
registry.py, so it can hold that day's joined data (membership, the billing summary).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from copilot_usage.model import Scope
from copilot_usage.schema.indices import Doc


class Shaper(Protocol):
    def add(self, record: Any) -> Iterable[Doc]: ...

    def finish(self) -> Iterable[Doc]: ...


class PerRecord:
    """A shaper for reports whose documents each depend on one record only (aggregate, repos, teams)."""

    def __init__(self, scope: Scope, day: dt.date, shape: Callable[[Scope, dt.date, Any], Doc | list[Doc]]):
        self.scope = scope
        self.day = day
        self._shape = shape

    def add(self, record: Any) -> list[Doc]:
        docs = self._shape(self.scope, self.day, record)
        return docs if isinstance(docs, list) else [docs]

    def finish(self) -> list[Doc]:
        return []
