"""The timer function performs a complete run from app settings alone; Key Vault failures write nothing."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from azure.functions.timer import TimerRequest

from copilot_usage.schema import indices as ix
from copilot_usage.secrets import SecretError
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.functions import app_functions
from tests.fixtures.simulator import SIM_TODAY, sim_config

TOKEN = "ghp_functionTestToken0123456789abcdef"
COLLECT = app_functions()["collect"].get_user_function()


class FailingVault:
    """Stands in for Key Vault answering 403, as KeyVaultSecretSource reports it."""

    def get(self, name: str) -> str:
        raise SecretError(f"access to secret {name} denied: grant the identity 'Key Vault Secrets User'")


def app_settings(monkeypatch, server: SimulatorServer, engine_url: str, prefix: str) -> None:
    for name, value in {
        "GITHUB_PAT": TOKEN,
        "GITHUB_API_URL": server.url,
        "ORGANIZATION_SLUGS": "sim-org-1",
        "ENTERPRISE_SLUGS": "sim-enterprise-1",
        "ELASTICSEARCH_URL": engine_url,
        "INDEX_PREFIX": prefix,
        "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
        "BACKFILL_START": (SIM_TODAY - dt.timedelta(days=4)).isoformat(),
        "COLLECT_SCHEDULE": "0 5 * * * *",
    }.items():
        monkeypatch.setenv(name, value)


def test_timer_invocation_runs_a_complete_collection(monkeypatch, es, engine_url, prefix, caplog):
    with SimulatorServer(World(sim_config())) as server:
        app_settings(monkeypatch, server, engine_url, prefix)
        with caplog.at_level(logging.DEBUG):
            COLLECT(TimerRequest(past_due=True))
    assert "past due" in caplog.text
    assert es.count(index=ix.USER_DAILY.name(prefix))["count"] > 0
    assert es.count(index=ix.USAGE_DAILY.name(prefix))["count"] == 2 * 3  # 2 scopes x 3 ready days
    # One structured summary line per run, and nothing secret in any log record.
    summaries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("copilot-usage run {")]
    assert len(summaries) == 1
    assert '"ok": true' in summaries[0]
    assert TOKEN not in caplog.text
    assert "sig=" not in caplog.text


def test_key_vault_failure_is_clear_and_writes_nothing(monkeypatch, es, engine_url, prefix):
    from copilot_usage.entry import collect_once

    with SimulatorServer(World(sim_config())) as server:
        app_settings(monkeypatch, server, engine_url, prefix)
        monkeypatch.delenv("GITHUB_PAT")
        monkeypatch.setenv("KEY_VAULT_URI", "https://kv-test.vault.azure.net/")
        with pytest.raises(SecretError, match="Key Vault Secrets User"):
            collect_once(source=FailingVault())
        assert server.stats()["api_requests"] == 0
    assert not es.indices.exists(index=ix.INGESTION_LOG.name(prefix))
    assert not es.indices.exists(index=ix.USER_DAILY.name(prefix))
