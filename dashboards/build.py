"""Turn panel specs into grafana-foundation-sdk builders and then into plain JSON dicts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from grafana_foundation_sdk.builders import bargauge, common, dashboard, elasticsearch, heatmap, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import LegendDisplayMode, LegendPlacement, SortOrder, TooltipDisplayMode
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DataTransformerConfig,
    DynamicConfigValue,
    FieldColorModeId,
    Threshold,
    ThresholdsMode,
    VariableOption,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.elasticsearch import TermsOrder

from copilot_usage.schema import indices as ix
from dashboards.spec import Bucket, Metric, PanelSpec, RowSpec
from dashboards.translate import column_names, series_name

# Dashboard variable name -> the field it filters on (the same name in every index that has it).
VARIABLE_FIELDS: dict[str, str] = {
    "scope_type": ix.SCOPE_TYPE,
    "scope": ix.SCOPE,
    "team": ix.TEAM,
    "language": ix.LANGUAGE,
    "ide": ix.IDE,
    "model": ix.MODEL,
    "feature": ix.FEATURE,
    "user": ix.USER_LOGIN,
}
# Where each variable takes its values from.
# The scope comes from the ingestion log: every collected scope has entries there, even one whose reports
# are all empty or failed, so the list is never empty while the collector runs.
VARIABLE_SOURCES: dict[str, ix.IndexDef] = {
    "scope_type": ix.INGESTION_LOG,
    "scope": ix.INGESTION_LOG,
    "team": ix.TEAM_DAILY,
    "language": ix.USAGE_BREAKDOWN,
    "ide": ix.USAGE_BREAKDOWN,
    "model": ix.USAGE_BREAKDOWN,
    "feature": ix.USAGE_BREAKDOWN,
    "user": ix.USER_DAILY,
}
# The data sources' time field: Grafana filters every query's range on it (GitHub's day, on every index).
TIME_FIELD = ix.DAY


def datasource_uid(index: ix.IndexDef) -> str:
    return f"es-{index.key}"


def datasource_ref(index: ix.IndexDef) -> DataSourceRef:
    return DataSourceRef(type_val="elasticsearch", uid=datasource_uid(index))


def query_variables(spec: PanelSpec) -> tuple[str, ...]:
    """The variables a panel filters on: a scope is always qualified by its type (an organization and an
    enterprise may share a slug, and their numbers are never added)."""
    names = spec.variables
    return ("scope_type", *names) if "scope" in names and "scope_type" not in names else names


VARIABLE_LABELS = {"scope_type": "scope type", "ide": "IDE"}


def described(spec: PanelSpec) -> str:
    """The panel description with the filters it honours."""
    names = [VARIABLE_LABELS.get(n, n) for n in query_variables(spec)]
    honours = f" Filters: {', '.join(names)}." if names else " Filters: none (all scopes)."
    return spec.description + honours


# Team numbers of teams below MIN_TEAM_SIZE are stored but never shown (copilot_usage/privacy.py).
HIDE_SMALL_TEAMS = f"NOT {ix.SMALL_TEAM}:true"
TEAM_NUMBER_INDICES = (ix.TEAM_DAILY, ix.TEAM_BREAKDOWN)


def lucene_query(spec: PanelSpec) -> str:
    parts = [f"{VARIABLE_FIELDS[name]}:${name}" for name in query_variables(spec)]
    if spec.query:
        parts.append(f"({spec.query})")
    if spec.index in TEAM_NUMBER_INDICES:
        parts.append(HIDE_SMALL_TEAMS)
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
    builders: dict[str, Callable[[], Any]] = {
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
            .settings(elasticsearch.ElasticsearchDateHistogramSettings().interval("1d")
                      .min_doc_count(str(b.min_doc_count)))
        )
    return (
        elasticsearch.Terms()
        .id(b.id)
        .field(b.field)
        .settings(
            elasticsearch.ElasticsearchTermsSettings()
            .order(TermsOrder.DESC)
            .size(str(b.size))
            .min_doc_count(str(b.min_doc_count))
            .order_by(b.order_by)
        )
    )


DAY_MS = 86_400_000


def target(spec: PanelSpec) -> Any:
    return (
        elasticsearch.Dataquery()
        .ref_id("A")
        .datasource(datasource_ref(spec.index))
        .query(lucene_query(spec))
        .bucket_aggs([_bucket(b) for b in spec.buckets])
        .metrics([_metric(m) for m in spec.metrics])
    )


_PANELS: dict[str, Callable[[], Any]] = {
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


def _organize(spec: PanelSpec, t: dict[str, Any]) -> dict[str, Any]:
    """Terms-only answers carry every metric as a column (hidden or not) under Grafana's generated names:
    hide the helper columns, name the others, keep the order of the spec."""
    names = column_names(t)
    exclude: dict[str, bool] = {}
    rename: dict[str, str] = {}
    order: dict[str, int] = {}
    for b in spec.buckets:
        if b.label is None:
            exclude[b.field] = True
        else:
            rename[b.field] = b.label
            order[b.field] = len(order)
    for m in spec.metrics:
        if m.hide:
            exclude[names[m.id]] = True
            continue
        if not m.label:
            raise ValueError(f"{spec.title}: metric {m.id} is shown without a label")
        rename[names[m.id]] = m.label
        order[names[m.id]] = len(order)
    return {"excludeByName": exclude, "renameByName": rename, "indexByName": order}


def _series_names(spec: PanelSpec, t: dict[str, Any]) -> dict[str, str]:
    """Grafana's series name -> the label shown, for series not split by terms."""
    visible = [m for m in t["metrics"] if not m.get("hide")]
    types = len({m["type"] for m in visible})
    labels = {m.id: m.label for m in spec.metrics}
    out: dict[str, str] = {}
    for m in visible:
        label = labels.get(m["id"])
        if not label:
            raise ValueError(f"{spec.title}: metric {m['id']} is shown without a label")
        out[series_name(t, m, {}, types)] = label
    return out


def _unit(unit: str) -> DynamicConfigValue:
    return DynamicConfigValue(id_val="unit", value=unit)


def panel(spec: PanelSpec, panel_id: int = 0) -> Any:
    t = to_json(target(spec))
    p = (
        _PANELS[spec.kind]()
        .id(panel_id)
        .title(spec.title)
        .description(described(spec))
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
    if spec.kind == "heatmap":
        # The series are already one row each (a value per day): no bucketing by the panel.
        p = p.calculate(False)
    terms_only = spec.buckets[-1].type == "terms"
    if terms_only:
        p = p.with_transformation(DataTransformerConfig(id_val="organize", options=_organize(spec, t)))
        if spec.sort_by:
            p = p.with_transformation(DataTransformerConfig(
                id_val="sortBy", options={"fields": {}, "sort": [{"field": spec.sort_by, "desc": True}]}))
        for m in spec.metrics:
            if m.unit and not m.hide and m.label:
                p = p.override_by_name(m.label, [_unit(m.unit)])
        for b in spec.buckets:
            if b.unit and b.label:
                p = p.override_by_name(b.label, [_unit(b.unit)])
    else:
        split = any(b.type == "terms" for b in spec.buckets)
        if not split:
            for raw, shown in _series_names(spec, t).items():
                p = p.override_by_name(raw, [DynamicConfigValue(id_val="displayName", value=shown)])
        if spec.kind == "timeseries":
            p = p.insert_nulls(DAY_MS)  # a day without a bucket is drawn as a gap, not joined over
    if spec.band_column:
        p = p.override_by_name(spec.band_column, [
            DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-background"}),
            DynamicConfigValue(id_val="color", value={"mode": "thresholds"})])
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
SINGLE_VALUE = frozenset({"scope_type", "scope"})


def price_variable(name: str, label: str, prices: tuple[int, ...]) -> Any:
    """A custom variable holding a price; the first is the default. Grafana's frontend interpolates it
    anywhere in a query (bucket_script scripts included)."""
    first = str(prices[0])
    return (
        dashboard.CustomVariable(name)
        .label(label)
        .values(",".join(str(p) for p in prices))
        .current(VariableOption(selected=True, text=first, value=first))
    )


def variable(name: str, depends_on: tuple[str, ...] = ()) -> Any:
    index = VARIABLE_SOURCES[name]
    many = name not in SINGLE_VALUE
    q: dict[str, object] = {"find": "terms", "field": VARIABLE_FIELDS[name], "size": 500}
    clauses = [f"{VARIABLE_FIELDS[d]}:${d}" for d in depends_on]
    if index in TEAM_NUMBER_INDICES:
        clauses.append(HIDE_SMALL_TEAMS)
    if clauses:
        q["query"] = " AND ".join(clauses)
    v = (
        dashboard.QueryVariable(name)
        .label(VARIABLE_LABELS.get(name, name).capitalize() if name != "ide" else "IDE")
        .datasource(datasource_ref(index))
        .query(json.dumps(q, sort_keys=True))
        .multi(many)
        .include_all(many)
        # The scope lists are read when the dashboard loads; the others follow the time range.
        .refresh(VariableRefresh.ON_DASHBOARD_LOAD if name in SINGLE_VALUE else VariableRefresh.ON_TIME_RANGE_CHANGED)
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
        # Whole days: the range starts at midnight; series end at the last day GitHub reported.
        .time("now-30d/d", "now")
        .timezone("utc")
        .refresh("1h")
        .editable()
    )
    for v in variables:
        d = d.with_variable(v)
    next_id = 1
    for row in rows:
        d = d.with_row(dashboard.Row(row.title).id(next_id))
        next_id += 1
        for spec in row.panels:
            d = d.with_panel(panel(spec, next_id))
            next_id += 1
    return flow(to_json(d))


def flow(model: dict[str, Any]) -> dict[str, Any]:
    """Lay panels out left to right within Grafana's 24 columns, a new line when the next does not fit."""
    x = y = line = 0
    for p in model["panels"]:
        pos = p["gridPos"]
        if p["type"] == "row" or x + pos["w"] > 24:
            y, x, line = y + line, 0, 0
        pos["x"], pos["y"] = x, y
        if p["type"] == "row":
            y += pos["h"]
            continue
        x += pos["w"]
        line = max(line, pos["h"])
    return model


def to_json(builder: Any) -> dict[str, Any]:
    """Build and round-trip through the SDK's encoder, so the result holds plain JSON types only."""
    plain: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return plain


def render(model: dict[str, Any]) -> str:
    """Stable text: sorted keys, fixed indent, trailing newline, so the committed JSON diffs cleanly."""
    return json.dumps(model, indent=2, sort_keys=True) + "\n"
