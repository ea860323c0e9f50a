"""Turn panel specs into grafana-foundation-sdk builders and then into plain JSON dicts."""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import bargauge, common, dashboard, elasticsearch, heatmap, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import LegendDisplayMode, LegendPlacement, SortOrder, TooltipDisplayMode
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    FieldColorModeId,
    Threshold,
    ThresholdsMode,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.elasticsearch import TermsOrder

from copilot_usage.schema import indices as ix
from dashboards.spec import Bucket, Metric, PanelSpec, RowSpec

# Dashboard variable name -> the field it filters on (the same name in every index that has it).
VARIABLE_FIELDS: dict[str, str] = {
    "scope": ix.SCOPE,
    "team": ix.TEAM,
    "language": ix.LANGUAGE,
    "ide": ix.IDE,
    "model": ix.MODEL,
    "feature": ix.FEATURE,
    "user": ix.USER_LOGIN,
}
# Where each variable takes its values from.
VARIABLE_SOURCES: dict[str, ix.IndexDef] = {
    "scope": ix.USAGE_DAILY,
    "team": ix.TEAM_DAILY,
    "language": ix.USAGE_BREAKDOWN,
    "ide": ix.USAGE_BREAKDOWN,
    "model": ix.USAGE_BREAKDOWN,
    "feature": ix.USAGE_BREAKDOWN,
    "user": ix.USER_DAILY,
}
# Every query runs over GitHub's day field, which each index carries.
TIME_FIELD = ix.DAY


def datasource_uid(index: ix.IndexDef) -> str:
    return f"es-{index.key}"


def datasource_ref(index: ix.IndexDef) -> DataSourceRef:
    return DataSourceRef(type_val="elasticsearch", uid=datasource_uid(index))


def lucene_query(spec: PanelSpec) -> str:
    parts = [f"{VARIABLE_FIELDS[name]}:${name}" for name in spec.variables]
    if spec.query:
        parts.append(f"({spec.query})")
    return " AND ".join(parts)


def _metric(m: Metric) -> Any:
    if m.type == "bucket_script":
        if m.script is None:
            raise ValueError(f"bucket_script metric {m.id!r} has no script")
        return (
            elasticsearch.BucketScript()
            .id(m.id)
            .hide(m.hide)
            .pipeline_variables(
                [elasticsearch.PipelineVariable().name(name).pipeline_agg(ref) for name, ref in m.variables]
            )
            .settings(
                elasticsearch.ElasticsearchBucketScriptSettings().script(
                    elasticsearch.ElasticsearchInlineScript().inline(m.script)
                )
            )
        )
    if m.type == "count":
        return elasticsearch.Count().id(m.id).hide(m.hide)
    if m.type == "raw_data":
        return elasticsearch.RawData().id(m.id).settings(elasticsearch.ElasticsearchRawDataSettings().size("500"))
    builders = {
        "sum": elasticsearch.Sum,
        "avg": elasticsearch.Average,
        "max": elasticsearch.Max,
        "min": elasticsearch.Min,
        "cardinality": elasticsearch.UniqueCount,
    }
    if m.type not in builders or m.field is None:
        raise ValueError(f"metric {m.id!r}: type {m.type!r} needs a field and one of {sorted(builders)}")
    return builders[m.type]().id(m.id).field(m.field).hide(m.hide)


def _bucket(b: Bucket) -> Any:
    if b.type == "date_histogram":
        return (
            elasticsearch.DateHistogram()
            .id(b.id)
            .field(b.field)
            .settings(elasticsearch.ElasticsearchDateHistogramSettings().interval("1d").min_doc_count("0"))
        )
    return (
        elasticsearch.Terms()
        .id(b.id)
        .field(b.field)
        .settings(
            elasticsearch.ElasticsearchTermsSettings()
            .order(TermsOrder.DESC)
            .size(str(b.size))
            .min_doc_count("1")
            .order_by(b.order_by)
        )
    )


def target(spec: PanelSpec) -> Any:
    return (
        elasticsearch.Dataquery()
        .ref_id("A")
        .datasource(datasource_ref(spec.index))
        .query(lucene_query(spec))
        .time_field(TIME_FIELD)
        .bucket_aggs([_bucket(b) for b in spec.buckets])
        .metrics([_metric(m) for m in spec.metrics])
    )


_PANELS = {
    "stat": stat.Panel,
    "timeseries": timeseries.Panel,
    "table": table.Panel,
    "bargauge": bargauge.Panel,
    "heatmap": heatmap.Panel,
}


def _thresholds(steps: tuple[tuple[float, str], ...]) -> Any:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=color) for value, color in steps])
    )


def panel(spec: PanelSpec) -> Any:
    p = (
        _PANELS[spec.kind]()
        .title(spec.title)
        .description(spec.description)
        .datasource(datasource_ref(spec.index))
        .with_target(target(spec))
        .unit(spec.unit)
        .span(spec.width)
        .height(spec.height)
    )
    if spec.kind in ("stat", "bargauge"):
        # A terms-only query returns one row per term: show every row rather than folding them.
        per_row = all(b.type != "date_histogram" for b in spec.buckets)
        p = p.reduce_options(common.ReduceDataOptions().calcs([spec.reduce]).values(per_row))
    if spec.kind == "timeseries":
        # The 11.6 schema requires legend and tooltip; a list legend keeps split series readable.
        p = p.legend(
            common.VizLegendOptions()
            .display_mode(LegendDisplayMode.LIST)
            .placement(LegendPlacement.BOTTOM)
            .show_legend(True)
        ).tooltip(common.VizTooltipOptions().mode(TooltipDisplayMode.MULTI).sort(SortOrder.DESCENDING))
    if spec.kind == "table":
        p = p.frame_index(0).show_header(True)
    if spec.thresholds:
        # Colour by band (not the default palette), on a fixed scale so a bar's length is its score.
        p = p.thresholds(_thresholds(spec.thresholds)).color_scheme(
            dashboard.FieldColor().mode(FieldColorModeId.THRESHOLDS)
        )
    if spec.scale is not None:
        p = p.min(spec.scale[0]).max(spec.scale[1])
    return p


# One scope at a time: organizations count a user in each org, an enterprise once, so adding scopes
# double-counts (docs/metrics.md §2).
SINGLE_VALUE = frozenset({"scope"})


def variable(name: str, depends_on: tuple[str, ...] = ()) -> Any:
    index = VARIABLE_SOURCES[name]
    many = name not in SINGLE_VALUE
    q: dict[str, object] = {"find": "terms", "field": VARIABLE_FIELDS[name], "size": 500}
    if depends_on:
        q["query"] = " AND ".join(f"{VARIABLE_FIELDS[d]}:${d}" for d in depends_on)
    v = (
        dashboard.QueryVariable(name)
        .label(name.capitalize() if name != "ide" else "IDE")
        .datasource(datasource_ref(index))
        .query(json.dumps(q, sort_keys=True))
        .multi(many)
        .include_all(many)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
    )
    return v.all_value("*") if many else v


def build_dashboard(
    uid: str, title: str, description: str, rows: list[RowSpec], variables: list[Any], tags: list[str]
) -> dict[str, Any]:
    d = (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(tags)
        .time("now-28d", "now")
        .timezone("utc")
        .refresh("1h")
        .editable()
    )
    for v in variables:
        d = d.with_variable(v)
    for row in rows:
        d = d.with_row(dashboard.Row(row.title))
        for spec in row.panels:
            d = d.with_panel(panel(spec))
    return to_json(d)


def to_json(builder: Any) -> dict[str, Any]:
    """Build and round-trip through the SDK's encoder, so the result holds plain JSON types only."""
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


def render(model: dict[str, Any]) -> str:
    """Stable text: sorted keys, fixed indent, trailing newline, so the committed JSON diffs cleanly."""
    return json.dumps(model, indent=2, sort_keys=True) + "\n"
