"""Index definitions: names, mappings and the ids documents get from their keys."""

import hashlib
import json

import pytest

from copilot_usage.schema import indices as ix

VALID_TYPES = {"keyword", "long", "double", "boolean", "date", "text"}
SHAPED = [i for i in ix.all_indices() if i is not ix.INGESTION_LOG]


def test_all_indices_are_listed_once():
    keys = [i.key for i in ix.all_indices()]
    assert keys == [
        "ingestion_log", "usage_daily", "usage_breakdown", "user_daily", "team_daily", "team_breakdown",
        "user_summary_daily", "repo_daily", "seats", "seat_summary", "teams", "user_adoption",
        "billing_usage", "feature_engagement", "period_summary", "team_seat_spend",
    ]
    assert ix.index_by_key("user_daily") is ix.USER_DAILY
    assert ix.USER_DAILY.name("copilot_") == "copilot_user_daily"
    with pytest.raises(KeyError, match="no index definition"):
        ix.index_by_key("nope")


def test_ingestion_log_is_unchanged():
    assert ix.INGESTION_LOG.id_fields == (ix.SCOPE_TYPE, ix.SCOPE, ix.REPORT, ix.DAY)
    assert ix.INGESTION_LOG.fields() >= {"report", "status", "record_count", "content_hash", "error"}


@pytest.mark.parametrize("index", ix.all_indices(), ids=lambda i: i.key)
def test_mappings_are_explicit_and_keys_are_mapped(index):
    mappings = index.mappings()
    assert mappings["dynamic"] is False
    for spec in mappings["properties"].values():
        assert spec["type"] in VALID_TYPES
    assert set(index.id_fields) <= index.fields()
    assert {ix.DAY, ix.SCOPE_TYPE, ix.SCOPE} <= index.fields()
    assert index.id_fields[:2] == (ix.SCOPE_TYPE, ix.SCOPE)
    assert index.description


def test_a_field_name_has_one_type_everywhere():
    """Dashboards query a field by name across indices: the same name must mean the same type."""
    seen: dict[str, tuple[str, str]] = {}
    for index in ix.all_indices():
        for name, spec in index.mappings()["properties"].items():
            kind = spec["type"]
            if name in seen:
                assert seen[name][0] == kind, f"{name} is {kind} in {index.key} but {seen[name][0]} in {seen[name][1]}"
            seen[name] = (kind, index.key)


def test_id_is_sha256_of_the_json_array_of_the_key():
    source = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}
    encoded = b'["usage_daily","organization","octo-org","2026-11-20"]'
    assert ix.Doc(ix.USAGE_DAILY, source).id == hashlib.sha256(encoded).hexdigest()
    # Stable across runs and releases: a literal, so any change to the encoding fails here.
    assert ix.Doc(ix.USAGE_DAILY, source).id == "bc5df60c274a0146f5564eedbcb8a28bfb71d26b4fa81ffcdb6ebcde1b7c5dee"


def _sample(index: ix.IndexDef) -> dict:
    values = {ix.DAY: "2026-11-20", ix.SCOPE_TYPE: "organization", ix.SCOPE: "octo-org"}
    for n, name in enumerate(index.id_fields):
        values.setdefault(name, f"v{n}")
    return values


@pytest.mark.parametrize("index", SHAPED, ids=lambda i: i.key)
def test_ids_differ_when_any_key_part_differs(index):
    source = _sample(index)
    base_id = ix.Doc(index, source).id
    assert ix.Doc(index, dict(source)).id == base_id
    assert ix.Doc(index, {**source, "not_a_key": 1}).id == base_id  # only key fields matter
    for name in index.id_fields:
        assert ix.Doc(index, {**source, name: source[name] + "x"}).id != base_id, name
        assert ix.Doc(index, {k: v for k, v in source.items() if k != name}).id != base_id, name


def test_ids_differ_between_indices_with_the_same_key():
    source = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}
    assert len({ix.Doc(i, source).id for i in (ix.USAGE_DAILY, ix.USER_SUMMARY_DAILY, ix.SEAT_SUMMARY)}) == 3


def test_ids_are_unambiguous():
    common = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org", "breakdown": "language_model"}
    a = ix.Doc(ix.USAGE_BREAKDOWN, {**common, "language": "a-b", "model": "c"})
    b = ix.Doc(ix.USAGE_BREAKDOWN, {**common, "language": "a", "model": "b-c"})
    assert a.id != b.id
    c = ix.Doc(ix.USAGE_BREAKDOWN, {**common, "language": "a,b", "model": None})
    d = ix.Doc(ix.USAGE_BREAKDOWN, {**common, "language": "a", "model": "b"})
    assert c.id != d.id
    # A number and the same digits as text are different keys too.
    assert ix.Doc(ix.TEAM_DAILY, {**common, "team_id": 1}).id != ix.Doc(ix.TEAM_DAILY, {**common, "team_id": "1"}).id


def test_doc_repr_shows_no_content():
    doc = ix.Doc(ix.USER_DAILY, {"day": "2026-11-20", "scope_type": "organization", "scope": "s", "user_id": 1,
                                 "user_login": "secret-looking-login"})
    assert "secret-looking-login" not in repr(doc)
    assert json.dumps(doc.source)  # sources are plain JSON
