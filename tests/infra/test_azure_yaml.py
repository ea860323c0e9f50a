"""azure.yaml against azd's own schema (vendored: tests/infra/schemas, MIT, see LICENSE there), and
against the repository: the paths it names exist and the services are what infra/ deploys."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from tests.infra.tools import REPO, require_module, run

SCHEMA = Path(__file__).with_name("schemas") / "azure.yaml.v1.json"
AZURE_YAML = REPO / "azure.yaml"


def validate(path: Path) -> tuple[int, str]:
    require_module("check_jsonschema", "check-jsonschema")
    result = run([sys.executable, "-m", "check_jsonschema", "--regex-variant", "python",
                  "--schemafile", SCHEMA, path])
    return result.returncode, result.stdout + result.stderr


def test_azure_yaml_matches_the_azd_schema() -> None:
    code, output = validate(AZURE_YAML)
    assert code == 0, output


def test_the_schema_check_catches_a_misspelled_hook(tmp_path: Path) -> None:
    broken = AZURE_YAML.read_text().replace("  preprovision:", "  preprovison:")
    assert broken != AZURE_YAML.read_text()
    path = tmp_path / "azure.yaml"
    path.write_text(broken)
    code, output = validate(path)
    assert code != 0
    assert "preprovison" in output


def test_services_point_at_real_projects() -> None:
    services = yaml.safe_load(AZURE_YAML.read_text())["services"]
    assert services["collector"] == {"project": ".", "language": "python", "host": "function"}
    for name in ("grafana", "elasticsearch"):
        service = services[name]
        assert service["host"] == "containerapp"
        assert service["docker"]["remoteBuild"] is True
        assert (REPO / service["project"] / service["docker"]["path"]).is_file(), name


def test_hooks_run_existing_scripts() -> None:
    hook = yaml.safe_load(AZURE_YAML.read_text())["hooks"]["preprovision"]
    assert hook["posix"]["shell"] == "sh"
    assert hook["windows"]["shell"] == "pwsh"
    for variant in ("posix", "windows"):
        assert hook[variant]["continueOnError"] is False
        assert (REPO / hook[variant]["run"]).is_file()


def test_pipeline_names_are_allowed_as_github_secrets_and_variables() -> None:
    # GitHub refuses secret and variable names starting with GITHUB_; `azd pipeline config` would fail.
    pipeline = yaml.safe_load(AZURE_YAML.read_text())["pipeline"]
    names = pipeline["variables"] + pipeline["secrets"]
    assert not [n for n in names if n.upper().startswith("GITHUB_")]
    assert {"GH_PAT", "GH_APP_PRIVATE_KEY"} <= set(pipeline["secrets"])
