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

from copilot_usage.model import REPORT_MAX_LAG_DAYS, Report
from copilot_usage.schema import indices as ix
from dashboards.build import datasource_uid, target, to_json
from dashboards.panels import DAILY
from dashboards.spec import Bucket, Metric, PanelSpec

FOLDER = "Copilot Usage"
GROUP = "copilot-usage"
EVALUATE_EVERY = "1h"
EXPRESSIONS = "__expr__"  # Grafana's built-in datasource for reduce/threshold expressions

# No complete report day this many days old or newer -> stale. GitHub's newest day is normally up to
# REPORT_MAX_LAG_DAYS old (§11.5), so one day more: the alert never fires on GitHub's ordinary weekend delay.
STALE_AFTER_DAYS = REPORT_MAX_LAG_DAYS + 1
STALE_WINDOW_DAYS = STALE_AFTER_DAYS + 1  # days of `day` the rule reads: now-7d .. now holds today-6 onwards
FAILURE_WINDOW_HOURS = 24  # failures whose fetched_at is this recent
FAILURE_DAY_WINDOW_DAYS = 400  # ... for any report day GitHub still serves (a year), plus margin: a failed
# backfill of an old day is as much a failure as one of yesterday
SEAT_INACTIVE_DAYS = 28  # N: a seat counts as inactive after N days without activity
SEAT_INACTIVE_THRESHOLD = 10  # alert when more seats than this are inactive beyond N days

LABEL = ("product", "copilot-usage")  # on every rule; the optional policy routes on it
WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
WEBHOOK_CONTACT_POINT = "copilot-usage-webhook"
# The daily reports (model.Report), not the seat and team snapshots the collector also logs every day.
REPORT_KINDS = tuple(r.value for r in Report)
# One series per scope: an organization and an enterprise with the same slug stay apart.
PER_SCOPE = (Bucket("3", "terms", ix.SCOPE_TYPE, 10), Bucket("4", "terms", ix.SCOPE, 500))


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


def _count(index: ix.IndexDef, query: str) -> PanelSpec:
    return PanelSpec("alert", "alert query", index, "timeseries", (Metric("1", "count", label="Documents"),),
                     (*PER_SCOPE, DAILY), query=query, variables=())


def rules() -> list[Rule]:
    kinds = " OR ".join(f'"{k}"' for k in REPORT_KINDS)
    return [
        Rule(
            "copilot-data-stale", "Copilot usage data is stale",
            f"A scope has no complete report day ({', '.join(REPORT_KINDS)}) of the last {STALE_AFTER_DAYS} days "
            f"in the ingestion log (GitHub's newest day is normally up to {REPORT_MAX_LAG_DAYS} days old): the "
            "collector is not running or GitHub is later than usual. One alert per scope.",
            _count(ix.INGESTION_LOG, f"{ix.STATUS}:{ix.STATUS_COMPLETE} AND {ix.REPORT}:({kinds})"),
            STALE_WINDOW_DAYS * 86400, "sum", "lt", 1, "Alerting",
        ),
        Rule(
            "copilot-ingestion-failures", "Copilot usage ingestion failures",
            f"Report days of the last {FAILURE_DAY_WINDOW_DAYS} days that failed in a fetch of the last "
            f"{FAILURE_WINDOW_HOURS} h (ingestion_log status failed, fetched_at within {FAILURE_WINDOW_HOURS} h; "
            "see the Data Freshness row for the report and error). One alert per scope.",
            _count(ix.INGESTION_LOG, f"{ix.STATUS}:{ix.STATUS_FAILED} AND "
                   f"{ix.FETCHED_AT}:[now-{FAILURE_WINDOW_HOURS}h TO now]"),
            FAILURE_DAY_WINDOW_DAYS * 86400, "sum", "gt", 0, "OK",
        ),
        Rule(
            "copilot-seats-inactive", "Copilot seats inactive",
            f"More than {SEAT_INACTIVE_THRESHOLD} assigned seats are never used or idle {SEAT_INACTIVE_DAYS} days "
            "or more (counted seats of the latest seat snapshot, inactive_28d). One alert per scope.",
            _count(ix.SEATS, f"{ix.COUNTED}:true AND {ix.UNASSIGNED}:false AND {ix.INACTIVE_28D}:true"),
            86400, "max", "gt", SEAT_INACTIVE_THRESHOLD, "OK",
        ),
    ]


def es_model(rule: Rule) -> dict[str, Any]:
    # No timeField: Grafana filters every query's range on the data source's time field (`day`), whatever the
    # query says (parse_query.go ignores it), so a condition on another time field goes into the query.
    return to_json(target(rule.query))


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
