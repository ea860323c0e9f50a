"""Small factories for the panel shapes the dashboards repeat: totals, rates, time series, top-N, tables."""

from __future__ import annotations

from copilot_usage.schema import indices as ix
from dashboards.spec import Bucket, Metric, PanelSpec

DAILY = Bucket("2", "date_histogram", ix.DAY)
# Division guarded against empty buckets; the result is a percentage.
RATE_SCRIPT = "params.b > 0 ? params.a / params.b * 100 : 0"


def rate_metrics(numerator: str, denominator: str, ids: tuple[str, str, str] = ("1", "3", "4")) -> tuple[Metric, ...]:
    """Hidden sums of numerator and denominator and the visible percentage; `ids` lets two rates share a panel."""
    num, den, rate = ids
    return (
        Metric(num, "sum", numerator, hide=True),
        Metric(den, "sum", denominator, hide=True),
        Metric(rate, "bucket_script", script=RATE_SCRIPT, variables=(("a", num), ("b", den))),
    )


def total(
    title: str, description: str, index: ix.IndexDef, field: str, *, agg: str = "sum", reduce: str = "sum",
    variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 4, unit: str = "short",
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "stat", (Metric("1", agg, field),), (DAILY,), query=query,
        width=width, height=4, reduce=reduce, variables=variables, unit=unit,
    )


def rate_stat(
    title: str, description: str, index: ix.IndexDef, numerator: str, denominator: str,
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 4,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "stat", rate_metrics(numerator, denominator), (DAILY,), query=query,
        width=width, height=4, reduce="mean", variables=variables, unit="percent",
    )


def series(
    title: str, description: str, index: ix.IndexDef, fields: tuple[str, ...], *, agg: str = "sum",
    variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 12, split: str | None = None,
) -> PanelSpec:
    metrics = tuple(Metric(str(i + 1), agg, f) for i, f in enumerate(fields)) if agg != "count" else (
        Metric("1", "count"),)
    buckets = ((Bucket("9", "terms", split, size=10, order_by="_count"),) if split else ()) + (DAILY,)
    return PanelSpec(
        title, description, index, "timeseries", metrics, buckets, query=query, width=width, height=8,
        variables=variables,
    )


def rate_series(
    title: str, description: str, index: ix.IndexDef, numerator: str, denominator: str,
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 12,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "timeseries", rate_metrics(numerator, denominator), (DAILY,), query=query,
        width=width, height=8, variables=variables, unit="percent",
    )


def count_terms(
    title: str, description: str, index: ix.IndexDef, field: str, *, variables: tuple[str, ...] = ("scope",),
    query: str = "", width: int = 4,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "stat", (Metric("1", "cardinality", field),), (DAILY,), query=query,
        width=width, height=4, reduce="max", variables=variables,
    )


def top(
    title: str, description: str, index: ix.IndexDef, field: str, by: str, *, variables: tuple[str, ...] = ("scope",),
    query: str = "", width: int = 8, size: int = 10,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "bargauge", (Metric("1", "sum", by),), (Bucket("2", "terms", field, size, "1"),),
        query=query, width=width, height=8, variables=variables,
    )


def top_rate(
    title: str, description: str, index: ix.IndexDef, field: str, numerator: str, denominator: str,
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 8, size: int = 10,
) -> PanelSpec:
    # Terms ordered by the denominator: a rate over a handful of generations is noise, so the biggest win.
    return PanelSpec(
        title, description, index, "bargauge", rate_metrics(numerator, denominator),
        (Bucket("2", "terms", field, size, "3"),), query=query, width=width, height=8, variables=variables,
        unit="percent",
    )


def table(
    title: str, description: str, index: ix.IndexDef, fields: tuple[str, ...], split: tuple[str, ...],
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 24, size: int = 50,
    extra: tuple[Metric, ...] = (), agg: str = "sum",
) -> PanelSpec:
    metrics = tuple(Metric(str(i + 10), agg, f) for i, f in enumerate(fields)) + extra
    order = "10" if fields else "_count"
    buckets = tuple(Bucket(str(i + 20), "terms", f, size, order) for i, f in enumerate(split))
    return PanelSpec(title, description, index, "table", metrics, buckets, query=query, width=width, height=9,
                     variables=variables)
