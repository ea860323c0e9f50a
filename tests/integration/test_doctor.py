"""`copilot-usage doctor` against the simulator answering each failure, and the real engine (or a proxy in
front of it playing the engine's security layer)."""

from __future__ import annotations

import io
import json
import re

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from copilot_usage import doctor
from copilot_usage.cli import main
from copilot_usage.secrets import KeyVaultSecretSource
from copilot_usage.simulator import Faults, SimulatorServer, World
from tests.fixtures.engine import ProxyResponse
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.unit.test_secrets import FakeCredential, fake_vault

ORG, ORG2, ENT = "sim-org-1", "sim-org-2", "sim-enterprise-1"
PAT = "ghp_fake-classic-token-for-doctor-tests"  # the prefix is what doctor reads; not a token
FINE = "github_pat_fake-fine-grained-for-doctor-tests"


@pytest.fixture
def github():
    with SimulatorServer(World(sim_config(days=10, users=20, teams=2)), faults=Faults()) as server:
        yield server


def env_for(github: SimulatorServer, engine_url: str, **extra: str) -> dict[str, str]:
    return {"GITHUB_API_URL": github.url, "GITHUB_PAT": PAT, "ORGANIZATION_SLUGS": f"{ORG},{ORG2}",
            "ENTERPRISE_SLUGS": ENT, "ELASTICSEARCH_URL": engine_url, "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
            **extra}


def lines(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.name: c for c in checks}


def failed(checks: list[doctor.Check]) -> dict[str, str]:
    return {c.name: c.detail for c in checks if c.status == doctor.FAIL}


def test_everything_fine_is_one_ok_line_per_check_and_exit_0(github, engine_url, monkeypatch, capsys):
    for name, value in env_for(github, engine_url).items():
        monkeypatch.setenv(name, value)
    for name in ("KEY_VAULT_URI", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "GITHUB_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    # configuration, credential, org x (reports, seats, billing, teams, billing usage) x 2, enterprise x 2, engine
    assert len(out) == 1 + 1 + 1 + 10 + 2 + 1
    assert all(line.startswith("ok ") for line in out[:-1]), out
    assert out[-1] == f"{len(out) - 1} checks, all fine"
    for what in ("usage-metrics reports", "seats", "billing", "teams", "billing usage"):
        assert any(line.startswith(f"ok    organization:{ORG} {what}:") for line in out), what
    assert PAT not in "\n".join(out)


def test_a_missing_classic_scope_is_named_with_the_scopes_the_token_has(github, engine_url):
    github.faults.forbidden_paths = [f"/orgs/{ORG}/copilot/metrics/"]
    github.faults.token_scopes = "manage_billing:copilot"
    checks = doctor.diagnose(env_for(github, engine_url))
    assert failed(checks) == {f"organization:{ORG} usage-metrics reports": (
        f"the token lacks the classic scope read:org (it has: manage_billing:copilot) for usage-metrics reports "
        f"of organization '{ORG}'; also its user must be an organization owner (or hold a custom role with "
        "'View Organization Copilot Metrics') (GitHub said: Resource not accessible by personal access token)")}
    assert lines(checks)[f"organization:{ORG2} usage-metrics reports"].status == doctor.OK


def test_a_classic_token_with_the_scope_but_without_the_role(github, engine_url):
    github.faults.forbidden_paths = [f"/enterprises/{ENT}/copilot/billing/seats"]
    github.faults.token_scopes = "read:org, manage_billing:copilot"
    detail = failed(doctor.diagnose(env_for(github, engine_url)))[f"enterprise:{ENT} seats"]
    assert "has the scope manage_billing:copilot but GitHub still refuses seats" in detail
    assert "must be an enterprise owner or billing manager" in detail


def test_a_fine_grained_token_is_told_the_fine_grained_permission(github, engine_url):
    github.faults.forbidden_paths = [f"/orgs/{ORG}/teams", f"/enterprises/{ENT}/copilot/metrics/"]
    found = failed(doctor.diagnose(env_for(github, engine_url, GITHUB_PAT=FINE)))
    assert set(found) == {f"organization:{ORG} teams", f"enterprise:{ENT} usage-metrics reports"}
    assert found[f"organization:{ORG} teams"].startswith(
        f"the fine-grained token lacks the permission 'Members: read' for organization '{ORG}'; "
        "GitHub accepts: members=read")
    assert found[f"enterprise:{ENT} usage-metrics reports"].startswith(
        "fine-grained tokens cannot read usage-metrics reports of enterprise 'sim-enterprise-1': use a classic "
        "token with the scope manage_billing:copilot or read:enterprise")


def app_env(github: SimulatorServer, engine_url: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    env = env_for(github, engine_url, GITHUB_APP_ID="12345", GITHUB_APP_INSTALLATION_ID="678",
                  GITHUB_APP_PRIVATE_KEY=pem)
    del env["GITHUB_PAT"]
    return env


def test_a_github_app_is_told_the_app_permission_and_what_apps_cannot_do(github, engine_url):
    github.faults.forbidden_paths = [f"/orgs/{ORG}/copilot/billing", f"/enterprises/{ENT}/copilot/billing/seats"]
    checks = doctor.diagnose(app_env(github, engine_url))
    assert lines(checks)["github credential"].detail.startswith("GitHub App installation accepted")
    found = failed(checks)
    assert set(found) == {f"organization:{ORG} seats", f"organization:{ORG} billing", f"enterprise:{ENT} seats"}
    assert found[f"organization:{ORG} billing"] == (
        f"the GitHub App lacks the permission 'GitHub Copilot Business: read' on organization '{ORG}': add it in "
        "the App's settings and approve it on the installation; GitHub accepts: "
        "organization_copilot_seat_management=read; organization_administration=read "
        "(GitHub said: Resource not accessible by integration)")
    assert found[f"enterprise:{ENT} seats"].startswith(
        f"GitHub App tokens cannot read seats of enterprise '{ENT}': run this scope with a classic token with "
        "the scope manage_billing:copilot or read:enterprise")


@pytest.mark.parametrize(("status", "scope", "who"), [
    (403, f"enterprise:{ENT}",
     "an enterprise owner must set the 'Copilot usage metrics' policy to 'Enabled everywhere'"),
    (422, f"organization:{ORG}", "an organization owner must enable the 'Copilot usage metrics' policy"),
])
def test_a_disabled_usage_metrics_policy_is_named_as_the_policy_not_a_permission(github, engine_url, status, scope,
                                                                                 who):
    kind, slug = scope.split(":")
    github.faults.policy_disabled_paths = [f"/{'enterprises' if kind == 'enterprise' else 'orgs'}/{slug}/"]
    github.faults.policy_disabled_status = status
    found = failed(doctor.diagnose(env_for(github, engine_url)))
    assert list(found) == [f"{scope} usage-metrics reports"]
    detail = found[f"{scope} usage-metrics reports"]
    assert detail.startswith(f"the usage-metrics API is disabled by policy for {kind} '{slug}': {who}")
    assert "no token permission changes this" in detail
    assert "Copilot Metrics API access is disabled" in detail  # what GitHub said


def test_a_wrong_slug_is_named_with_the_variable_to_fix(github, engine_url):
    found = failed(doctor.diagnose(env_for(github, engine_url, ORGANIZATION_SLUGS=f"{ORG},sim-orgg-2")))
    assert set(found) == {f"organization:sim-orgg-2 {w}"
                          for w in ("usage-metrics reports", "seats", "billing", "teams", "billing usage")}
    assert all(d.startswith("GitHub does not know organization 'sim-orgg-2' or this credential cannot see it: "
                            "check the slug in ORGANIZATION_SLUGS") for d in found.values())


def test_a_refused_token_stops_the_github_checks(engine_url):
    with SimulatorServer(World(sim_config(days=5, users=5, teams=1)), token="the-right-token") as github:
        checks = doctor.diagnose(env_for(github, engine_url))
    assert [(c.name, c.status) for c in checks] == [
        ("configuration", doctor.OK), ("github credential", doctor.FAIL), ("github scopes", doctor.SKIP),
        ("engine", doctor.OK)]
    assert checks[1].detail.startswith("classic token: GitHub rejected the credential (401)")
    assert "Bad credentials" in checks[1].detail
    assert PAT not in json.dumps([c.detail for c in checks])


def test_key_vault_without_the_secrets_user_role(github, engine_url):
    vault = "https://kv-doctor.vault.azure.net"
    env = env_for(github, engine_url, KEY_VAULT_URI=vault, GITHUB_PAT_SECRET_NAME="forbidden")
    del env["GITHUB_PAT"]
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, re.compile(re.escape(vault) + r"/secrets/.*"), callback=fake_vault(vault, {}))
        checks = doctor.diagnose(env, secret_source=KeyVaultSecretSource(vault, FakeCredential()))
    assert [(c.name, c.status) for c in checks] == [
        ("configuration", doctor.OK), ("key vault", doctor.FAIL), ("github", doctor.SKIP), ("engine", doctor.SKIP)]
    assert 'grant the role "Key Vault Secrets User" on the vault' in checks[1].detail


def test_an_engine_that_refuses_the_writer_user(github, engine_proxy):
    def security(request, forward):
        # The engine's security layer: this password is wrong.
        return ProxyResponse.of_json(401, {"error": {"type": "security_exception", "reason":
                                                     "unable to authenticate user [copilot_writer]"}, "status": 401})

    engine_proxy.handler = security
    env = env_for(github, engine_proxy.url, ELASTICSEARCH_USERNAME="copilot_writer",
                  ELASTICSEARCH_PASSWORD="wrong-password")
    checks = doctor.diagnose(env)
    engine = lines(checks)["engine"]
    assert engine.status == doctor.FAIL
    assert engine.detail.startswith(f"the engine at {engine_proxy.url} refused user 'copilot_writer' (401): wrong "
                                    "ELASTICSEARCH_PASSWORD")
    assert "wrong-password" not in engine.detail
    out = io.StringIO()
    for check in checks:
        out.write(check.line() + "\n")
    assert "wrong-password" not in out.getvalue()


def test_an_engine_user_without_the_template_privilege(github, engine_proxy):
    def security(request, forward):
        if "_index_template" in request.path:
            return ProxyResponse.of_json(403, {"error": {"type": "security_exception", "reason": "action "
                                                         "[indices:admin/index_template/get] is unauthorized"}})
        return forward(request)

    engine_proxy.handler = security
    engine = lines(doctor.diagnose(env_for(github, engine_proxy.url)))["engine"]
    assert engine.status == doctor.FAIL
    assert "cannot read index templates (cluster privilege manage_index_templates)" in engine.detail
    assert "copilot_writer role" in engine.detail


def test_an_engine_nobody_listens_on(github):
    engine = lines(doctor.diagnose(env_for(github, "http://127.0.0.1:9")))["engine"]
    assert engine.status == doctor.FAIL
    assert engine.detail.startswith("cannot reach the engine at http://127.0.0.1:9")
