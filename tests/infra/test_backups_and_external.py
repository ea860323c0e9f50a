"""Backups (snapshot lifecycle to Blob storage), an existing Elasticsearch cluster, private endpoints and the
NAT gateway (issue 16): what main.bicep wires together in each mode, read from the parsed Bicep and the
parameter mappings. The bootstrap side of backups (repository and SLM policy bodies) is in
test_es_bootstrap.py; Grafana's API-key datasources in test_grafana_entrypoint.py."""

from __future__ import annotations

import os

import yaml

from tests.infra.bicep import INFRA, MAIN, deployed, modules, parse, references, secure_params, text
from tests.infra.test_parameters import resolve
from tests.infra.test_policies import literal_items
from tests.infra.test_preprovision import PAT
from tests.infra.tools import REPO, run

BACKUP = INFRA / "modules" / "backup-storage.bicep"
ELASTICSEARCH = INFRA / "modules" / "elasticsearch.bicep"
VARIABLES = parse(MAIN)["variables"]

# Everything that exists only for the node in this deployment.
NODE_MODULES = {"nfsStorage", "privateEnvironment", "privateDns", "elasticsearchImage", "elasticsearch"}


# --- backups -----------------------------------------------------------------------------------------

def test_backups_are_on_by_default_and_only_for_the_node_here() -> None:
    assert resolve({})["elasticsearchBackups"] == "true"
    assert references(VARIABLES["useBackups"]["value"]) == {"elasticsearchBackups", "useExternalElasticsearch"}
    assert modules()["backupStorage"].condition == "useBackups"
    assert modules()["backupStorage"].path == "modules/backup-storage.bicep"


def test_snapshot_storage_is_a_standard_account_without_shared_keys() -> None:
    (account,) = [r for r in deployed("Microsoft.Storage/storageAccounts") if r.file == BACKUP]
    assert account.get("kind") == "StorageV2"
    assert account.get("properties", "allowSharedKeyAccess") is False
    assert account.get("properties", "allowBlobPublicAccess") is False
    # repository-azure supports Standard accounts only (Premium_LRS is not supported).
    allowed = next(d for d in parse(BACKUP)["parameters"]["skuName"]["decorators"] if d["type"] == "allowed")
    assert all(sku.startswith("Standard_") for sku in allowed["argument"])
    containers = deployed("Microsoft.Storage/storageAccounts/blobServices/containers")
    (container,) = [r for r in containers if r.file == BACKUP]
    assert container.get("properties", "publicAccess") == "None"
    (service,) = [r for r in deployed("Microsoft.Storage/storageAccounts/blobServices") if r.file == BACKUP]
    assert service.get("properties", "deleteRetentionPolicy", "enabled") is True


def test_the_node_gets_the_backup_policy_settings_and_no_storage_key() -> None:
    call = modules()["elasticsearch"]
    assert text(call.params["snapshotAccountName"]).count("useBackups") == 1
    for name in ("snapshotSchedule", "snapshotRetentionDays", "snapshotMinCount", "snapshotMaxCount"):
        assert call.params[name] == name, f"{name} is passed through from main.bicep"
    (app,) = [a for a in deployed("Microsoft.App/containerApps") if a.file == ELASTICSEARCH]
    env = literal_items(app.get("properties", "template", "containers")[0]["env"], parse(ELASTICSEARCH)["variables"])
    names = {e["name"] for e in env}
    assert {"AZURE_CLIENT_ID", "SNAPSHOT_ACCOUNT", "SNAPSHOT_CONTAINER", "SNAPSHOT_SCHEDULE",
            "SNAPSHOT_RETENTION_DAYS", "SNAPSHOT_MIN_COUNT", "SNAPSHOT_MAX_COUNT"} <= names
    # Identity, not a key: nothing key-like reaches the node for the repository.
    assert not [n for n in names if "KEY" in n or "SAS" in n]


def test_the_node_may_write_only_the_snapshot_container() -> None:
    assignments = {r.symbol: r for r in deployed("Microsoft.Authorization/roleAssignments")}
    writes = assignments["elasticsearchWritesSnapshots"]
    assert writes.get("scope") == "backupContainer"
    assert "doRoleAssignments" in references(writes.condition)
    assert writes.get("properties", "principalId") == "elasticsearchPrincipalId"
    assert "storageBlobDataContributor" in text(writes.get("properties", "roleDefinitionId"))


def test_backup_settings_are_mapped_with_their_defaults() -> None:
    defaults = resolve({})
    assert defaults["snapshotSchedule"] == "0 30 1 * * ?"
    assert (defaults["snapshotRetentionDays"], defaults["snapshotMinCount"], defaults["snapshotMaxCount"]) == (
        "30", "7", "60")
    assert resolve({"SNAPSHOT_RETENTION_DAYS": "90"})["snapshotRetentionDays"] == "90"
    assert "ELASTICSEARCH_SNAPSHOT_STORAGE" in parse(MAIN)["outputs"]


# --- an existing cluster ---------------------------------------------------------------------------------

def test_an_external_url_skips_every_node_resource() -> None:
    assert '"item_to_test": "externalElasticsearchUrl"' in text(VARIABLES["useExternalElasticsearch"]["value"])
    mods = modules()
    for symbol in NODE_MODULES:
        assert mods[symbol].condition is not None, f"{symbol} is deployed even with an external cluster"
        assert "useExternalElasticsearch" in text(mods[symbol].condition), symbol
    assert resolve({})["externalElasticsearchUrl"] == ""


def test_collector_and_grafana_are_wired_to_the_external_cluster() -> None:
    url = VARIABLES["elasticsearchUrl"]["value"]
    assert {"useExternalElasticsearch", "externalElasticsearchUrl", "elasticsearch"} <= references(url)
    settings = VARIABLES["collectorSettings"]["value"]
    assert settings["ELASTICSEARCH_URL"] == "elasticsearchUrl"
    assert {"useExternalElasticsearch", "secretNames"} <= references(settings["ELASTICSEARCH_API_KEY_SECRET_NAME"])
    assert "useExternalElasticsearch" in references(settings["ELASTICSEARCH_PASSWORD_SECRET_NAME"])
    grafana = modules()["grafana"].params
    assert grafana["elasticsearchUrl"] == "elasticsearchUrl"
    assert "useExternalElasticsearch" in references(grafana["elasticsearchAuth"])
    assert "externalReaderApiKey" in text(grafana["readerPasswordSecretName"])
    assert "useExternalElasticsearch" in text(parse(MAIN)["outputs"]["ELASTICSEARCH_APP_NAME"]["value"])


def test_the_api_keys_live_only_in_key_vault() -> None:
    assert {"externalElasticsearchApiKey", "externalElasticsearchReaderApiKey"} <= secure_params(MAIN)
    vault = {r.symbol: r for r in deployed("Microsoft.KeyVault/vaults/secrets")}
    assert "externalApiKey" in references(vault["externalApiKeySecret"].get("properties", "value"))
    assert "externalReaderApiKey" in references(vault["externalReaderApiKeySecret"].get("properties", "value"))
    # Grafana's key falls back to the collector's when no read-only key is given.
    reader = text(modules()["keyVault"].params["externalReaderApiKey"])
    assert "externalElasticsearchReaderApiKey" in reader
    assert "externalElasticsearchApiKey" in reader
    assignments = {r.symbol: r for r in deployed("Microsoft.Authorization/roleAssignments")}
    for symbol, principal in (("functionReadsExternalApiKey", "functionPrincipalId"),
                              ("grafanaReadsExternalApiKey", "grafanaPrincipalId")):
        assert "useExternalElasticsearch" in references(assignments[symbol].condition)
        assert assignments[symbol].get("properties", "principalId") == principal
    secrets = yaml.safe_load((REPO / "azure.yaml").read_text())["pipeline"]["secrets"]
    assert {"EXTERNAL_ELASTICSEARCH_API_KEY", "EXTERNAL_ELASTICSEARCH_READER_API_KEY"} <= set(secrets)


def test_grafana_switches_credentials_with_the_mode() -> None:
    grafana = INFRA / "modules" / "grafana.bicep"
    variables = parse(grafana)["variables"]
    secrets = literal_items("readerSecrets", variables)
    assert {s["name"] for s in secrets} == {"reader-password", "reader-api-key"}
    api_env = {e["name"]: e for e in variables["apiKeyDatasourceSettings"]["value"]}
    assert api_env["ELASTICSEARCH_API_KEY"] == {"name": "ELASTICSEARCH_API_KEY", "secretRef": "reader-api-key"}
    assert "ELASTICSEARCH_PASSWORD" not in api_env


def preprovision(**env: str) -> tuple[int, str]:
    result = run(["sh", REPO / "scripts" / "preprovision.sh"],
                 env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GITHUB_PAT": PAT,
                      "ORGANIZATION_SLUGS": "acme", **env}, timeout=20)
    return result.returncode, result.stdout + result.stderr


def test_preprovision_checks_the_external_cluster_settings() -> None:
    key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6S0VZc2VjcmV0"
    code, output = preprovision(EXTERNAL_ELASTICSEARCH_URL="https://es.example.com:9243",
                                EXTERNAL_ELASTICSEARCH_API_KEY=key)
    assert code == 0, output
    code, output = preprovision(EXTERNAL_ELASTICSEARCH_URL="https://es.example.com")
    assert code == 1
    assert "EXTERNAL_ELASTICSEARCH_API_KEY is not" in output
    code, output = preprovision(EXTERNAL_ELASTICSEARCH_URL="http://es.example.com",
                                EXTERNAL_ELASTICSEARCH_API_KEY=key)
    assert code == 1
    assert "must be the cluster's https:// URL" in output
    assert key not in output
    code, output = preprovision(SNAPSHOT_RETENTION_DAYS="30d", SNAPSHOT_STORAGE_SKU="Premium_LRS")
    assert code == 1
    assert "SNAPSHOT_RETENTION_DAYS must be a whole number" in output
    assert "SNAPSHOT_STORAGE_SKU must be" in output


# --- private endpoints and NAT gateway ---------------------------------------------------------------------

def test_private_endpoints_close_the_public_endpoints() -> None:
    assert resolve({})["privateEndpoints"] == "false"
    assert references(VARIABLES["publicNetworkAccess"]["value"]) == {"privateEndpoints", "Disabled", "Enabled"}
    mods = modules()
    assert mods["endpoints"].condition == "privateEndpoints"
    for symbol in ("storage", "keyVault", "backupStorage"):
        assert mods[symbol].params["publicNetworkAccess"] == "publicNetworkAccess", symbol
    assert {"storage", "backupStorage", "useBackups"} <= references(mods["endpoints"].params["blobStorageAccountIds"])
    assert references(mods["endpoints"].params["keyVaultId"]) == {"keyVault"}
    endpoints = INFRA / "modules" / "private-endpoints.bicep"
    groups = {r.get("properties", "privateLinkServiceConnections")[0]["properties"]["groupIds"][0]
              for r in deployed("Microsoft.Network/privateEndpoints") if r.file == endpoints}
    assert groups == {"blob", "vault"}
    zones = {r.symbol for r in deployed("Microsoft.Network/privateDnsZones") if r.file == endpoints}
    assert zones == {"blobZone", "vaultZone"}


def test_the_nat_gateway_is_optional_and_on_the_functions_subnet() -> None:
    assert resolve({})["natGateway"] == "false"
    mods = modules()
    assert mods["nat"].condition == "natGateway"
    assert "natGateway" in references(mods["network"].params["natGatewayId"])
    network = parse(INFRA / "modules" / "network.bicep")["variables"]
    func = next(s for s in network["baseSubnets"]["value"] if s["name"] == "snet-func")
    assert "natGatewayId" in text(func["properties"])
    (ip,) = deployed("Microsoft.Network/publicIPAddresses")
    assert ip.get("properties", "publicIPAllocationMethod") == "Static"
    assert "COLLECTOR_OUTBOUND_IP" in parse(MAIN)["outputs"]
