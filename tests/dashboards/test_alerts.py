"""The provisioned alert rules are well formed and their queries read mapped fields of provisioned datasources."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dashboards.alerts import EXPRESSIONS, alert_rules
from dashboards.inspect import index_of, target_fields
from dashboards.provisioning import datasources
from dashboards.registry import PROVISIONING, outputs

RULES_FILE = "grafana/provisioning/alerting/rules.yaml"


@pytest.fixture(scope="module")
def provisioned() -> dict[str, Any]:
    # Parse the rendered text, not the dict: this is what Grafana reads.
    return yaml.safe_load(outputs()[RULES_FILE])


def all_rules(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_the_three_rules_exist(provisioned: dict[str, Any]) -> None:
    titles = " | ".join(r["title"] for r in all_rules(provisioned)).lower()
    for word in ("stale", "failure", "inactive"):
        assert word in titles


def test_rules_are_well_formed(provisioned: dict[str, Any]) -> None:
    assert provisioned["apiVersion"] == 1
    uids = [r["uid"] for r in all_rules(provisioned)]
    assert len(uids) == len(set(uids))
    known = {d["uid"] for d in datasources()["datasources"]} | {EXPRESSIONS}
    for rule in all_rules(provisioned):
        refs = [q["refId"] for q in rule["data"]]
        assert rule["condition"] in refs, rule["uid"]
        assert rule["noDataState"] in ("NoData", "Alerting", "OK")
        assert rule["execErrState"] in ("Error", "Alerting", "OK")
        assert rule["annotations"]["summary"]
        for query in rule["data"]:
            assert query["datasourceUid"] in known, (rule["uid"], query["datasourceUid"])
            assert query["relativeTimeRange"]["from"] > query["relativeTimeRange"]["to"] == 0
            expression = query["model"].get("expression")
            if expression is not None:
                assert expression in refs[: refs.index(query["refId"])], (rule["uid"], query["refId"])


def test_rule_queries_read_mapped_fields(provisioned: dict[str, Any]) -> None:
    for rule in all_rules(provisioned):
        for query in rule["data"]:
            if query["datasourceUid"] == EXPRESSIONS:
                continue
            index = index_of({"uid": query["datasourceUid"]})
            assert target_fields(query["model"]) <= index.fields(), rule["uid"]


def test_no_contact_points_or_policies_are_provisioned_by_default() -> None:
    doc = alert_rules()
    assert set(doc) == {"apiVersion", "groups"}
    assert not any("notification_settings" in r for r in all_rules(doc))
    assert not [p for p in PROVISIONING if "contact" in p or "polic" in p]


def test_datasources_use_environment_credentials() -> None:
    for ds in datasources()["datasources"]:
        assert ds["secureJsonData"] == {"basicAuthPassword": "${ELASTICSEARCH_PASSWORD}"}
        assert ds["basicAuthUser"] == "${ELASTICSEARCH_USERNAME}"
        assert ds["url"] == "${ELASTICSEARCH_URL}"
        assert ds["jsonData"]["index"].startswith("${INDEX_PREFIX}")
        assert "password" not in str(ds["jsonData"]).lower()
