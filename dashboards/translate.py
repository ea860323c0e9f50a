"""Our executable model of Grafana's Elasticsearch backend (grafana-elasticsearch-datasource v12.4.2,
`pkg/elasticsearch/`) for the target shapes the generator emits, plus the few frontend steps a panel applies.

The backend itself cannot run here, so this module is what the tests run every panel through. It follows the
backend where the backend is unkind, so a panel that would be wrong in Grafana is wrong here too:

- The request (`data_query_processor.go`, `processQuery`): the range filter is always on the data source's
  configured `timeField` (`GetConfiguredFields().TimeField`), never on a field the query names;
  `parse_query.go` ignores a query's `timeField` altogether. Then one `query_string` with the Lucene query.
- Buckets, outermost first (`processTimeSeriesQuery`, `aggregation_factory.go`): date_histogram with
  `min_doc_count` defaulting to 0 and `extended_bounds` = the query's time range, so empty buckets fill the
  whole range (GitHub's lag days included); terms with size, `min_doc_count` when set, and an order by
  `_count`/`_key` or by a metric, which is then added under the terms aggregation (a count metric orders by
  `_count`). Metrics go into the innermost bucket; bucket_script gets its script as a string
  (`generateSettingsForDSL` reads `script` or the old `script.inline`).
- The answer (`metrics_response_processor.go`): when the innermost bucket is a date_histogram
  (`processMetrics`) each metric not `hide`-den becomes one series, named as `field_namer.go` names it; when
  it is terms (`processAggregationDocs`) the answer is one table in which **every** metric is a column,
  hidden or not (`addOtherMetricsToFields` never looks at `hide`). Columns are named after the metric type
  ("Sum"), plus the field when several metrics share a type, plus the id when they also share the field; a
  bucket_script among several is named after its script text, so two identical scripts collide into one
  column (`addMetricValueToFields` appends to the field that already has the name).
- The frontend (`datasource.ts`, `applyTemplateVariables`) interpolates variables in the whole query JSON,
  after formatting those in the Lucene query.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALL = "*"  # what an "All" selection expands to (the variables' allValue)
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_FIELD_METRICS = ("sum", "avg", "max", "min", "cardinality")
# models.go, metricAggType: the display name of each metric type.
METRIC_NAMES = {"count": "Count", "avg": "Average", "sum": "Sum", "max": "Max", "min": "Min",
                "cardinality": "Unique Count", "bucket_script": "Bucket Script"}


class UnsupportedTarget(ValueError):
    """A target uses something this translator does not model; the message names the panel part."""


def expand(query: str, values: Mapping[str, str] | None = None) -> str:
    """Replace $var / ${var} by its value, "*" (All) when not given."""
    values = values or {}
    return _VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), ALL), query)


def interpolate(target: dict[str, Any], values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The target after the frontend's variable interpolation: the Lucene query, then the whole JSON."""
    out = copy.deepcopy(target)
    out["query"] = expand(target.get("query") or ALL, values)
    text = json.dumps(out)
    return json.loads(expand(text, values)) if _VARIABLE.search(text) else out


def script_of(metric: dict[str, Any]) -> str:
    script = (metric.get("settings") or {}).get("script")
    return script.get("inline", "") if isinstance(script, dict) else (script or "")


def _metric_agg(metric: dict[str, Any], metrics: list[dict[str, Any]]) -> dict[str, Any] | None:
    kind = metric["type"]
    if kind == "count":
        return None  # the bucket's doc_count
    if kind in _FIELD_METRICS:
        return {kind: {"field": metric["field"]}}
    if kind == "bucket_script":
        by_id = {m["id"]: m for m in metrics}
        paths = {}
        for v in metric.get("pipelineVariables", []):
            ref = by_id.get(v["pipelineAgg"])
            if ref is not None:
                paths[v["name"]] = "_count" if ref["type"] == "count" else v["pipelineAgg"]
        return {"bucket_script": {"buckets_path": paths, "script": script_of(metric)}}
    raise UnsupportedTarget(f"metric type {kind!r} (id {metric.get('id')})")


def _metric_aggs(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for metric in metrics:
        agg = _metric_agg(metric, metrics)
        if agg is not None:
            out[metric["id"]] = agg
    return out


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _bucket_agg(bucket: dict[str, Any], metrics: list[dict[str, Any]], time_from: int, time_to: int) -> dict[str, Any]:
    settings = bucket.get("settings", {})
    if bucket["type"] == "date_histogram":
        return {"date_histogram": {
            "field": bucket["field"], "fixed_interval": settings.get("interval", "auto"),
            "min_doc_count": _int(settings.get("min_doc_count"), 0),
            "extended_bounds": {"min": time_from, "max": time_to}, "format": "epoch_millis",
        }}
    if bucket["type"] == "terms":
        terms: dict[str, Any] = {"field": bucket["field"], "size": _int(settings.get("size"), 500)}
        min_doc_count = _int(settings.get("min_doc_count"), None)
        if min_doc_count is not None:
            terms["min_doc_count"] = min_doc_count
        order_by = settings.get("orderBy")
        if order_by is None:
            return {"terms": terms}
        direction = settings.get("order", "desc")
        ordering = next((m for m in metrics if m["id"] == order_by), None)
        if not re.match(r"^\d", order_by):
            terms["order"] = {order_by: direction}
            return {"terms": terms}
        if ordering is None:
            return {"terms": terms}
        if ordering["type"] == "count":
            terms["order"] = {"_count": direction}
            return {"terms": terms}
        agg = _metric_agg(ordering, metrics)
        if agg is None or "bucket_script" in agg:
            # The backend adds the ordering metric as a plain metric; a pipeline there is an invalid request.
            raise UnsupportedTarget(f"terms on {bucket['field']!r} ordered by {order_by!r}: not a field metric")
        terms["order"] = {order_by: direction}
        return {"terms": terms, "aggs": {order_by: agg}}
    raise UnsupportedTarget(f"bucket type {bucket['type']!r} (id {bucket.get('id')})")


def search_body(target: dict[str, Any], time_from: int, time_to: int,
                values: Mapping[str, str] | None = None, *, time_field: str) -> dict[str, Any]:
    """The search body Grafana sends for `target` over [time_from, time_to] (epoch milliseconds).

    `time_field` is the data source's configured time field (provisioning), whatever the target says.
    """
    target = interpolate(target, values)
    query = {"bool": {"filter": [
        {"range": {time_field: {"gte": time_from, "lte": time_to, "format": "epoch_millis"}}},
        {"query_string": {"analyze_wildcard": True, "query": target["query"]}},
    ]}}
    metrics = target.get("metrics", [])
    buckets = target.get("bucketAggs", [])
    if not buckets:
        raise UnsupportedTarget("a target without bucket aggregations")
    inner: dict[str, Any] = _metric_aggs(metrics)
    for bucket in reversed(buckets):
        agg = _bucket_agg(bucket, metrics, time_from, time_to)
        agg.setdefault("aggs", {}).update(inner)
        if not agg["aggs"]:
            del agg["aggs"]
        inner = {bucket["id"]: agg}
    return {"size": 0, "query": query, "aggs": inner}


# --- the answer ------------------------------------------------------------------------------------------
@dataclass
class Table:
    """The terms-only answer: one frame, its columns in order, one dict per row, and colliding names."""

    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)


@dataclass
class Series:
    """One time series of the date-histogram answer: its name and (epoch ms, value) points."""

    name: str
    labels: dict[str, str]
    points: list[tuple[int, float | None]]


@dataclass
class Answer:
    table: Table | None = None
    series: list[Series] = field(default_factory=list)


def column_names(target: dict[str, Any]) -> dict[str, str]:
    """Metric id -> its column name on the terms-only path (`addOtherMetricsToFields`)."""
    metrics = target.get("metrics", [])
    out = {}
    for metric in metrics:
        name = METRIC_NAMES.get(metric["type"], metric["type"])
        if metric["type"] == "count":
            out[metric["id"]] = name
            continue
        others = [m for m in metrics if m["id"] != metric["id"] and m["type"] == metric["type"]]
        if others:
            name += " " + (metric.get("field") or "")
            if any(m.get("field") == metric.get("field") for m in others):
                name += " " + metric["id"]
            if metric["type"] == "bucket_script":
                name = script_of(metric)
        out[metric["id"]] = name
    return out


def _value(bucket: Mapping[str, Any], metric: dict[str, Any]) -> float | None:
    value: float | None = bucket["doc_count"] if metric["type"] == "count" else (
        (bucket.get(metric["id"]) or {}).get("value"))
    return value


def _describe(metric: dict[str, Any]) -> str:
    return f"{METRIC_NAMES.get(metric['type'], metric['type'])} {metric.get('field') or ''}".strip()


def series_name(target: dict[str, Any], metric: dict[str, Any], labels: Mapping[str, str],
                metric_types: int) -> str:
    """`field_namer.go`, getFieldName: the alias with its patterns, else metric (+ field) after the labels."""
    name: str = METRIC_NAMES.get(metric["type"], metric["type"])
    alias = target.get("alias") or ""
    if alias:
        def sub(m: re.Match[str]) -> str:
            group = m.group(1)
            if group.startswith("term "):
                return labels.get(group[5:], "")
            if group in labels:
                return labels[group]
            if group == "metric":
                return name
            if group == "field":
                return str(metric.get("field") or "")
            return m.group(0)
        return re.sub(r"\{\{\s*(.+?)\s*\}\}", sub, alias)
    if metric["type"] == "bucket_script":
        name = script_of(metric)
        by_id = {m["id"]: m for m in target.get("metrics", [])}
        for v in metric.get("pipelineVariables", []):
            if v["pipelineAgg"] in by_id:
                name = name.replace("params." + v["name"], _describe(by_id[v["pipelineAgg"]]))
    elif metric["type"] != "count" and metric.get("field"):
        name += " " + metric["field"]
    if not labels:
        return name
    prefix = " ".join(labels[k] for k in sorted(labels))
    return prefix if metric_types == 1 else f"{prefix} {name}"


def answer(target: dict[str, Any], aggregations: Mapping[str, Any]) -> Answer:
    """What the backend makes of the search answer: a table (terms-only) or series (date histogram)."""
    buckets = target["bucketAggs"]
    metrics = target.get("metrics", [])
    out = Answer()
    innermost = buckets[-1]
    if innermost["type"] == "date_histogram":
        visible = [m for m in metrics if not m.get("hide")]  # processMetrics honours hide
        types = len({m["type"] for m in visible})
        raw: list[tuple[dict[str, Any], dict[str, str], list[tuple[int, float | None]]]] = []

        def walk_series(level: int, node: Mapping[str, Any], labels: dict[str, str]) -> None:
            bucket = buckets[level]
            if level == len(buckets) - 1:
                days = node[bucket["id"]]["buckets"]
                for m in visible:
                    raw.append((m, labels, [(b["key"], _value(b, m)) for b in days]))
                return
            for b in node[bucket["id"]]["buckets"]:
                key = b.get("key_as_string", b["key"])
                walk_series(level + 1, b, {**labels, bucket["field"]: str(key)})

        walk_series(0, aggregations, {})
        out.series = [Series(series_name(target, m, labels, types), labels, points) for m, labels, points in raw]
        return out

    table = Table()
    names = column_names(target)
    keys = [b["field"] for b in buckets]
    table.columns = list(keys)
    for m in metrics:  # every metric, hidden or not
        if names[m["id"]] in table.columns:
            table.collisions.append(names[m["id"]])
        else:
            table.columns.append(names[m["id"]])

    def walk(level: int, node: Mapping[str, Any], here: dict[str, Any]) -> None:
        bucket = buckets[level]
        for b in node[bucket["id"]]["buckets"]:
            key = b["key"] if level == len(buckets) - 1 else b.get("key_as_string", b["key"])
            row = {**here, bucket["field"]: key}
            if level + 1 < len(buckets):
                walk(level + 1, b, row)
                continue
            for m in metrics:
                row[names[m["id"]]] = _value(b, m)
            table.rows.append(row)

    walk(0, aggregations, {})
    out.table = table
    return out


# --- what the panel shows (Grafana's frontend, for the options the generator uses) ------------------------
def _by(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """Sort key reading one column (rows without it were set aside by the caller)."""
    return lambda row: row[name]


def organize(panel: dict[str, Any], table: Table) -> Table:
    """Apply the panel's organize and sortBy transformations to a table."""
    columns, rows = list(table.columns), [dict(r) for r in table.rows]
    for t in panel.get("transformations", []):
        options = t.get("options", {})
        if t["id"] == "organize":
            excluded = {k for k, v in options.get("excludeByName", {}).items() if v}
            rename = options.get("renameByName", {})
            columns = [rename.get(c, c) for c in columns if c not in excluded]
            rows = [{rename.get(k, k): v for k, v in r.items() if k not in excluded} for r in rows]
        elif t["id"] == "sortBy":
            for rule in reversed(options.get("sort", [])):
                name, desc = rule["field"], rule.get("desc", False)
                present = [r for r in rows if r.get(name) is not None]
                missing = [r for r in rows if r.get(name) is None]
                rows = sorted(present, key=_by(name), reverse=desc) + missing
    return Table(columns, rows, list(table.collisions))


def display_names(panel: dict[str, Any]) -> dict[str, str]:
    """Series or column name -> displayName, from the panel's byName overrides."""
    out = {}
    for override in panel.get("fieldConfig", {}).get("overrides", []):
        matcher = override.get("matcher", {})
        if matcher.get("id") != "byName":
            continue
        for prop in override.get("properties", []):
            if prop.get("id") == "displayName":
                out[matcher["options"]] = prop["value"]
    return out


def reduce(calc: str, values: list[float | None]) -> float | None:
    """Grafana's reducers used by the stat panels (nulls skipped, as the stat panel does)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if calc == "lastNotNull":
        return present[-1]
    if calc == "sum":
        return float(sum(present))
    if calc == "max":
        return max(present)
    if calc == "mean":
        return sum(present) / len(present)
    raise UnsupportedTarget(f"reducer {calc!r}")
