"""Index templates and indices: created when missing, extended in place when a definition grows.

Each index gets a composable template matching exactly its own name, so an index that is deleted and
later re-created (by us or by a stray write) comes back with the right mapping. The template's `_meta`
carries hashes of the definition; an unchanged definition costs one GET per index and no write.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

from copilot_usage.schema.indices import IndexDef, all_indices
from copilot_usage.store.errors import translated
from copilot_usage.store.mapping_diff import MappingDiff, diff_mappings
from copilot_usage.store.naming import check_prefix, template_name

log = logging.getLogger(__name__)

MANAGED_BY = "copilot-usage"
# Above the built-in templates of Elasticsearch (100-200), so a catch-all template cannot override ours.
TEMPLATE_PRIORITY = 500
# One primary shard: even a large enterprise produces well under a few million documents a year per
# index. No replicas: the deployment runs a single Elasticsearch node, where a replica can never be
# assigned and would only keep the cluster yellow. A multi-node cluster can raise it afterwards.
INDEX_SETTINGS: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0}

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class IndexStatus:
    """What ensure_indices did for one index."""

    index: str
    template: str  # created | updated | unchanged
    index_state: str  # created | updated (fields added) | unchanged
    added_fields: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.template != UNCHANGED or self.index_state != UNCHANGED

    def describe(self) -> str:
        text = f"{self.index}: template {self.template}, index {self.index_state}"
        if self.added_fields:
            text += f" (added {', '.join(self.added_fields)})"
        return text


@dataclass(frozen=True)
class TemplateReport:
    indices: tuple[IndexStatus, ...]

    @property
    def unchanged(self) -> bool:
        return not any(s.changed or s.problems for s in self.indices)

    @property
    def problems(self) -> list[str]:
        """One line per incompatible difference, naming the index: for the run summary."""
        return [f"{s.index}: {p}" for s in self.indices for p in s.problems]

    @property
    def changes(self) -> list[str]:
        """One line per index whose template or index was created or changed."""
        return [s.describe() for s in self.indices if s.changed]

    def lines(self) -> list[str]:
        return self.changes + [f"PROBLEM {p}" for p in self.problems]


def definition_hash(obj: Any) -> str:
    """SHA-256 of the canonical JSON of `obj` (sorted keys), so equal definitions hash equal."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def template_body(defn: IndexDef, prefix: str) -> dict[str, Any]:
    """The composable index template for one index (pure); `_meta` fingerprints the rest of the body."""
    mappings = defn.mappings()
    core = {
        "index_patterns": [defn.name(prefix)],
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": INDEX_SETTINGS, "mappings": mappings},
    }
    meta = {
        "managed_by": MANAGED_BY,
        "index_key": defn.key,
        "mapping_hash": definition_hash(mappings),
        "definition_hash": definition_hash(core),
    }
    return {**core, "_meta": meta}


def ensure_indices(es: Elasticsearch, prefix: str, indices: Iterable[IndexDef] | None = None) -> TemplateReport:
    """Make every index and its template match its definition as far as that can be done in place.

    Raises StoreUnavailable/StoreError when the engine cannot be reached or refuses us; incompatible
    differences are not raised but listed in the report's `problems`.
    """
    check_prefix(prefix)
    statuses = tuple(_ensure_one(es, defn, prefix) for defn in (all_indices() if indices is None else indices))
    report = TemplateReport(statuses)
    for line in report.lines():
        (log.warning if line.startswith("PROBLEM") else log.info)("%s", line)
    return report


def _ensure_one(es: Elasticsearch, defn: IndexDef, prefix: str) -> IndexStatus:
    name = defn.name(prefix)
    template = _put_template(es, defn, prefix)
    if _create_index(es, defn, name):
        return IndexStatus(name, template, CREATED)
    diff = _live_diff(es, defn, name)
    problems = list(diff.problems)
    state = UNCHANGED
    if diff.additions:
        with translated(es, f"PUT {name}/_mapping"):
            try:
                es.indices.put_mapping(index=name, properties=diff.additions)
                state = UPDATED
            except BadRequestError as e:
                problems.append(f"could not add fields {', '.join(diff.added)}: {e.message}")
    added = diff.added if state == UPDATED else ()
    return IndexStatus(name, template, state, added, tuple(problems))


def _put_template(es: Elasticsearch, defn: IndexDef, prefix: str) -> str:
    name = template_name(defn, prefix)
    body = template_body(defn, prefix)
    with translated(es, f"GET _index_template/{name}"):
        try:
            found = es.indices.get_index_template(name=name).body.get("index_templates", [])
        except NotFoundError:
            found = []
    existing: Mapping[str, Any] | None = found[0].get("index_template") if found else None
    if existing is not None and (existing.get("_meta") or {}).get("definition_hash") == body["_meta"][
        "definition_hash"
    ]:
        return UNCHANGED
    with translated(es, f"PUT _index_template/{name}"):
        es.indices.put_index_template(
            name=name,
            index_patterns=body["index_patterns"],
            priority=body["priority"],
            template=body["template"],
            meta=body["_meta"],
        )
    return CREATED if existing is None else UPDATED


def _create_index(es: Elasticsearch, defn: IndexDef, name: str) -> bool:
    """Create the index if it is missing; False if it already existed."""
    with translated(es, f"HEAD {name}"):
        if es.indices.exists(index=name):
            return False
    with translated(es, f"PUT {name}"):
        try:
            es.indices.create(index=name, settings=INDEX_SETTINGS, mappings=defn.mappings())
        except BadRequestError as e:
            if e.message != "resource_already_exists_exception":
                raise
            return False  # another run created it between our HEAD and PUT
    return True


def _live_diff(es: Elasticsearch, defn: IndexDef, name: str) -> MappingDiff:
    """The difference between the definition and the index's mapping (every concrete index behind it)."""
    with translated(es, f"GET {name}/_mapping"):
        live = es.indices.get_mapping(index=name).body
    wanted = defn.mappings()
    diffs = [diff_mappings(wanted, body.get("mappings", {})) for body in live.values()]
    additions: dict[str, Any] = {}
    for d in diffs:
        additions.update(d.additions)
    return MappingDiff(
        additions=additions,
        added=tuple(dict.fromkeys(p for d in diffs for p in d.added)),
        conflicts=tuple(dict.fromkeys(p for d in diffs for p in d.conflicts)),
        drift=tuple(dict.fromkeys(p for d in diffs for p in d.drift)),
    )
