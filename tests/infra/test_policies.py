"""Project rules over the parsed Bicep (pycep-parser), the things no offline tool checks for us."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.infra.bicep import INFRA, MAIN, bicep_files, deployed, modules, parse, references, resources, text
from tests.infra.tools import REPO

FUNCTION = INFRA / "modules" / "function.bicep"
GRAFANA = INFRA / "modules" / "grafana.bicep"
CONTAINER_ENV = INFRA / "modules" / "container-env.bicep"

# Settings Flex Consumption rejects or ignores (platform notes §1.2; "Flex Consumption plan deprecations").
FLEX_FORBIDDEN_SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD", "WEBSITE_TIME_ZONE", "TZ", "WEBSITE_NODE_DEFAULT_VERSION", "WEBSITE_USE_PLACEHOLDER",
}

# What the collector reads in Azure (copilot_usage/settings.py, function_app.py) plus the host's own.
REQUIRED_SETTINGS = {
    "ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "GITHUB_API_URL", "GITHUB_API_VERSION", "KEY_VAULT_URI",
    "GITHUB_PAT_SECRET_NAME", "GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PRIVATE_KEY_SECRET_NAME",
    "ELASTICSEARCH_URL", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD_SECRET_NAME", "ELASTICSEARCH_COMPAT",
    "INDEX_PREFIX", "LATE_WINDOW_DAYS", "BACKFILL_START", "MAX_CONCURRENCY", "LOG_LEVEL", "ARCHIVE_CONTAINER_URL",
    "COLLECT_SCHEDULE", "AZURE_CLIENT_ID",
    "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri",
    "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}

# Settings that would carry a credential's value; only *_SECRET_NAME settings are allowed.
CREDENTIAL_SETTINGS = {"GITHUB_PAT", "GH_PAT", "GITHUB_APP_PRIVATE_KEY", "ELASTICSEARCH_PASSWORD",
                       "ELASTICSEARCH_API_KEY"}

SECRET_NAME_RE = re.compile(
    r"password|passwd|secret|token|connection_?string|credential|(private|account|access|api|shared)_?key|(^|_)pat($|_)",
    re.IGNORECASE,
)


def app_settings() -> dict[str, object]:
    """All Function App settings: the host settings in the module plus the collector's from main.bicep."""
    config = next(r for r in deployed("Microsoft.Web/sites/config") if r.file == FUNCTION)
    assert config.get("name") == "appsettings"
    assert references(config.get("properties")) == {"hostSettings", "collectorSettings"}
    assert modules()["functionApp"].params["collectorSettings"] == "collectorSettings"
    host = parse(FUNCTION)["variables"]["hostSettings"]["value"]
    collector = parse(MAIN)["variables"]["collectorSettings"]["value"]
    assert not set(host) & set(collector), "a setting is defined twice"
    return {**host, **collector}


# --- Elasticsearch is never reachable from the internet ------------------------------------------------

def test_elasticsearch_runs_only_in_the_internal_environment() -> None:
    mods = modules()
    hosts = [m for m in mods.values() if m.path == "modules/elasticsearch.bicep"]
    assert len(hosts) == 1, "exactly one Elasticsearch deployment"
    env_symbols = references(hosts[0].params["environmentName"]) & mods.keys()
    assert len(env_symbols) == 1
    environment = mods[env_symbols.pop()]
    assert environment.path == "modules/container-env.bicep"
    assert environment.params["internal"] is True, "Elasticsearch's environment must be internal (VNet only)"

    # ...and the module really turns that parameter into an internal load balancer.
    (env,) = deployed("Microsoft.App/managedEnvironments")
    assert env.get("properties", "vnetConfiguration", "internal") == "internal"
    assert env.get("properties", "vnetConfiguration", "infrastructureSubnetId") == "subnetId"


def test_grafana_is_the_only_app_in_the_public_environment() -> None:
    mods = modules()
    public = [s for s, m in mods.items() if m.path == "modules/container-env.bicep" and m.params["internal"] is False]
    users = [m.path for m in mods.values() if public[0] in references(m.params.get("environmentName"))]
    assert users == ["modules/grafana.bicep"]


def test_no_container_app_allows_plain_http() -> None:
    apps = deployed("Microsoft.App/containerApps")
    assert len(apps) == 2
    for app in apps:
        assert app.get("properties", "configuration", "ingress", "allowInsecure") is False, app.where()


def literal_items(expr, variables: dict) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Every object a list expression can contribute: list literals, variables holding them, concat() of
    those, and both branches of a ternary (so a conditional secret is checked as strictly as the rest)."""
    if isinstance(expr, list):
        return [item for item in expr]
    if isinstance(expr, str) and expr in variables:
        return literal_items(variables[expr]["value"], variables)
    if isinstance(expr, dict) and isinstance(expr.get("function"), dict) and expr["function"]["type"] == "concat":
        return [item for arg in expr["function"]["parameters"].values() for item in literal_items(arg, variables)]
    if isinstance(expr, dict) and isinstance(expr.get("operator"), dict) and expr["operator"]["type"] == "conditional":
        operands = expr["operator"]["operands"]
        return literal_items(operands["true_value"], variables) + literal_items(operands["false_value"], variables)
    raise AssertionError(f"cannot follow list expression {text(expr)[:200]}")


def test_container_app_secrets_are_key_vault_references() -> None:
    for app in deployed("Microsoft.App/containerApps"):
        secrets = literal_items(app.get("properties", "configuration", "secrets"), parse(app.file).get("variables", {}))
        assert secrets, app.where()
        for secret in secrets:
            assert "value" not in secret, f"{app.where()}: secret {secret['name']} has an inline value"
            assert "keyVaultUrl" in secret, app.where()
            assert secret.get("identity") == "identityId", app.where()


def test_elasticsearch_is_a_single_secured_writer() -> None:
    (app,) = [a for a in deployed("Microsoft.App/containerApps") if a.file.name == "elasticsearch.bicep"]
    assert app.get("properties", "template", "scale") == {"minReplicas": 1, "maxReplicas": 1}
    env = literal_items(app.get("properties", "template", "containers")[0]["env"], parse(app.file)["variables"])
    env_names = {e["name"] for e in env}
    assert {"ELASTIC_PASSWORD", "COPILOT_WRITER_PASSWORD", "GRAFANA_READER_PASSWORD", "ES_JAVA_OPTS"} <= env_names
    (volume,) = app.get("properties", "template", "volumes")
    assert volume["storageType"] == "NfsAzureFile"


# --- outputs ------------------------------------------------------------------------------------------

def tainted_symbols(path) -> set[str]:  # type: ignore[no-untyped-def]
    """@secure() parameters and every variable computed from one."""
    doc = parse(path)
    tainted = {
        name for name, decl in doc.get("parameters", {}).items()
        if any(d.get("type") == "secure" for d in decl.get("decorators", []))
    }
    changed = True
    while changed:
        changed = False
        for name, decl in doc.get("variables", {}).items():
            if name not in tainted and references(decl.get("value")) & tainted:
                tainted.add(name)
                changed = True
    return tainted


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_outputs_hold_no_secrets(path) -> None:  # type: ignore[no-untyped-def]
    tainted = tainted_symbols(path)
    for name, decl in parse(path).get("outputs", {}).items():
        assert not SECRET_NAME_RE.search(name), f"{path.name}: output {name} looks like a secret"
        assert not references(decl.get("value")) & tainted, f"{path.name}: output {name} uses a secure value"
        assert '"type": "list' not in text(decl.get("value")), f"{path.name}: output {name} calls list*()"
        assert not any(d.get("type") == "secure" for d in decl.get("decorators", [])), name


def test_the_secret_name_rule_catches_secret_outputs() -> None:
    for name in ("elasticPassword", "AZURE_STORAGE_CONNECTION_STRING", "GITHUB_PAT", "accountKey", "apiKey"):
        assert SECRET_NAME_RE.search(name), name
    for name in ("AZURE_KEY_VAULT_NAME", "AZURE_KEY_VAULT_ENDPOINT", "GRAFANA_URL", "path", "patch"):
        assert not SECRET_NAME_RE.search(name), name


# --- role assignments ---------------------------------------------------------------------------------

def test_every_role_assignment_is_guarded_typed_and_deterministic() -> None:
    assignments = deployed("Microsoft.Authorization/roleAssignments")
    assert len(assignments) >= 12
    for ra in assignments:
        assert ra.condition is not None, f"{ra.where()}: unconditional"
        assert "doRoleAssignments" in references(ra.condition), f"{ra.where()}: not behind doRoleAssignments"
        assert ra.get("properties", "principalType"), f"{ra.where()}: no principalType"
        assert ra.get("name", "function", "type") == "guid", f"{ra.where()}: name is not a guid()"
        assert ra.get("scope"), f"{ra.where()}: scope should be the narrowest resource, not the group"


def test_role_assignments_follow_the_azd_flag() -> None:
    (call,) = [m for m in modules().values() if m.path == "modules/role-assignments.bicep"]
    assert call.condition is None
    assert call.params["doRoleAssignments"] == "doRoleAssignments"
    assert parse(MAIN)["parameters"]["doRoleAssignments"]["default"] is True


def test_key_vault_access_is_per_secret() -> None:
    # Workload identities read single secrets; only the deploying principal gets a vault-wide role.
    vault_wide = [ra for ra in deployed("Microsoft.Authorization/roleAssignments") if ra.get("scope") == "vault"]
    assert [ra.symbol for ra in vault_wide] == ["deployerManagesSecrets"]


# --- data stores --------------------------------------------------------------------------------------

def test_key_vault_uses_rbac_soft_delete_and_parameterised_purge_protection() -> None:
    (vault,) = deployed("Microsoft.KeyVault/vaults")
    props = vault.get("properties")
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True
    assert "accessPolicies" not in props
    params = parse(vault.file)["parameters"]
    assert references(props["enablePurgeProtection"]) & params.keys() == {"enablePurgeProtection"}
    call = next(m for m in modules().values() if m.path == "modules/keyvault.bicep")
    assert call.params["enablePurgeProtection"] == "keyVaultPurgeProtection"
    # Off by default (issue 16): with it on, `azd down` + `azd up` of one environment hit the held name.
    assert parse(MAIN)["parameters"]["keyVaultPurgeProtection"]["default"] is False


def test_every_key_vault_secret_has_a_content_type() -> None:
    secrets = deployed("Microsoft.KeyVault/vaults/secrets")
    # The six of before, plus the alert webhook URL and an external cluster's two API keys (issue 16).
    assert len(secrets) == 9
    for secret in secrets:
        assert secret.get("properties", "contentType"), secret.where()


def test_storage_accounts_refuse_shared_keys_and_public_blobs() -> None:
    accounts = deployed("Microsoft.Storage/storageAccounts")
    assert len(accounts) == 3  # Function storage, NFS share, and (issue 16) the snapshot storage
    for account in accounts:
        assert account.get("properties", "allowSharedKeyAccess") is False, account.where()
        assert account.get("properties", "allowBlobPublicAccess") is False, account.where()
        assert account.get("properties", "minimumTlsVersion") == "TLS1_2", account.where()


def test_registry_has_no_admin_user() -> None:
    (registry,) = deployed("Microsoft.ContainerRegistry/registries")
    assert registry.get("properties", "adminUserEnabled") is False
    assert registry.get("properties", "anonymousPullEnabled") is False


def test_monitoring_has_local_auth_off() -> None:
    (insights,) = deployed("Microsoft.Insights/components")
    assert insights.get("properties", "DisableLocalAuth") is True
    (workspace,) = deployed("Microsoft.OperationalInsights/workspaces")
    assert workspace.get("properties", "features", "disableLocalAuth") is True


# --- the Function App ---------------------------------------------------------------------------------

def test_function_runs_on_flex_consumption_with_python_312() -> None:
    (plan,) = deployed("Microsoft.Web/serverfarms")
    assert plan.get("sku") == {"name": "FC1", "tier": "FlexConsumption"}
    (site,) = deployed("Microsoft.Web/sites")
    assert site.get("properties", "functionAppConfig", "runtime") == {"name": "python", "version": "3.12"}
    assert site.get("properties", "virtualNetworkSubnetId") == "subnetId"
    assert site.get("properties", "httpsOnly") is True
    assert "linuxFxVersion" not in (site.get("properties", "siteConfig") or {})
    assert "appSettings" not in (site.get("properties", "siteConfig") or {})
    storage_auth = site.get("properties", "functionAppConfig", "deployment", "storage", "authentication")
    assert storage_auth["type"] == "UserAssignedIdentity"


def test_function_has_no_setting_flex_forbids() -> None:
    assert not FLEX_FORBIDDEN_SETTINGS & app_settings().keys()


def test_function_has_every_setting_the_collector_reads() -> None:
    missing = REQUIRED_SETTINGS - app_settings().keys()
    assert not missing, f"missing app settings: {sorted(missing)}"


def test_collector_settings_are_names_settings_py_knows() -> None:
    # Catches a renamed variable on either side: each collector setting is spelled in settings.py
    # (COLLECT_SCHEDULE belongs to the timer trigger, not to Settings).
    settings_source = (REPO / "copilot_usage" / "settings.py").read_text()
    collector = parse(MAIN)["variables"]["collectorSettings"]["value"]
    unknown = [k for k in collector if k != "COLLECT_SCHEDULE" and f'"{k}"' not in settings_source]
    assert unknown == []


def test_function_settings_carry_no_credential() -> None:
    settings = app_settings()
    assert not CREDENTIAL_SETTINGS & settings.keys()
    secure = tainted_symbols(MAIN)
    leaking = [k for k, v in settings.items() if references(v) & secure]
    assert leaking == [], f"settings computed from secure parameters: {leaking}"


# --- Grafana ------------------------------------------------------------------------------------------

def grafana_env() -> dict[str, object]:
    variables = parse(GRAFANA)["variables"]
    env: dict[str, object] = {}
    for group in ("serverSettings", "entraSettings", "datasourceSettings"):
        for item in variables[group]["value"]:
            env[item["name"]] = item.get("value", {"secretRef": item.get("secretRef")})
    return env


def test_grafana_signs_in_with_entra_and_nothing_else() -> None:
    env = grafana_env()
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert env["GF_AUTH_AZUREAD_ROLE_ATTRIBUTE_STRICT"] == "true"
    assert env["GF_AUTH_AZUREAD_CLIENT_AUTHENTICATION"] == "managed_identity"
    assert env["GF_SERVER_ROOT_URL"] == "rootUrl"
    assert "GF_SECURITY_ADMIN_PASSWORD" not in env, "the admin password comes from a mounted Key Vault secret"
    assert str(env["GF_SECURITY_ADMIN_PASSWORD__FILE"]).endswith("/grafana-admin-password")
    assert env["ELASTICSEARCH_PASSWORD"] == {"secretRef": "reader-password"}
    assert env["ELASTICSEARCH_USERNAME"] == "grafana_reader"


def test_graph_module_is_optional_and_alone_with_the_extension() -> None:
    call = modules()["entraApp"]
    assert call.path == "modules/entra-app.bicep"
    assert call.condition == "useGraphModule"
    with_extension = [p.name for p in bicep_files() if parse(p).get("extensions")]
    assert with_extension == ["entra-app.bicep"]


# --- azd ----------------------------------------------------------------------------------------------

def test_service_tags_match_azure_yaml() -> None:
    services = yaml.safe_load((REPO / "azure.yaml").read_text())["services"]
    tagged: dict[str, list[str]] = {}
    for resource in resources():
        if resource.existing:
            continue
        match = re.search(r'"\'azd-service-name\'": "([^"]+)"', text(resource.get("tags")))
        if match:
            tagged.setdefault(match.group(1), []).append(resource.type)
    assert tagged.keys() == services.keys()
    host_type = {"function": "Microsoft.Web/sites", "containerapp": "Microsoft.App/containerApps"}
    for name, types in tagged.items():
        assert types == [host_type[services[name]["host"]]], f"service {name}: tagged on {types}"


def test_outputs_azd_needs() -> None:
    outputs = parse(MAIN)["outputs"]
    # Docker services push to this registry; the rest is what the docs tell operators to look up.
    assert {"AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_KEY_VAULT_NAME", "GRAFANA_URL",
            "GRAFANA_IDENTITY_PRINCIPAL_ID", "GRAFANA_REDIRECT_URI"} <= outputs.keys()
