"""Plain descriptions of panels: what a panel asks, of which index, with which aggregations.

The builders turn these into Grafana JSON; keeping them as data lets tests reason about panels without Grafana.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from copilot_usage.schema.indices import IndexDef


@dataclass(frozen=True)
class Metric:
    """One Grafana ES metric: sum/avg/max/cardinality/count, or a bucket_script over other metric ids."""

    id: str
    type: str
    field: str | None = None
    hide: bool = False
    script: str | None = None  # bucket_script only
    variables: tuple[tuple[str, str], ...] = ()  # bucket_script: (name, metric id)
    label: str | None = None  # the column or series name shown; every visible metric has one
    unit: str | None = None  # this column's unit when it differs from the panel's (a rate in a table)


@dataclass(frozen=True)
class Bucket:
    """One Grafana ES bucket aggregation: terms or date_histogram."""

    id: str
    type: str
    field: str
    size: int = 10
    order_by: str = "_count"
    label: str | None = None  # the key column's name in a table; None hides the column
    min_doc_count: int = 1  # terms: 1; date_histogram: 1 ends a series at its last reported day
    unit: str | None = None  # the key column's unit (a day shown as a date)


@dataclass(frozen=True)
class PanelSpec:
    title: str
    description: str  # the question and the formula
    index: IndexDef
    kind: str  # stat | timeseries | table | bargauge | heatmap
    metrics: tuple[Metric, ...]
    buckets: tuple[Bucket, ...] = ()
    query: str = ""  # Lucene filter in addition to the dashboard variables
    unit: str = "short"
    width: int = 6
    height: int = 6
    thresholds: tuple[tuple[float, str], ...] = ()  # (lower edge, colour) steps
    variables: tuple[str, ...] = ("scope",)  # dashboard variables the query filters on
    scale: tuple[float, float] | None = None  # fixed min and max of the value axis
    reduce: str = "sum"  # stat/bargauge: how the daily values fold into one number (Grafana calc name)
    sort_by: str | None = None  # a column label: the table's rows (or bars) sorted by it, descending
    band_column: str | None = None  # table: the column whose cells are coloured by `thresholds`


@dataclass(frozen=True)
class RowSpec:
    title: str
    panels: tuple[PanelSpec, ...] = field(default_factory=tuple)
