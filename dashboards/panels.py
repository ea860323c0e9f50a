"""Small factories for the panel shapes the dashboards repeat: totals, rates, time series, top-N, tables."""

from __future__ import annotations

from copilot_usage.schema import indices as ix
from dashboards.spec import Bucket, Metric, PanelSpec

# One bucket per day. min_doc_count 1: a day GitHub has not reported (the 4–5 lag days at the end of the
# range, or a gap) has no bucket instead of a false zero; the time series panels draw gaps as gaps.
DAILY = Bucket("2", "date_histogram", ix.DAY, min_doc_count=1)
# The whole time range as one row: terms on the scope, which the query already narrows to one value. Ratios
# and distinct counts over the range come from this one bucket (never from daily values folded together).
RANGE = Bucket("8", "terms", ix.SCOPE, size=1, order_by="_key")
# The latest snapshot in the range (seats, seat summary, adoption windows): the greatest day, one bucket.
LATEST = Bucket("7", "terms", ix.DAY, size=1, order_by="_key")

# Column and series names: GitHub's field names made readable; every visible metric gets one.
LABELS: dict[str, str] = {
    # Not "Counted …": a column name starting with "Count" reads as Grafana's own generated name.
    ix.COUNTED_SEATS: "Seats (counted)",
    ix.PR_PREFIX + "median_minutes_ready_to_first_review": "Ready to first review (min)",
    ix.PR_PREFIX + "median_minutes_first_to_final_review": "First to final review (min)",
    ix.PR_PREFIX + "median_minutes_final_review_to_merge": "Final review to merge (min)",
    ix.CODE_GENERATION_ACTIVITY_COUNT: "Generations",
    ix.CODE_ACCEPTANCE_ACTIVITY_COUNT: "Acceptances",
    ix.LOC_SUGGESTED_TO_ADD_SUM: "Lines suggested",
    ix.LOC_ADDED_SUM: "Lines added",
    ix.LOC_DELETED_SUM: "Lines deleted",
    ix.USER_INITIATED_INTERACTION_COUNT: "Interactions",
    ix.ACTIVE_USERS: "Active users",
    ix.DAILY_ACTIVE_USERS: "Daily active users",
    ix.WEEKLY_ACTIVE_USERS: "Weekly active users",
    ix.MONTHLY_ACTIVE_USERS: "Monthly active users",
    ix.USER_LOGIN: "User",
    ix.TOP_LANGUAGE: "Top language",
    ix.TOP_IDE: "Top IDE",
    ix.IDE: "IDE",
    ix.AI_CREDITS_USED: "AI credits used",
    ix.DAYS_SINCE_LAST_ACTIVITY: "Days since last activity",
    ix.LAST_ACTIVITY_AT: "Last activity",
    ix.LAST_ACTIVITY_EDITOR: "Last activity editor",
    ix.PR_TOTAL_CREATED: "PRs created",
    ix.PR_TOTAL_MERGED: "PRs merged",
    ix.PR_TOTAL_CREATED_BY_COPILOT: "PRs created by Copilot",
    ix.PR_TOTAL_REVIEWED_BY_COPILOT: "PRs reviewed by Copilot",
    ix.ATTEMPTS: "Attempts",
    ix.RECORD_COUNT: "Records",
    ix.NET_AMOUNT: "Net amount",
}
# Short names of rate operands: the script text names both, so two different rates never share a text.
OPERANDS: dict[str, str] = {
    ix.CODE_ACCEPTANCE_ACTIVITY_COUNT: "acceptances",
    ix.CODE_GENERATION_ACTIVITY_COUNT: "generations",
    ix.LOC_ADDED_SUM: "lines_added",
    ix.LOC_SUGGESTED_TO_ADD_SUM: "lines_suggested",
}


def label(field: str) -> str:
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def rate_script(numerator: str, denominator: str) -> str:
    """A percentage, null (no value) when the denominator is 0: no activity is not a 0 % rate."""
    a, b = OPERANDS.get(numerator, numerator), OPERANDS.get(denominator, denominator)
    return f"params.{b} > 0 ? params.{a} / params.{b} * 100 : null"


def rate_metrics(numerator: str, denominator: str, ids: tuple[str, str, str] = ("1", "3", "4"),
                 name: str = "Acceptance rate") -> tuple[Metric, ...]:
    """Hidden sums of numerator and denominator and the visible percentage; `ids` lets two rates share a panel."""
    num, den, rate = ids
    a, b = OPERANDS.get(numerator, numerator), OPERANDS.get(denominator, denominator)
    return (
        Metric(num, "sum", numerator, hide=True),
        Metric(den, "sum", denominator, hide=True),
        Metric(rate, "bucket_script", script=rate_script(numerator, denominator), variables=((a, num), (b, den)),
               label=name, unit="percent"),
    )


def total(
    title: str, description: str, index: ix.IndexDef, field: str, *, agg: str = "sum", reduce: str = "sum",
    variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 4, unit: str = "short",
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "stat", (Metric("1", agg, field, label=title),), (DAILY,), query=query,
        width=width, height=4, reduce=reduce, variables=variables, unit=unit,
    )


def latest(
    title: str, description: str, index: ix.IndexDef, metrics: tuple[Metric, ...], *,
    variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 4, unit: str = "short",
) -> PanelSpec:
    """A stat of the latest snapshot in the range."""
    return PanelSpec(title, description, index, "stat", metrics, (LATEST,), query=query, width=width, height=4,
                     reduce="lastNotNull", variables=variables, unit=unit)


def rate_stat(
    title: str, description: str, index: ix.IndexDef, numerator: str, denominator: str,
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 4,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "stat", rate_metrics(numerator, denominator, name=title), (RANGE,),
        query=query, width=width, height=4, reduce="lastNotNull", variables=variables, unit="percent",
    )


def series(
    title: str, description: str, index: ix.IndexDef, fields: tuple[str, ...], *, agg: str = "sum",
    variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 12, split: str | None = None,
    labels: tuple[str, ...] = (), unit: str = "short",
) -> PanelSpec:
    names = labels or tuple(label(f) for f in fields)
    metrics = tuple(Metric(str(i + 1), agg, f, label=n) for i, (f, n) in enumerate(zip(fields, names, strict=True))
                    ) if agg != "count" else (Metric("1", "count", label=labels[0] if labels else "Documents"),)
    buckets = ((Bucket("9", "terms", split, size=10, order_by="_count"),) if split else ()) + (DAILY,)
    return PanelSpec(
        title, description, index, "timeseries", metrics, buckets, query=query, width=width, height=8,
        variables=variables, unit=unit,
    )


def rate_series(
    title: str, description: str, index: ix.IndexDef, numerator: str, denominator: str,
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 12,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "timeseries", rate_metrics(numerator, denominator), (DAILY,), query=query,
        width=width, height=8, variables=variables, unit="percent",
    )


def distinct(
    title: str, description: str, index: ix.IndexDef, field: str, *, variables: tuple[str, ...] = ("scope",),
    query: str = "", width: int = 4,
) -> PanelSpec:
    """How many distinct values over the whole range (not the busiest day's count)."""
    return PanelSpec(
        title, description, index, "stat", (Metric("1", "cardinality", field, label=title),), (RANGE,),
        query=query, width=width, height=4, reduce="lastNotNull", variables=variables,
    )


def top(
    title: str, description: str, index: ix.IndexDef, field: str, by: str, *, variables: tuple[str, ...] = ("scope",),
    query: str = "", width: int = 8, size: int = 10,
) -> PanelSpec:
    return PanelSpec(
        title, description, index, "bargauge", (Metric("1", "sum", by, label=label(by)),),
        (Bucket("2", "terms", field, size, "1", label=label(field)),), query=query, width=width, height=8,
        variables=variables, sort_by=label(by),
    )


def top_rate(
    title: str, description: str, index: ix.IndexDef, field: str, numerator: str, denominator: str,
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 8, size: int = 10,
) -> PanelSpec:
    # Terms chosen by the denominator (a rate over a handful of generations is noise), shown by the rate.
    return PanelSpec(
        title, description, index, "bargauge", rate_metrics(numerator, denominator),
        (Bucket("2", "terms", field, size, "3", label=label(field)),), query=query, width=width, height=8,
        variables=variables, unit="percent", sort_by="Acceptance rate",
    )


def table(
    title: str, description: str, index: ix.IndexDef, fields: tuple[str, ...], split: tuple[str, ...],
    *, variables: tuple[str, ...] = ("scope",), query: str = "", width: int = 24, size: int = 50,
    extra: tuple[Metric, ...] = (), agg: str = "sum", first: tuple[Bucket, ...] = (), sort_by: str | None = None,
    order: str | None = None,
) -> PanelSpec:
    metrics = tuple(Metric(str(i + 10), agg, f, label=label(f)) for i, f in enumerate(fields)) + extra
    order = order or ("10" if fields else "_count")
    buckets = first + tuple(Bucket(str(i + 20), "terms", f, size, order, label=label(f)) for i, f in enumerate(split))
    return PanelSpec(title, description, index, "table", metrics, buckets, query=query, width=width, height=9,
                     variables=variables, sort_by=sort_by)
