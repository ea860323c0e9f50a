"""A GitHub App whose installation token can no longer be minted in the middle of a run stops the run as `auth`.

The provider is the real `InstallationTokenProvider` against the simulator's token endpoint; after the first
task its clock moves past the token's refresh time and the simulator refuses new tokens (403), as GitHub does
for a suspended App. Before the fix every later task became an "unexpected RuntimeError" and the run neither
stopped nor told the host.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from copilot_usage.entry import RunFailed, collect_once
from copilot_usage.github.app_auth import InstallationTokenProvider
from copilot_usage.github.client import GitHubClient
from copilot_usage.settings import Settings
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, sim_config

NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)


class ShiftingClock:
    """Real time plus an offset the test moves forward (so the simulator still accepts the JWT's expiry)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_app_token_failure_mid_run_stops_the_run_as_auth(es, engine_url, prefix, pem):
    with SimulatorServer(World(sim_config())) as server:
        env = {
            "GITHUB_API_URL": server.url,
            "GITHUB_APP_ID": "12345",
            "GITHUB_APP_INSTALLATION_ID": "678",
            "GITHUB_APP_PRIVATE_KEY": pem,
            "ORGANIZATION_SLUGS": "sim-org-1,sim-org-2",
            "ELASTICSEARCH_URL": engine_url,
            "INDEX_PREFIX": prefix,
            "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
            "MAX_CONCURRENCY": "1",
        }
        settings = Settings.from_env(env)
        clock = ShiftingClock()
        provider = InstallationTokenProvider.from_settings(settings, clock=clock, sleep=lambda s: None)
        github = GitHubClient.from_settings(settings, token_provider=provider, sleep=lambda s: None)
        seen: list[Any] = []

        def after_task(task: Any, outcome: Any) -> None:
            seen.append(task)
            if len(seen) == 1:
                # The App is suspended and the cached token is due for renewal.
                server.faults.forbidden_paths = ["/app/installations"]
                clock.offset = 3600.0

        with pytest.raises(RunFailed) as info:
            collect_once(env, github=github, es=es, now=lambda: NOW, on_task=after_task)

    message = str(info.value)
    assert message.startswith("collection stopped: auth: ")
    assert "cannot get an installation token for GitHub App 12345 installation 678 (HTTP 403)" in message
    assert "unexpected" not in message
    assert len(seen) == 1  # the run stopped at the first task that needed a new token
    assert provider.mint_count == 1
    assert "BEGIN" not in message  # neither the key ...
    assert "ghs_" not in message  # ... nor a token in the message
