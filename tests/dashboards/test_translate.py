"""The translator behaves as Grafana's Elasticsearch backend (v12.4.2) does for the shapes we emit."""

from __future__ import annotations

import pytest

from dashboards.translate import UnsupportedTarget, answer, column_names, search_body, series_name

SCRIPT = "params.b > 0 ? params.a / params.b * 100 : null"


def rate_target(buckets: list[dict], scripts: tuple[str, ...] = (SCRIPT,)) -> dict:
    metrics = [{"id": "1", "type": "sum", "field": "acc", "hide": True},
               {"id": "3", "type": "sum", "field": "gen", "hide": True}]
    metrics += [{"id": str(4 + i), "type": "bucket_script", "settings": {"script": {"inline": s}},
                 "pipelineVariables": [{"name": "a", "pipelineAgg": "1"}, {"name": "b", "pipelineAgg": "3"}]}
                for i, s in enumerate(scripts)]
    return {"query": "scope:$scope", "timeField": "fetched_at", "bucketAggs": buckets, "metrics": metrics}


TERMS = {"id": "2", "type": "terms", "field": "team", "settings": {"orderBy": "3", "size": "10",
                                                                    "min_doc_count": "1"}}
DAYS = {"id": "2", "type": "date_histogram", "field": "day", "settings": {"interval": "1d"}}


def test_range_is_on_the_datasource_time_field_not_the_query_one() -> None:
    body = search_body(rate_target([TERMS]), 1000, 2000, {"scope": '"org-a"'}, time_field="day")
    assert body["query"]["bool"]["filter"] == [
        {"range": {"day": {"gte": 1000, "lte": 2000, "format": "epoch_millis"}}},
        {"query_string": {"analyze_wildcard": True, "query": 'scope:"org-a"'}},
    ]


def test_terms_ordered_by_a_metric_carries_it_and_the_script_as_a_string() -> None:
    body = search_body(rate_target([TERMS]), 1000, 2000, time_field="day")
    assert body["aggs"] == {"2": {
        "terms": {"field": "team", "size": 10, "min_doc_count": 1, "order": {"3": "desc"}},
        "aggs": {
            "3": {"sum": {"field": "gen"}},
            "1": {"sum": {"field": "acc"}},
            "4": {"bucket_script": {"buckets_path": {"a": "1", "b": "3"}, "script": SCRIPT}},
        },
    }}


def test_date_histogram_fills_the_range_by_default() -> None:
    t = {"query": "", "bucketAggs": [DAYS], "metrics": [{"id": "1", "type": "count"}]}
    assert search_body(t, 5, 9, time_field="day")["aggs"] == {"2": {"date_histogram": {
        "field": "day", "fixed_interval": "1d", "min_doc_count": 0, "extended_bounds": {"min": 5, "max": 9},
        "format": "epoch_millis"}}}


def test_terms_only_answers_keep_hidden_metrics_as_columns() -> None:
    target = rate_target([TERMS])
    aggs = {"2": {"buckets": [{"key": "red", "doc_count": 3, "1": {"value": 1.0}, "3": {"value": 4.0},
                               "4": {"value": 25.0}}]}}
    got = answer(target, aggs).table
    assert got is not None
    assert got.columns == ["team", "Sum acc", "Sum gen", "Bucket Script"]
    assert got.rows == [{"team": "red", "Sum acc": 1.0, "Sum gen": 4.0, "Bucket Script": 25.0}]


def test_time_series_answers_honour_hide() -> None:
    target = rate_target([DAYS])
    aggs = {"2": {"buckets": [{"key": 0, "doc_count": 3, "1": {"value": 1.0}, "3": {"value": 4.0},
                               "4": {"value": 25.0}}]}}
    [series] = answer(target, aggs).series
    assert series.name == "Sum gen > 0 ? Sum acc / Sum gen * 100 : null"
    assert series.points == [(0, 25.0)]


def test_identical_bucket_scripts_collide() -> None:
    target = rate_target([TERMS], (SCRIPT, SCRIPT))
    assert column_names(target)["4"] == column_names(target)["5"] == SCRIPT
    aggs = {"2": {"buckets": [{"key": "red", "doc_count": 3, "1": {"value": 1.0}, "3": {"value": 4.0},
                               "4": {"value": 25.0}, "5": {"value": 25.0}}]}}
    got = answer(target, aggs).table
    assert got is not None
    assert got.collisions == [SCRIPT]


def test_same_type_and_field_adds_the_id() -> None:
    target = {"metrics": [{"id": "1", "type": "sum", "field": "x"}, {"id": "2", "type": "sum", "field": "x"}]}
    assert column_names(target) == {"1": "Sum x 1", "2": "Sum x 2"}


def test_series_names_follow_the_alias_and_labels() -> None:
    metric = {"id": "1", "type": "sum", "field": "acc"}
    assert series_name({"alias": "{{term team}} ({{metric}})"}, metric, {"team": "red"}, 1) == "red (Sum)"
    assert series_name({}, metric, {"team": "red"}, 1) == "red"
    assert series_name({}, metric, {"team": "red"}, 2) == "red Sum acc"
    assert series_name({}, metric, {}, 1) == "Sum acc"


def test_ordering_by_a_pipeline_metric_is_refused() -> None:
    t = {"query": "", "bucketAggs": [{"id": "2", "type": "terms", "field": "team", "settings": {"orderBy": "4"}}],
         "metrics": [{"id": "4", "type": "bucket_script", "pipelineVariables": [],
                      "settings": {"script": {"inline": "1"}}}]}
    with pytest.raises(UnsupportedTarget, match="ordered by '4'"):
        search_body(t, 0, 1, time_field="day")
