"""Turn a panel's Elasticsearch target (the subset the generator emits) into a search body, and read the answer.

Grafana does this in Go on its backend; this mirrors the parts our panels use so a test can run every panel
against a real engine: terms and date_histogram buckets (outermost first), sum/avg/max/min/cardinality/count
metrics in the innermost bucket, bucket_script pipelines, and the Lucene query with its variables expanded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ALL = "*"  # what an "All" selection expands to (the variables' allValue)
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_FIELD_METRICS = ("sum", "avg", "max", "min", "cardinality")


class UnsupportedTarget(ValueError):
    """A target uses something this translator does not model; the message names the panel part."""


def expand(query: str, values: Mapping[str, str] | None = None) -> str:
    """Replace $var / ${var} by its value, "*" (All) when not given."""
    values = values or {}
    return _VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), ALL), query)


def _metric_agg(metric: dict[str, Any]) -> dict[str, Any] | None:
    kind = metric["type"]
    if kind == "count":
        return None  # the bucket's doc_count
    if kind in _FIELD_METRICS:
        return {kind: {"field": metric["field"]}}
    if kind == "bucket_script":
        paths = {v["name"]: v["pipelineAgg"] for v in metric.get("pipelineVariables", [])}
        return {"bucket_script": {"buckets_path": paths, "script": metric["settings"]["script"]["inline"]}}
    raise UnsupportedTarget(f"metric type {kind!r} (id {metric.get('id')})")


def _metric_aggs(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for metric in metrics:
        agg = _metric_agg(metric)
        if agg is not None:
            out[metric["id"]] = agg
    return out


def _bucket_agg(bucket: dict[str, Any], metrics: list[dict[str, Any]], time_from: int, time_to: int) -> dict:
    settings = bucket.get("settings", {})
    if bucket["type"] == "date_histogram":
        return {"date_histogram": {
            "field": bucket["field"], "fixed_interval": settings.get("interval", "1d"),
            "min_doc_count": int(settings.get("min_doc_count", "0")),
            "extended_bounds": {"min": time_from, "max": time_to}, "format": "epoch_millis",
        }}
    if bucket["type"] == "terms":
        order_by = settings.get("orderBy", "_count")
        terms: dict[str, Any] = {
            "field": bucket["field"], "size": int(settings.get("size", "10")),
            "min_doc_count": int(settings.get("min_doc_count", "1")),
            "order": {order_by: settings.get("order", "desc")},
        }
        if order_by in ("_count", "_key"):
            return {"terms": terms}
        # Ordering by a metric needs that metric directly under the terms aggregation, as Grafana does.
        ordering = next((m for m in metrics if m["id"] == order_by), None)
        agg = _metric_agg(ordering) if ordering else None
        if agg is None or "bucket_script" in agg:
            raise UnsupportedTarget(f"terms on {bucket['field']!r} ordered by {order_by!r}: not a field metric")
        return {"terms": terms, "aggs": {order_by: agg}}
    raise UnsupportedTarget(f"bucket type {bucket['type']!r} (id {bucket.get('id')})")


def search_body(target: dict[str, Any], time_from: int, time_to: int,
                values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The search body Grafana would send for `target` over [time_from, time_to] (epoch milliseconds)."""
    query = {"bool": {"filter": [
        {"range": {target["timeField"]: {"gte": time_from, "lte": time_to, "format": "epoch_millis"}}},
        {"query_string": {"analyze_wildcard": True, "query": expand(target.get("query") or ALL, values)}},
    ]}}
    metrics = target.get("metrics", [])
    buckets = target.get("bucketAggs", [])
    if not buckets:
        raise UnsupportedTarget("a target without bucket aggregations")
    # Build inside out: metrics in the innermost bucket, each bucket wrapping the next.
    inner: dict[str, Any] = _metric_aggs(metrics)
    for bucket in reversed(buckets):
        agg = _bucket_agg(bucket, metrics, time_from, time_to)
        agg.setdefault("aggs", {}).update(inner)
        if not agg["aggs"]:
            del agg["aggs"]
        inner = {bucket["id"]: agg}
    return {"size": 0, "query": query, "aggs": inner}


def rows(target: dict[str, Any], aggregations: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Flatten the answer into one row per innermost bucket: the bucket keys and each visible metric's value."""
    buckets = target["bucketAggs"]
    metrics = [m for m in target.get("metrics", []) if not m.get("hide")]
    out: list[dict[str, Any]] = []

    def walk(level: int, node: Mapping[str, Any], keys: dict[str, Any]) -> None:
        bucket = buckets[level]
        for b in node[bucket["id"]]["buckets"]:
            here = {**keys, bucket["field"]: b["key"]}
            if level + 1 < len(buckets):
                walk(level + 1, b, here)
                continue
            row = dict(here)
            for m in metrics:
                row[m["id"]] = b["doc_count"] if m["type"] == "count" else (b.get(m["id"]) or {}).get("value")
            out.append(row)

    walk(0, aggregations, {})
    return out
