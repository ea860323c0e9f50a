"""Index templates and in-place mapping changes, against a real engine (osmem)."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import Elasticsearch

from copilot_usage.schema.indices import DATE, KEYWORD, LONG, TEXT, IndexDef, all_indices
from copilot_usage.store.client import make_client
from copilot_usage.store.mapping_diff import diff_mappings
from copilot_usage.store.templates import TEMPLATE_PRIORITY, definition_hash, ensure_indices
from tests.fixtures.engine import EngineProxy, stored_count

V1 = IndexDef(
    key="gadgets",
    id_fields=("scope", "day", "name"),
    properties={"name": KEYWORD, "count": LONG},
    description="test index, first version",
)
# Version 2 grows: a new top-level field, a new object, and a multi-field on a new text field.
V2 = IndexDef(
    key="gadgets",
    id_fields=("scope", "day", "name"),
    properties={
        "name": KEYWORD,
        "count": LONG,
        "label": {"type": "text", "fields": {"raw": KEYWORD}},
        "owner": {"properties": {"login": KEYWORD, "since": DATE}},
    },
    description="test index, second version",
)
CONFLICTING = IndexDef(
    key="gadgets",
    id_fields=("scope", "day", "name"),
    properties={"name": KEYWORD, "count": KEYWORD},
    description="test index where a field changes type",
)


def live_mapping(es: Elasticsearch, index: str) -> dict[str, Any]:
    mapping = dict(es.indices.get_mapping(index=index)[index]["mappings"])
    mapping["dynamic"] = str(mapping["dynamic"]).lower() == "true"  # engines echo it as a string
    return mapping


def test_creates_every_index_with_exact_mappings_and_templates(es: Elasticsearch, prefix: str) -> None:
    report = ensure_indices(es, prefix)
    defs = all_indices()
    assert [s.index for s in report.indices] == [d.name(prefix) for d in defs]
    assert all(s.template == "created" and s.index_state == "created" for s in report.indices)
    assert report.problems == []
    for defn in defs:
        name = defn.name(prefix)
        assert live_mapping(es, name) == defn.mappings()
        settings = es.indices.get_settings(index=name)[name]["settings"]["index"]
        assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("1", "0")
        (template,) = es.indices.get_index_template(name=f"{name}-template")["index_templates"]
        body = template["index_template"]
        assert body["index_patterns"] == [name]
        assert body["priority"] == TEMPLATE_PRIORITY
        assert body["template"]["mappings"]["properties"] == defn.mappings()["properties"]
        assert body["_meta"]["mapping_hash"] == definition_hash(defn.mappings())


def test_second_call_changes_nothing(engine_proxy: EngineProxy, prefix: str) -> None:
    es = make_client(engine_proxy.url)
    ensure_indices(es, prefix)
    writes_before = [r for r in engine_proxy.requests if r.method in ("PUT", "POST", "DELETE")]
    assert writes_before  # the first call did create things

    again = ensure_indices(es, prefix)
    assert again.unchanged
    assert again.lines() == []
    assert all(s.template == "unchanged" and s.index_state == "unchanged" for s in again.indices)
    writes_after = [r for r in engine_proxy.requests if r.method in ("PUT", "POST", "DELETE")]
    assert writes_after == writes_before


def test_template_recreates_a_deleted_index_with_the_definition(es: Elasticsearch, prefix: str) -> None:
    ensure_indices(es, prefix, [V2])
    name = V2.name(prefix)
    es.indices.delete(index=name)
    es.index(index=name, id="x", document={"name": "a", "count": 1, "unexpected": "kept in _source only"})
    assert live_mapping(es, name) == V2.mappings()


def test_additive_change_is_applied_in_place_and_reported(es: Elasticsearch, prefix: str) -> None:
    name = V1.name(prefix)
    ensure_indices(es, prefix, [V1])
    es.index(index=name, id="old", document={"name": "a", "count": 1, "label": "before the change"})

    report = ensure_indices(es, prefix, [V2])
    (status,) = report.indices
    assert status.template == "updated"
    assert status.index_state == "updated"
    assert set(status.added_fields) == {"label", "label.raw", "owner.login", "owner.since"}
    assert status.problems == ()
    assert not report.unchanged
    added = "label, label.raw, owner.login, owner.since"
    assert report.changes == [f"{name}: template updated, index updated (added {added})"]
    assert live_mapping(es, name) == V2.mappings()
    assert stored_count(es, name) == 1  # in place: the data stayed

    es.index(index=name, id="new", document={"name": "b", "label": "hello", "owner": {"login": "octocat"}},
             refresh=True)
    hits = es.search(index=name, query={"term": {"owner.login": "octocat"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["new"]
    assert ensure_indices(es, prefix, [V2]).unchanged


def test_conflicting_type_is_reported_not_ignored(es: Elasticsearch, prefix: str) -> None:
    ensure_indices(es, prefix, [V1])
    report = ensure_indices(es, prefix, [CONFLICTING])
    (status,) = report.indices
    assert status.index_state == "unchanged"
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.startswith(f"{V1.name(prefix)}: ")
    assert "'count' is long in the index but keyword in the definition" in problem
    assert not report.unchanged
    assert any(line.startswith("PROBLEM") for line in report.lines())
    # The index keeps its type; only a reindex could change it.
    assert live_mapping(es, V1.name(prefix))["properties"]["count"] == {"type": "long"}
    # It keeps being reported on every run until someone acts.
    assert ensure_indices(es, prefix, [CONFLICTING]).problems == report.problems


def test_prefix_is_validated(es: Elasticsearch) -> None:
    with pytest.raises(ValueError, match="index prefix"):
        ensure_indices(es, "Bad Prefix/")


def test_diff_finds_additions_conflicts_and_drift() -> None:
    wanted = {"properties": {
        "a": LONG,
        "b": {**KEYWORD, "ignore_above": 256},
        "c": TEXT,
        "d": {"type": "text", "fields": {"raw": KEYWORD, "new": KEYWORD}},
        "o": {"properties": {"x": LONG, "y": {"type": "double"}}},
    }}
    actual = {"properties": {
        "a": {"type": "long"},
        "b": {"type": "keyword", "ignore_above": "1024"},
        "d": {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 1024}}},
        "o": {"properties": {"x": {"type": "integer"}}},
    }}
    diff = diff_mappings(wanted, actual)
    assert diff.additions == {
        "c": TEXT,
        "d": {"type": "text", "fields": {"new": KEYWORD}},
        "o": {"properties": {"y": {"type": "double"}}},
    }
    assert set(diff.added) == {"c", "d.new", "o.y"}
    assert diff.conflicts == ("field 'o.x' is integer in the index but long in the definition",)
    assert diff.drift == ("field 'b' has ignore_above='1024' in the index but 256 in the definition",)
    assert diff_mappings(wanted, wanted).problems == ()
    assert diff_mappings(wanted, wanted).additions == {}
