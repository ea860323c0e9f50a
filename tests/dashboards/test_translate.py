"""The translator builds the request Grafana would send for the target shapes the generator emits."""

from __future__ import annotations

import pytest

from copilot_usage.schema import indices as ix
from dashboards.build import target, to_json
from dashboards.panels import top_rate
from dashboards.translate import UnsupportedTarget, search_body


def test_terms_ordered_by_a_metric_carries_it_and_the_rate() -> None:
    spec = top_rate("t", "d", ix.TEAM_DAILY, ix.TEAM, ix.CODE_ACCEPTANCE_ACTIVITY_COUNT,
                    ix.CODE_GENERATION_ACTIVITY_COUNT, variables=("scope", "team"))
    body = search_body(to_json(target(spec)), 1000, 2000, {"scope": '"org-a"'})
    assert body["size"] == 0
    assert body["query"]["bool"]["filter"] == [
        {"range": {"day": {"gte": 1000, "lte": 2000, "format": "epoch_millis"}}},
        {"query_string": {"analyze_wildcard": True, "query": 'scope:"org-a" AND team:*'}},
    ]
    assert body["aggs"] == {"2": {
        "terms": {"field": "team", "size": 10, "min_doc_count": 1, "order": {"3": "desc"}},
        "aggs": {
            "3": {"sum": {"field": "code_generation_activity_count"}},
            "1": {"sum": {"field": "code_acceptance_activity_count"}},
            "4": {"bucket_script": {"buckets_path": {"a": "1", "b": "3"},
                                    "script": "params.b > 0 ? params.a / params.b * 100 : 0"}},
        },
    }}


def test_date_histogram_fills_the_range() -> None:
    t = {"timeField": "day", "query": "", "bucketAggs": [
        {"id": "2", "type": "date_histogram", "field": "day", "settings": {"interval": "1d", "min_doc_count": "0"}}],
        "metrics": [{"id": "1", "type": "count"}]}
    assert search_body(t, 5, 9)["aggs"] == {"2": {"date_histogram": {
        "field": "day", "fixed_interval": "1d", "min_doc_count": 0, "extended_bounds": {"min": 5, "max": 9},
        "format": "epoch_millis"}}}


def test_ordering_by_a_pipeline_metric_is_refused() -> None:
    t = {"timeField": "day", "query": "", "bucketAggs": [
        {"id": "2", "type": "terms", "field": "team", "settings": {"orderBy": "4"}}],
        "metrics": [{"id": "4", "type": "bucket_script", "pipelineVariables": [],
                     "settings": {"script": {"inline": "1"}}}]}
    with pytest.raises(UnsupportedTarget, match="ordered by '4'"):
        search_body(t, 0, 1)
