"""Every file the generator owns (dashboards, provisioning, docs/dashboards.md), by path relative to the repo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboards import alerts, docs, main, original, provisioning
from dashboards.build import render

DASHBOARDS: dict[str, Callable[[], dict[str, Any]]] = {
    "copilot-usage-advanced.json": main.dashboard,
    "copilot-usage-original.json": original.dashboard,
}
DASHBOARD_DIR = "grafana/dashboards"
DOCS = "docs/dashboards.md"
PROVISIONING: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    "grafana/provisioning/datasources/elasticsearch.yaml": (
        provisioning.datasources, "One Elasticsearch datasource per index (reader credentials from the environment)."),
    "grafana/provisioning/dashboards/copilot-usage.yaml": (
        provisioning.dashboard_provider, "The generated dashboards under /var/lib/grafana/dashboards."),
    "grafana/provisioning/alerting/rules.yaml": (
        alerts.alert_rules, "Alert rules: stale data, ingestion failures, long-inactive seats."),
}
# Outside the provisioning tree: grafana/entrypoint.sh copies these in only when their variable is set.
OPTIONAL_ALERTING_DIR = "grafana/alerting-optional"
OPTIONAL_ALERTING: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    f"{OPTIONAL_ALERTING_DIR}/webhook.yaml": (
        alerts.webhook_contact_point,
        f"Webhook contact point + policy; added by grafana/entrypoint.sh only when {alerts.WEBHOOK_ENV} is set."),
}


# Also outside the tree: the API-key variant of the datasources, which grafana/entrypoint.sh provisions instead
# of the user/password one when ELASTICSEARCH_API_KEY is set (an existing cluster, docs/deploy-azure.md).
OPTIONAL_DATASOURCES_DIR = "grafana/datasources-apikey"
OPTIONAL_DATASOURCES: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    f"{OPTIONAL_DATASOURCES_DIR}/elasticsearch.yaml": (
        provisioning.datasources_api_key,
        "The datasources with an API key; used by grafana/entrypoint.sh instead of the provisioning tree's "
        "when ELASTICSEARCH_API_KEY is set."),
}


def rendered() -> dict[str, str]:
    """Dashboard file name -> JSON text."""
    return {name: render(make()) for name, make in DASHBOARDS.items()}


def outputs() -> dict[str, str]:
    """Path relative to the repository root -> file text, for everything the generator writes."""
    out = {f"{DASHBOARD_DIR}/{name}": text for name, text in rendered().items()}
    for path, (make, header) in (PROVISIONING | OPTIONAL_ALERTING | OPTIONAL_DATASOURCES).items():
        out[path] = provisioning.render_yaml(make(), header)
    out[DOCS] = docs.render()
    return out


def write_all(root: Path) -> list[Path]:
    paths = []
    for relative, text in outputs().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
