"""Read generated dashboard JSON back: its panels, their targets, the index and fields each one uses.

Pure functions over the JSON, so tests check what Grafana will load, not the generator's intentions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from copilot_usage.schema.indices import IndexDef, all_indices

DATASOURCE_PREFIX = "es-"
# `field:` in a Lucene query string; a quoted phrase is skipped so its text is never read as a field.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_FIELD = re.compile(r"(?<![\w.$])([A-Za-z_][\w.]*):")
_VARIABLE = re.compile(r"\$\{?(\w+)")


@dataclass(frozen=True)
class Use:
    """One place a dashboard reads an index: a panel target or a variable query."""

    where: str  # panel title or "variable <name>"
    index: IndexDef
    fields: frozenset[str]


def index_of(datasource: dict[str, Any]) -> IndexDef:
    uid = str(datasource.get("uid", ""))
    if not uid.startswith(DATASOURCE_PREFIX):
        raise ValueError(f"datasource uid {uid!r} does not name an index (expected {DATASOURCE_PREFIX}<index>)")
    key = uid[len(DATASOURCE_PREFIX):]
    for index in all_indices():
        if index.key == key:
            return index
    raise ValueError(f"datasource uid {uid!r}: no index {key!r} in schema/indices.py")


def query_fields(query: str) -> set[str]:
    return set(_FIELD.findall(_QUOTED.sub("", query)))


def query_variables(query: str) -> set[str]:
    return set(_VARIABLE.findall(query))


def target_fields(target: dict[str, Any]) -> set[str]:
    out = {target["timeField"]} if target.get("timeField") else set()
    for agg in [*target.get("bucketAggs", []), *target.get("metrics", [])]:
        if agg.get("field"):
            out.add(agg["field"])
    return out | query_fields(target.get("query", ""))


def panels(model: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every non-row panel, including those nested in collapsed rows."""
    for panel in model.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def variable_query(variable: dict[str, Any]) -> dict[str, Any]:
    query = variable.get("query")
    return json.loads(query) if isinstance(query, str) else dict(query or {})


def uses(model: dict[str, Any]) -> Iterator[Use]:
    for panel in panels(model):
        for target in panel.get("targets", []):
            index = index_of(target.get("datasource") or panel["datasource"])
            yield Use(panel["title"], index, frozenset(target_fields(target)))
    for variable in model.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        q = variable_query(variable)
        fields = {q["field"]} | query_fields(q.get("query", ""))
        yield Use(f"variable {variable['name']}", index_of(variable["datasource"]), frozenset(fields))
