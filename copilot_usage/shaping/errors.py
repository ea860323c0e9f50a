"""The one error shaping raises: a record that cannot be turned into documents."""

from __future__ import annotations


class RecordError(ValueError):
    """A record that cannot be shaped. `reason` is short and names the field, never dumps the record.

    Callers count it and set the record aside; the rest of the report is kept.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)
