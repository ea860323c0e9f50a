"""Alert rules provisioned as files: stale data, ingestion failures, long-inactive seats.

Each rule's query is an Elasticsearch target built like a panel's (so the same field and query tests cover
it), reduced to one number per evaluation and compared with a threshold by Grafana's server-side expressions.
Rules carry no notification settings: they follow the default notification policy, and no contact point is
provisioned by default. webhook_contact_point() is an optional file kept outside the provisioning tree;
grafana/entrypoint.sh adds it only when ALERT_WEBHOOK_URL is set (an empty URL would break Grafana's start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from copilot_usage.schema import indices as ix
from dashboards.build import datasource_uid, target, to_json
from dashboards.panels import DAILY
from dashboards.spec import Metric, PanelSpec

FOLDER = "Copilot Usage"
GROUP = "copilot-usage"
EVALUATE_EVERY = "1h"
EXPRESSIONS = "__expr__"  # Grafana's built-in datasource for reduce/threshold expressions

STALE_AFTER_DAYS = 3  # no complete day newer than this many days -> data stale
FAILURE_WINDOW_HOURS = 24
SEAT_INACTIVE_DAYS = 28  # N: a seat counts as inactive after N days without activity
SEAT_INACTIVE_THRESHOLD = 10  # alert when more seats than this are inactive beyond N days

LABEL = ("product", "copilot-usage")  # on every rule; the optional policy routes on it
WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
WEBHOOK_CONTACT_POINT = "copilot-usage-webhook"


@dataclass(frozen=True)
class Rule:
    uid: str
    title: str
    summary: str
    query: PanelSpec
    window_seconds: int
    reducer: str  # Grafana reduce expression: sum | max | last ...
    comparison: str  # gt | lt
    threshold: float
    no_data: str  # NoData | Alerting | OK
    time_field: str = ix.DAY


def _count(index: ix.IndexDef, query: str) -> PanelSpec:
    return PanelSpec("alert", "alert query", index, "timeseries", (Metric("1", "count"),), (DAILY,), query=query,
                     variables=())


def rules() -> list[Rule]:
    return [
        Rule(
            "copilot-data-stale", "Copilot usage data is stale",
            f"No report day newer than {STALE_AFTER_DAYS} days is complete in the ingestion log: the collector "
            "is not running or GitHub is late.",
            _count(ix.INGESTION_LOG, f"{ix.STATUS}:{ix.STATUS_COMPLETE}"),
            STALE_AFTER_DAYS * 86400, "sum", "lt", 1, "Alerting",
        ),
        Rule(
            "copilot-ingestion-failures", "Copilot usage ingestion failures",
            f"Report days failed in the last {FAILURE_WINDOW_HOURS} h (ingestion_log status failed; see the Data "
            "Freshness row for scope, report and error).",
            _count(ix.INGESTION_LOG, f"{ix.STATUS}:{ix.STATUS_FAILED}"),
            FAILURE_WINDOW_HOURS * 3600, "sum", "gt", 0, "OK", time_field=ix.FETCHED_AT,
        ),
        Rule(
            "copilot-seats-inactive", "Copilot seats inactive",
            f"More than {SEAT_INACTIVE_THRESHOLD} assigned seats have had no activity for {SEAT_INACTIVE_DAYS} "
            "days or more (latest seat snapshot).",
            _count(ix.SEATS, f"{ix.DAYS_SINCE_LAST_ACTIVITY}:>={SEAT_INACTIVE_DAYS} AND {ix.UNASSIGNED}:false"),
            2 * 86400, "max", "gt", SEAT_INACTIVE_THRESHOLD, "OK",
        ),
    ]


def es_model(rule: Rule) -> dict[str, Any]:
    model = to_json(target(rule.query))
    model["timeField"] = rule.time_field
    if rule.time_field != ix.DAY:
        model["bucketAggs"][0]["field"] = rule.time_field
    return model


def _rule(rule: Rule) -> dict[str, Any]:
    def window() -> dict[str, int]:  # a fresh dict each time: shared ones become YAML anchors
        return {"from": rule.window_seconds, "to": 0}

    return {
        "uid": rule.uid,
        "title": rule.title,
        "condition": "C",
        "data": [
            {"refId": "A", "relativeTimeRange": window(), "datasourceUid": datasource_uid(rule.query.index),
             "model": es_model(rule)},
            {"refId": "B", "relativeTimeRange": window(), "datasourceUid": EXPRESSIONS,
             "model": {"refId": "B", "type": "reduce", "expression": "A", "reducer": rule.reducer,
                       "settings": {"mode": "replaceNN", "replaceWithValue": 0}}},
            {"refId": "C", "relativeTimeRange": window(), "datasourceUid": EXPRESSIONS,
             "model": {"refId": "C", "type": "threshold", "expression": "B",
                       "conditions": [{"evaluator": {"type": rule.comparison, "params": [rule.threshold]}}]}},
        ],
        "noDataState": rule.no_data,
        "execErrState": "Error",
        "for": "0s",
        "annotations": {"summary": rule.summary},
        "labels": {LABEL[0]: LABEL[1]},
        "isPaused": False,
    }


def alert_rules() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "groups": [{"orgId": 1, "name": GROUP, "folder": FOLDER, "interval": EVALUATE_EVERY,
                    "rules": [_rule(r) for r in rules()]}],
    }


def webhook_contact_point() -> dict[str, Any]:
    """A webhook contact point and the notification policy that sends the product's alerts to it.

    The URL stays a $VAR reference that Grafana expands when it reads the file, so the webhook's secret part
    never lands on disk. $VAR rather than ${VAR}: Grafana expands the braced form twice, which would mangle
    a URL that itself holds a `$`. A provisioned policy replaces the whole tree, so the root receiver is this
    contact point too: without one, Grafana's default (an unconfigured e-mail) would be the fallback.
    """
    return {
        "apiVersion": 1,
        "contactPoints": [{
            "orgId": 1,
            "name": WEBHOOK_CONTACT_POINT,
            "receivers": [{
                "uid": WEBHOOK_CONTACT_POINT,
                "type": "webhook",
                "disableResolveMessage": False,
                "settings": {"url": "$" + WEBHOOK_ENV, "httpMethod": "POST"},
            }],
        }],
        "policies": [{
            "orgId": 1,
            "receiver": WEBHOOK_CONTACT_POINT,
            "group_by": ["grafana_folder", "alertname"],
            "routes": [{
                "receiver": WEBHOOK_CONTACT_POINT,
                "object_matchers": [[LABEL[0], "=", LABEL[1]]],
            }],
        }],
    }
