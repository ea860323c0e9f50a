"""Hardening rules of issue 16: no plain-text secret in any container app's environment, Elasticsearch's
ingress limited to its two clients' subnets, encrypted peer traffic in the internal environment, the init
container on a supported base, and purge protection off by default (so a torn-down environment can be
deployed again)."""

from __future__ import annotations

import re

from tests.infra.bicep import INFRA, MAIN, deployed, modules, parse, references, text
from tests.infra.test_policies import literal_items, tainted_symbols

ELASTICSEARCH = INFRA / "modules" / "elasticsearch.bicep"
GRAFANA = INFRA / "modules" / "grafana.bicep"

# Environment variables that carry a secret's value and therefore must be secretRefs.
SECRET_ENV = re.compile(r"PASSWORD$|API_KEY$|WEBHOOK_URL$|TOKEN$|SECRET$|CONNECTION_STRING$|(^|_)KEY$")


def container_env(app) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    variables = parse(app.file).get("variables", {})
    out = []
    for container in app.get("properties", "template", "containers"):
        out += literal_items(container["env"], variables)
    return out


def test_no_container_app_has_a_plain_text_secret() -> None:
    assert SECRET_ENV.search("ALERT_WEBHOOK_URL")
    assert SECRET_ENV.search("ELASTIC_PASSWORD")
    assert not SECRET_ENV.search("GF_AUTH_AZUREAD_FEDERATED_CREDENTIAL_AUDIENCE")
    for app in deployed("Microsoft.App/containerApps"):
        secure = tainted_symbols(app.file)
        for item in container_env(app):
            name = item["name"]
            if SECRET_ENV.search(name):
                assert "value" not in item, f"{app.where()}: {name} is a plain value, not a secretRef"
                assert item.get("secretRef"), f"{app.where()}: {name}"
            if "value" in item:
                assert not references(item["value"]) & secure, f"{app.where()}: {name} holds a @secure() value"


def test_the_alert_webhook_reaches_grafana_only_as_a_key_vault_secret() -> None:
    (app,) = [a for a in deployed("Microsoft.App/containerApps") if a.file == GRAFANA]
    env = {item["name"]: item for item in container_env(app)}
    assert env["ALERT_WEBHOOK_URL"] == {"name": "ALERT_WEBHOOK_URL", "secretRef": "alert-webhook-url"}
    assert "alertWebhookUrl" not in parse(GRAFANA)["parameters"], "Grafana's module never sees the URL itself"
    assert text(modules()["grafana"].params["alertWebhookSecretName"]).count("secretNames") == 1
    vault_secrets = {r.symbol: r for r in deployed("Microsoft.KeyVault/vaults/secrets")}
    assert "alertWebhookUrl" in references(vault_secrets["alertWebhookSecret"].get("properties", "value"))
    assignments = {r.symbol for r in deployed("Microsoft.Authorization/roleAssignments")}
    assert "grafanaReadsAlertWebhook" in assignments


def test_elasticsearch_accepts_only_the_function_and_grafana_subnets() -> None:
    (app,) = [a for a in deployed("Microsoft.App/containerApps") if a.file == ELASTICSEARCH]
    rules = app.get("properties", "configuration", "ingress", "ipSecurityRestrictions")
    assert rules["loop_type"]["detail"]["array_name"] == "allowedSourcePrefixes"
    assert rules["config"]["action"] == "Allow"
    assert rules["config"]["ipAddressRange"] == "prefix"
    (call,) = [m for m in modules().values() if m.path == "modules/elasticsearch.bicep"]
    assert call.params["allowedSourcePrefixes"] == ["functionSubnetPrefix", "publicEnvSubnetPrefix"]


def test_the_internal_environment_encrypts_peer_traffic() -> None:
    (env,) = deployed("Microsoft.App/managedEnvironments")
    assert env.get("properties", "peerTrafficConfiguration", "encryption", "enabled") == "peerTrafficEncryption"
    internal = [m for m in modules().values()
                if m.path == "modules/container-env.bicep" and m.params["internal"] is True]
    assert [m.params.get("peerTrafficEncryption") for m in internal] == [True]


def test_the_init_container_uses_a_supported_base() -> None:
    default = parse(ELASTICSEARCH)["parameters"]["initImage"]["default"]
    assert default.startswith("mcr.microsoft.com/azurelinux/"), default
    assert "cbl-mariner" not in default  # CBL-Mariner 2.0 is out of support since July 2025


def test_purge_protection_is_off_by_default_so_a_redeploy_after_teardown_works() -> None:
    assert parse(MAIN)["parameters"]["keyVaultPurgeProtection"]["default"] is False
