"""Parameter mappings and Grafana sign-in rules (issue 16, items 2, 3 and 5, and the app registration's
hardening): which variable wins, what the pipelines pass, and the cross-tenant combination that the
template and the preprovision hook refuse."""

from __future__ import annotations

import os

import yaml

from tests.infra.bicep import INFRA, MAIN, parse, text
from tests.infra.test_parameters import resolve
from tests.infra.test_preprovision import GUID, PAT
from tests.infra.tools import REPO, run

ENTRA = INFRA / "modules" / "entra-app.bicep"
WORKFLOW = REPO / ".github" / "workflows" / "azure-dev.yml"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"

# Variables the GitHub Actions runner sets itself; a workflow's env cannot change them (GitHub docs,
# "Variables reference": default variables), so the deployment must never depend on overriding them.
RUNNER_DEFAULTS = {"GITHUB_API_URL", "GITHUB_SERVER_URL", "GITHUB_GRAPHQL_URL", "GITHUB_TOKEN", "GITHUB_ACTIONS",
                   "GITHUB_REPOSITORY", "GITHUB_WORKSPACE", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH"}


# --- item 2: GH_API_URL before GITHUB_API_URL --------------------------------------------------------

def test_gh_api_url_wins_over_the_runner_variable() -> None:
    # Inside GitHub Actions GITHUB_API_URL is always the runner's https://api.github.com.
    ghe = "https://api.acme.ghe.com"
    assert resolve({"GITHUB_API_URL": "https://api.github.com", "GH_API_URL": ghe})["githubApiUrl"] == ghe
    # Locally either name works, and nothing set gives github.com.
    assert resolve({"GITHUB_API_URL": ghe})["githubApiUrl"] == ghe
    assert resolve({})["githubApiUrl"] == "https://api.github.com"


def test_the_deploy_workflow_sets_no_runner_variable() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["deploy"]
    names = set(job["env"])
    for step in job["steps"]:
        names |= set(step.get("env", {}))
    assert not names & RUNNER_DEFAULTS, f"the runner ignores these: {sorted(names & RUNNER_DEFAULTS)}"
    assert job["env"]["GH_API_URL"] == "${{ vars.GH_API_URL }}"


# --- item 3: the registration the first provision created -----------------------------------------------

def test_auth_client_id_falls_back_to_the_created_registration() -> None:
    assert resolve({"GRAFANA_AUTH_CLIENT_ID": "created"})["authClientId"] == "created"
    assert resolve({"AZURE_AUTHENTICATION_CLIENT_ID": "classic", "GRAFANA_AUTH_CLIENT_ID": "created"})[
        "authClientId"] == "classic"
    assert resolve({"AUTH_CLIENT_ID": "explicit", "AZURE_AUTHENTICATION_CLIENT_ID": "classic",
                    "GRAFANA_AUTH_CLIENT_ID": "created"})["authClientId"] == "explicit"
    assert resolve({})["authClientId"] == ""


def test_pipelines_carry_the_created_registration() -> None:
    variables = yaml.safe_load((REPO / "azure.yaml").read_text())["pipeline"]["variables"]
    assert {"GRAFANA_AUTH_CLIENT_ID", "GH_API_URL"} <= set(variables)
    env = yaml.safe_load(WORKFLOW.read_text())["jobs"]["deploy"]["env"]
    assert env["GRAFANA_AUTH_CLIENT_ID"] == "${{ vars.GRAFANA_AUTH_CLIENT_ID }}"
    # The output that feeds it exists.
    assert "GRAFANA_AUTH_CLIENT_ID" in parse(MAIN)["outputs"]


# --- item 5: tenants ------------------------------------------------------------------------------------

def test_the_federated_credential_trusts_the_deployment_tenant() -> None:
    resources = parse(ENTRA)["resources"]
    (credential,) = [d for d in resources.values() if "federatedIdentityCredentials" in d["type"]]
    assert "${tenant().tenantId}/v2.0" in text(credential["config"]["issuer"])
    assert credential["config"]["audiences"] == ["api://AzureADTokenExchange"]
    assert "tenantId" not in parse(ENTRA).get("parameters", {}), "the issuer tenant is not a choice"


def test_cross_tenant_with_the_automatic_registration_fails_the_deployment() -> None:
    variables = parse(MAIN)["variables"]
    guard = text(variables["authTenantId"]["value"])
    assert '"type": "fail"' in guard
    assert "crossTenantIsSupported" in guard
    condition = text(variables["crossTenantIsSupported"]["value"])
    for symbol in ("useGraphModule", "tenant", "issuerTenantId"):
        assert symbol in condition


def hook(**env: str) -> tuple[int, str]:
    result = run(["sh", REPO / "scripts" / "preprovision.sh"],
                 env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GITHUB_PAT": PAT,
                      "ORGANIZATION_SLUGS": "acme", **env}, timeout=20)
    return result.returncode, result.stdout + result.stderr


def test_preprovision_refuses_another_tenants_issuer_with_the_automatic_registration() -> None:
    issuer = f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"
    code, output = hook(AZURE_TENANT_ID=GUID, AZURE_AUTHENTICATION_OPEN_ID_ISSUER=issuer)
    assert code == 1
    assert "names another tenant" in output
    # Same tenant (any case), an existing registration, or sign-in off: accepted.
    same = f"https://login.microsoftonline.com/{GUID.upper()}/v2.0"
    assert hook(AZURE_TENANT_ID=GUID, AZURE_AUTHENTICATION_OPEN_ID_ISSUER=same)[0] == 0
    assert hook(AZURE_TENANT_ID=GUID, AZURE_AUTHENTICATION_OPEN_ID_ISSUER=issuer, AUTH_CLIENT_ID=GUID)[0] == 0
    assert hook(AZURE_TENANT_ID=GUID, AZURE_AUTHENTICATION_OPEN_ID_ISSUER=issuer,
                AZURE_AUTHENTICATION_ENABLED="false")[0] == 0


def test_preprovision_counts_the_created_registration() -> None:
    code, output = hook(CREATE_APP_REGISTRATION="false", GRAFANA_AUTH_CLIENT_ID=GUID)
    assert code == 0, output
    assert f"existing app registration {GUID}" in output
    code, output = hook(GRAFANA_AUTH_CLIENT_ID="not-a-guid")
    assert code == 1
    assert "GRAFANA_AUTH_CLIENT_ID must be the application (client) id" in output


def test_preprovision_checks_gh_api_url() -> None:
    code, output = hook(GH_API_URL="api.acme.ghe.com")
    assert code == 1
    assert "GH_API_URL must be a URL" in output


# --- the app registration itself -------------------------------------------------------------------

def test_only_assigned_users_may_sign_in_and_no_graph_permission_is_requested() -> None:
    resources = parse(ENTRA)["resources"]
    principals = [d for d in resources.values() if d["type"].startswith("Microsoft.Graph/servicePrincipals")]
    (principal,) = principals
    assert principal["config"]["appRoleAssignmentRequired"] is True
    apps = [d for d in resources.values() if d["type"] == "Microsoft.Graph/applications"]
    (app,) = apps
    assert "requiredResourceAccess" not in app["config"], "Grafana needs no Graph permission (User.Read dropped)"
