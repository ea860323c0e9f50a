"""Redeploying Elasticsearch (issue 16, item 1).

One node owns the NFS data directory. In Single revision mode Container Apps keeps the old revision until
the new one is ready, and the new one can never be ready while the old one holds the node lock, so every
update stalled (microsoft/azure-container-apps#1011). The rule held here: the app runs in Multiple revision
mode with all traffic on the latest revision, and azd hooks deactivate the running revision(s) around an
update. The hook script runs for real with /bin/sh against a fake `az` that records its calls.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.infra.bicep import MAIN, deployed, parse
from tests.infra.tools import REPO, run

AZURE_YAML = yaml.safe_load((REPO / "azure.yaml").read_text())
SCRIPT = REPO / "scripts" / "es-revisions.sh"

FAKE_AZ = """#!/bin/sh
# A stand-in for the Azure CLI: answers from FAKE_* variables, records every call.
printf '%s\\n' "$*" >> "$AZ_LOG"
case "$*" in
  "account show"*) [ "${FAKE_LOGGED_IN:-yes}" = yes ] || exit 1 ;;
  "containerapp show"*"--query name"*) [ "${FAKE_EXISTS:-yes}" = yes ] || exit 3; echo "$FAKE_APP" ;;
  "containerapp show"*"latestRevisionName"*) echo "$FAKE_LATEST" ;;
  "containerapp revision list"*) for r in $FAKE_ACTIVE; do echo "$r"; done ;;
  "containerapp revision deactivate"*) ;;
  *) echo "unexpected az call: $*" >&2; exit 2 ;;
esac
"""


def app(file_name: str):  # type: ignore[no-untyped-def]
    (found,) = [a for a in deployed("Microsoft.App/containerApps") if a.file.name == file_name]
    return found


def test_elasticsearch_runs_in_multiple_revision_mode_with_traffic_on_the_latest() -> None:
    es = app("elasticsearch.bicep")
    assert es.get("properties", "configuration", "activeRevisionsMode") == "Multiple"
    assert es.get("properties", "configuration", "ingress", "traffic") == [{"latestRevision": True, "weight": 100}]
    # Still exactly one writer per data directory.
    assert es.get("properties", "template", "scale") == {"minReplicas": 1, "maxReplicas": 1}


def test_grafana_keeps_single_revision_mode() -> None:
    # Grafana has no shared state to lock: a zero-downtime swap is what it should get.
    assert app("grafana.bicep").get("properties", "configuration", "activeRevisionsMode") == "Single"


def test_the_app_name_reaches_the_hooks() -> None:
    assert "ELASTICSEARCH_APP_NAME" in parse(MAIN)["outputs"]
    assert "AZURE_RESOURCE_GROUP" in parse(MAIN)["outputs"]


def hook_files(hook: dict[str, dict[str, str]], base: Path) -> dict[str, Path]:
    out = {}
    for variant, shell in (("posix", "sh"), ("windows", "pwsh")):
        config = hook[variant]
        assert config["shell"] == shell
        assert config["continueOnError"] is False
        path = (base / config["run"]).resolve()
        assert path.is_file(), f"{variant}: {config['run']} does not exist relative to {base}"
        out[variant] = path
    return out


def test_predeploy_hook_of_the_elasticsearch_service_stops_every_revision() -> None:
    service = AZURE_YAML["services"]["elasticsearch"]
    # Service hook paths are relative to the service's project directory.
    files = hook_files(service["hooks"]["predeploy"], REPO / service["project"])
    assert "es-revisions.sh\" all" in files["posix"].read_text()
    assert "-Mode all" in files["windows"].read_text()


def test_postprovision_hook_stops_every_revision_but_the_latest() -> None:
    files = hook_files(AZURE_YAML["hooks"]["postprovision"], REPO)
    assert "es-revisions.sh\" old" in files["posix"].read_text()
    assert "-Mode old" in files["windows"].read_text()


def test_only_elasticsearch_has_revision_hooks() -> None:
    hooked = [name for name, service in AZURE_YAML["services"].items() if service.get("hooks")]
    assert hooked == ["elasticsearch"]


@pytest.fixture
def fake_az(tmp_path: Path) -> dict[str, str]:
    az = tmp_path / "az"
    az.write_text(FAKE_AZ)
    az.chmod(0o755)
    log = tmp_path / "az.log"
    log.touch()
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AZ": str(az), "AZ_LOG": str(log),
            "AZURE_RESOURCE_GROUP": "rg-test", "ELASTICSEARCH_APP_NAME": "ca-es-abc", "FAKE_APP": "ca-es-abc"}


def hook(env: dict[str, str], *args: str, script: Path = SCRIPT) -> tuple[int, str, list[str]]:
    result = run(["sh", script, *args], env=env, timeout=20)
    calls = Path(env["AZ_LOG"]).read_text().splitlines()
    return result.returncode, result.stdout + result.stderr, calls


def deactivated(calls: list[str]) -> list[str]:
    return [c.rsplit("--revision ", 1)[1].split()[0] for c in calls if c.startswith("containerapp revision deactivate")]


def test_all_deactivates_every_active_revision(fake_az: dict[str, str]) -> None:
    env = {**fake_az, "FAKE_ACTIVE": "ca-es-abc--r1 ca-es-abc--r2", "FAKE_LATEST": "ca-es-abc--r2"}
    code, output, calls = hook(env, "all")
    assert code == 0, output
    assert deactivated(calls) == ["ca-es-abc--r1", "ca-es-abc--r2"]
    assert all("--resource-group rg-test --name ca-es-abc" in c for c in calls if c.startswith("containerapp"))
    assert "stopped until the new revision is ready" in output


def test_old_keeps_the_latest_revision(fake_az: dict[str, str]) -> None:
    env = {**fake_az, "FAKE_ACTIVE": "ca-es-abc--r1 ca-es-abc--r2", "FAKE_LATEST": "ca-es-abc--r2"}
    code, output, calls = hook(env, "old")
    assert code == 0, output
    assert deactivated(calls) == ["ca-es-abc--r1"]


def test_old_does_nothing_when_provisioning_created_no_revision(fake_az: dict[str, str]) -> None:
    env = {**fake_az, "FAKE_ACTIVE": "ca-es-abc--r2", "FAKE_LATEST": "ca-es-abc--r2"}
    code, output, calls = hook(env, "old")
    assert code == 0, output
    assert deactivated(calls) == []
    assert "no revision to deactivate" in output


def test_the_wrappers_azd_runs_pick_the_right_mode(fake_az: dict[str, str]) -> None:
    env = {**fake_az, "FAKE_ACTIVE": "ca-es-abc--r1 ca-es-abc--r2", "FAKE_LATEST": "ca-es-abc--r2"}
    code, output, calls = hook(env, script=REPO / "scripts" / "es-predeploy.sh")
    assert code == 0, output
    assert deactivated(calls) == ["ca-es-abc--r1", "ca-es-abc--r2"]
    Path(env["AZ_LOG"]).write_text("")
    code, output, calls = hook(env, script=REPO / "scripts" / "es-postprovision.sh")
    assert code == 0, output
    assert deactivated(calls) == ["ca-es-abc--r1"]


def test_nothing_to_do_without_an_app(fake_az: dict[str, str]) -> None:
    # Before the first provision, and with an external cluster, there is no Elasticsearch app.
    code, output, calls = hook({**fake_az, "ELASTICSEARCH_APP_NAME": ""}, "all")
    assert code == 0, output
    assert calls == []
    code, output, calls = hook({**fake_az, "FAKE_EXISTS": "no"}, "all")
    assert code == 0, output
    assert deactivated(calls) == []
    assert "does not exist yet" in output


def test_a_logged_out_cli_stops_the_deployment(fake_az: dict[str, str]) -> None:
    # Silently skipping would let the deployment stall on the node lock again.
    code, output, calls = hook({**fake_az, "FAKE_LOGGED_IN": "no", "FAKE_ACTIVE": "x"}, "all")
    assert code == 1
    assert "not logged in" in output
    assert deactivated(calls) == []


def test_a_missing_cli_or_group_or_mode_is_an_error(fake_az: dict[str, str]) -> None:
    code, output, _ = hook({**fake_az, "AZ": "/nonexistent/az"}, "all")
    assert code == 1
    assert "Azure CLI" in output
    code, output, _ = hook({**fake_az, "AZURE_RESOURCE_GROUP": ""}, "all")
    assert code == 1
    assert "AZURE_RESOURCE_GROUP" in output
    code, output, _ = hook(fake_az, "everything")
    assert code == 64


def test_hook_scripts_are_valid_and_executable() -> None:
    for name in ("es-revisions.sh", "es-predeploy.sh", "es-postprovision.sh"):
        script = REPO / "scripts" / name
        assert run(["sh", "-n", script]).returncode == 0, name
        assert os.access(script, os.X_OK), f"{name} is not executable"
    # The Windows twins deactivate the same way.
    ps1 = (REPO / "scripts" / "es-revisions.ps1").read_text()
    for fragment in ("containerapp revision deactivate", "latestRevisionName", "[?properties.active].name",
                     "ELASTICSEARCH_APP_NAME", "AZURE_RESOURCE_GROUP", "account show"):
        assert fragment in ps1
