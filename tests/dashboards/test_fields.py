"""Every field a panel or variable reads exists in the mapping of the index its datasource points at."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from copilot_usage.schema import indices as ix
from dashboards.build import VARIABLE_FIELDS
from dashboards.inspect import index_of, panels, query_fields, query_variables, uses


def unknown_fields(model: dict[str, Any]) -> list[str]:
    return [f"{use.where} ({use.index.key}): {sorted(use.fields - use.index.fields())}"
            for use in uses(model) if not use.fields <= use.index.fields()]


def test_every_used_field_is_mapped(generated: dict[str, dict[str, Any]]) -> None:
    for name, model in generated.items():
        assert unknown_fields(model) == [], name


def test_every_query_variable_is_defined(generated: dict[str, dict[str, Any]]) -> None:
    for name, model in generated.items():
        defined = {v["name"] for v in model["templating"]["list"]}
        for panel in panels(model):
            for target in panel["targets"]:
                assert query_variables(target["query"]) <= defined, (name, panel["title"])


def test_every_variable_filters_a_field_of_each_index_it_is_used_on(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        for panel in panels(model):
            target = panel["targets"][0]
            for name in query_variables(target["query"]):
                assert VARIABLE_FIELDS[name] in index_of(target["datasource"]).fields(), panel["title"]


def test_every_index_but_the_teams_snapshot_has_a_panel(generated: dict[str, dict[str, Any]]) -> None:
    shown = {use.index.key for model in generated.values() for use in uses(model)}
    assert {i.key for i in ix.all_indices()} - shown <= {ix.TEAMS_SNAPSHOT.key}


def test_query_fields_reads_lucene() -> None:
    assert query_fields('scope:$scope AND (breakdown:ide) AND team:"a:b" AND x.y:>=2') == {
        "scope", "breakdown", "team", "x.y"}


@pytest.mark.parametrize("where", ["metric", "bucket", "query"])
def test_a_misspelled_field_is_reported(generated: dict[str, dict[str, Any]], where: str) -> None:
    model = copy.deepcopy(generated["copilot-usage-advanced.json"])
    target = next(p for p in panels(model) if p["type"] == "stat")["targets"][0]
    if where == "metric":
        target["metrics"][0]["field"] = "code_aceptance_activity_count"
    elif where == "bucket":
        target["bucketAggs"][0]["field"] = "dya"
    else:
        target["query"] += " AND langauge:python"
    assert len(unknown_fields(model)) == 1


def test_unknown_datasource_is_named() -> None:
    with pytest.raises(ValueError, match="es-nope"):
        index_of({"type": "elasticsearch", "uid": "es-nope"})
