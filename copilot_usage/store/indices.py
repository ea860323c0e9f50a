"""The one module that owns index names, mappings and id keys.

Shaping, the store, the dashboards and the tests read names and fields from here; nothing else spells an
index or field name on its own. Mappings are explicit and `dynamic: false`: a field that is not listed
here is kept in `_source` but not indexed, so an unexpected field can never break a write. Source fields
GitHub adds later live in the raw archive until a mapping here models them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from copilot_usage.ids import doc_id

# Field types, so mappings read as a table.
KEYWORD: dict[str, Any] = {"type": "keyword", "ignore_above": 1024}
DATE: dict[str, Any] = {"type": "date", "format": "strict_date_optional_time||yyyy-MM-dd"}
LONG: dict[str, Any] = {"type": "long"}
DOUBLE: dict[str, Any] = {"type": "double"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
TEXT: dict[str, Any] = {"type": "text"}

# Every document carries these: the Grafana time field and the scope it belongs to.
DAY = "day"
SCOPE_TYPE = "scope_type"
SCOPE = "scope"
COMMON: dict[str, dict[str, Any]] = {DAY: DATE, SCOPE_TYPE: KEYWORD, SCOPE: KEYWORD}


@dataclass(frozen=True)
class IndexDef:
    """One index: its logical key, the fields that make a document unique, and its mapping."""

    key: str
    id_fields: tuple[str, ...]
    properties: Mapping[str, Mapping[str, Any]]
    description: str

    def name(self, prefix: str) -> str:
        return f"{prefix}{self.key}"

    def doc_id(self, source: Mapping[str, Any]) -> str:
        """The id of a document from its key fields; the index key is part of it so ids never collide."""
        return doc_id(self.key, *(source.get(f) for f in self.id_fields))

    def mappings(self) -> dict[str, Any]:
        return {"dynamic": False, "properties": {**COMMON, **self.properties}}

    def fields(self) -> frozenset[str]:
        """Every mapped field path, with object sub-fields as dotted paths."""
        return frozenset(_paths(self.mappings()["properties"]))


def _paths(properties: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out.extend(_paths(spec["properties"], path + "."))
        else:
            out.append(path)
    return out


class Doc:
    """A document ready for the store: which index, its id, its source."""

    __slots__ = ("id", "index", "source")

    def __init__(self, index: IndexDef, source: dict[str, Any]):
        self.index = index
        self.source = source
        self.id = index.doc_id(source)

    def __repr__(self) -> str:
        return f"Doc({self.index.key}, {self.id[:12]})"


# --- ingestion log ---------------------------------------------------------------------------------
# One document per (scope, report, day): what the collector knows about that day. The planner reads it;
# the data-freshness panels chart it.
REPORT = "report"
STATUS = "status"
RECORD_COUNT = "record_count"
REJECTED_COUNT = "rejected_count"
CONTENT_HASH = "content_hash"
ATTEMPTS = "attempts"
ERROR = "error"
FETCHED_AT = "fetched_at"
FIRST_FETCHED_AT = "first_fetched_at"
DOCUMENT_COUNT = "document_count"

STATUS_COMPLETE = "complete"
STATUS_NOT_READY = "not_ready"
STATUS_EMPTY = "empty"
STATUS_FAILED = "failed"
STATUSES = (STATUS_COMPLETE, STATUS_NOT_READY, STATUS_EMPTY, STATUS_FAILED)

INGESTION_LOG = IndexDef(
    key="ingestion_log",
    id_fields=(SCOPE_TYPE, SCOPE, REPORT, DAY),
    properties={
        REPORT: KEYWORD,
        STATUS: KEYWORD,
        RECORD_COUNT: LONG,
        REJECTED_COUNT: LONG,
        DOCUMENT_COUNT: LONG,
        CONTENT_HASH: KEYWORD,
        ATTEMPTS: LONG,
        ERROR: {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}},
        FETCHED_AT: DATE,
        FIRST_FETCHED_AT: DATE,
    },
    description="what the collector knows about each (scope, report, day): status, counts, content hash",
)

# Every index the product writes. Shaping defines nothing of its own: it builds documents for these.
def all_indices() -> list[IndexDef]:
    return [INGESTION_LOG]
