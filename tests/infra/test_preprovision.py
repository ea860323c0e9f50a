"""The azd preprovision hook, run for real with /bin/sh in a clean environment.

There is no PowerShell here: scripts/preprovision.ps1 is only held to the same variable names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.infra.tools import REPO, optional_tool, run

SCRIPT = REPO / "scripts" / "preprovision.sh"
PS1 = REPO / "scripts" / "preprovision.ps1"
PAT = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"
STRONG = "Zx9wQ2rT7uY4iO1pA8sD5fG3hJ6kL0mN"  # 32 characters, like the azd-generated passwords
PASSWORDS = {name: f"{STRONG}{i}" for i, name in enumerate(
    ("ELASTIC_PASSWORD", "ES_WRITER_PASSWORD", "ES_READER_PASSWORD", "GRAFANA_ADMIN_PASSWORD"))}
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0123\n-----END RSA PRIVATE KEY-----"
GUID = "0f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"


def hook(**env: str) -> tuple[int, str]:
    """Run the hook with exactly these variables (plus PATH), as azd would with an azd environment."""
    result = run(["sh", SCRIPT], env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}, timeout=20)
    return result.returncode, result.stdout + result.stderr


def test_a_pat_and_an_organization_are_enough() -> None:
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme,Beta-Org")
    assert code == 0, output
    assert "organizations: acme,Beta-Org" in output
    assert "personal access token" in output
    assert PAT not in output


def test_classic_variable_names_work() -> None:
    code, output = hook(GH_PAT=PAT, GH_ORGANIZATION_SLUGS="acme", GH_ENTERPRISE_SLUGS="big-corp",
                        AZURE_AUTHENTICATION_CLIENT_ID=GUID, AZURE_ROLE_ASSIGNMENTS="false",
                        AZURE_AUTHENTICATION_OPEN_ID_ISSUER=f"https://login.microsoftonline.com/{GUID}/v2.0")
    assert code == 0, output
    assert "enterprises:   big-corp" in output
    assert f"existing app registration {GUID}" in output


def test_a_github_app_instead_of_a_pat() -> None:
    code, output = hook(GITHUB_APP_ID="12345", GITHUB_APP_INSTALLATION_ID="678", GITHUB_APP_PRIVATE_KEY=PEM,
                        ENTERPRISE_SLUGS="big-corp")
    assert code == 0, output
    assert "GitHub App 12345" in output
    assert "MIIEow" not in output


def test_nothing_set_names_both_missing_things() -> None:
    code, output = hook()
    assert code == 1
    assert "no scope: set ORGANIZATION_SLUGS" in output
    assert "no GitHub credential: set GITHUB_PAT (or GH_PAT)" in output


def test_a_partial_github_app_names_what_is_missing() -> None:
    code, output = hook(GITHUB_APP_ID="12x", ORGANIZATION_SLUGS="acme")
    assert code == 1
    assert "set GITHUB_APP_INSTALLATION_ID" in output
    assert "set GITHUB_APP_PRIVATE_KEY" in output
    assert "GITHUB_APP_ID must be the numeric App id" in output


def test_an_invalid_slug_is_named_with_its_variable() -> None:
    code, output = hook(GITHUB_PAT=PAT, GH_ORGANIZATION_SLUGS=" acme , bad/slug")
    assert code == 1
    assert "GH_ORGANIZATION_SLUGS has an invalid slug 'bad/slug'" in output
    assert "'acme'" not in output


def test_a_token_with_white_space_is_refused_without_echoing_it() -> None:
    code, output = hook(GITHUB_PAT="ghp_secretpart other", ORGANIZATION_SLUGS="acme")
    assert code == 1
    assert "GITHUB_PAT contains white space" in output
    assert "secretpart" not in output


def test_an_unresolved_azure_pipelines_macro_is_refused() -> None:
    code, output = hook(GITHUB_PAT="$(GH_PAT)", ORGANIZATION_SLUGS="acme")
    assert code == 1
    assert "GITHUB_PAT holds an unresolved Azure Pipelines macro" in output


def test_pipelines_must_supply_the_generated_passwords() -> None:
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme", TF_BUILD="True")
    assert code == 1
    for name in PASSWORDS:
        assert f"{name} is not set: in a pipeline it must come from a secret" in output
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme", GITHUB_ACTIONS="true", **PASSWORDS)
    assert code == 0, output
    assert not [p for p in PASSWORDS.values() if p in output]


def test_locally_the_passwords_may_be_left_to_azd() -> None:
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme")
    assert code == 0, output


def test_a_weak_password_is_refused_without_echoing_it() -> None:
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme", ES_WRITER_PASSWORD="short-pw")
    assert code == 1
    assert "ES_WRITER_PASSWORD must be at least 16 characters" in output
    assert "short-pw" not in output


@pytest.mark.parametrize(("name", "value", "message"), [
    ("AZURE_ROLE_ASSIGNMENTS", "yes", "AZURE_ROLE_ASSIGNMENTS must be true or false"),
    ("KEY_VAULT_PURGE_PROTECTION", "True", "KEY_VAULT_PURGE_PROTECTION must be true or false"),
    ("INDEX_PREFIX", "Copilot*", "INDEX_PREFIX must be lowercase letters"),
    ("LATE_WINDOW_DAYS", "61", "LATE_WINDOW_DAYS must be a whole number from 0 to 60"),
    ("MAX_CONCURRENCY", "0", "MAX_CONCURRENCY must be a whole number from 1 to 32"),
    ("BACKFILL_START", "01/02/2026", "BACKFILL_START must be a date as YYYY-MM-DD"),
    ("LOG_LEVEL", "verbose", "LOG_LEVEL must be one of"),
    ("COLLECT_SCHEDULE", "0 * * * *", "COLLECT_SCHEDULE must be an NCRONTAB expression with six fields"),
    ("AUTH_CLIENT_ID", "my-app", "AUTH_CLIENT_ID must be the application (client) id"),
    ("AZURE_AUTHENTICATION_OPEN_ID_ISSUER", "https://example.com/",
     "AZURE_AUTHENTICATION_OPEN_ID_ISSUER must look like"),
    ("GRAFANA_ALLOWED_GROUPS", "admins", "GRAFANA_ALLOWED_GROUPS must be comma-separated group object ids"),
])
def test_invalid_settings_are_named(name: str, value: str, message: str) -> None:
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme", **{name: value})
    assert code == 1
    assert message in output


def test_sign_in_without_the_graph_module_needs_a_client_id() -> None:
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme", CREATE_APP_REGISTRATION="false")
    assert code == 1
    assert "Grafana sign-in needs an app registration" in output
    code, output = hook(GITHUB_PAT=PAT, ORGANIZATION_SLUGS="acme", CREATE_APP_REGISTRATION="false",
                        AZURE_AUTHENTICATION_ENABLED="false")
    assert code == 0, output
    assert "local admin only" in output


def test_every_problem_is_reported_at_once() -> None:
    code, output = hook(GITHUB_APP_ID="1", AZURE_ROLE_ASSIGNMENTS="maybe", CI="true")
    assert code == 1
    assert len(re.findall(r"^  - ", output, re.MULTILINE)) >= 7


def test_shell_scripts_are_valid() -> None:
    scripts = [SCRIPT, REPO / "scripts" / "install-tools.sh", REPO / "elasticsearch" / "bootstrap-users.sh",
               REPO / "elasticsearch" / "entrypoint.sh"]
    for script in scripts:
        shell = "sh" if script == SCRIPT else "bash"
        result = run([shell, "-n", script])
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
        assert os.access(script, os.X_OK), f"{script.name} is not executable"


def test_shellcheck_is_clean() -> None:
    shellcheck = optional_tool("shellcheck")
    result = run([shellcheck, "-s", "sh", SCRIPT])
    assert result.returncode == 0, result.stdout
    result = run([shellcheck, REPO / "scripts" / "install-tools.sh", REPO / "elasticsearch" / "bootstrap-users.sh",
                  REPO / "elasticsearch" / "entrypoint.sh"])
    assert result.returncode == 0, result.stdout


def test_powershell_twin_checks_the_same_variables() -> None:
    def names(path: Path) -> set[str]:
        return set(re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", path.read_text()))

    assert names(SCRIPT) == names(PS1)
    assert "GITHUB_PAT" in names(PS1)
