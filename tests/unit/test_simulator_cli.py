"""`copilot-usage simulate` / `python -m copilot_usage.simulator`: prints where it listens, serves, stops on Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

import pytest
import requests

from copilot_usage.simulator import cli

TIMEOUT = 10


def test_serves_until_interrupted_and_prints_the_settings_to_use() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "copilot_usage.simulator", "--port", "0", "--orgs", "1", "--users", "30",
         "--teams", "3", "--today", "2026-11-20", "--days", "30", "--token", "cli-token"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        for line in process.stdout:
            name, sep, value = line.strip().partition("=")
            if sep:
                lines[name] = value
            if line.startswith("Press Ctrl-C"):
                break
        assert lines["ORGANIZATION_SLUGS"] == "sim-org-1"
        assert lines["ENTERPRISE_SLUGS"] == "sim-enterprise-1"
        url = lines["GITHUB_API_URL"]
        assert url.startswith("http://127.0.0.1:")
        teams = requests.get(url + "/orgs/sim-org-1/teams", headers={"Authorization": "Bearer cli-token"},
                             timeout=TIMEOUT)
        assert teams.status_code == 200
        assert len(teams.json()) == 3
        assert requests.get(url + "/orgs/sim-org-1/teams", timeout=TIMEOUT).status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
        assert "cli-token" not in process.stdout.read() + (process.stderr.read() if process.stderr else "")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_bad_settings_are_reported_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(_parse("--port", "0", "--users", "0")) == 2
    assert "SimConfig.users" in capsys.readouterr().err
    assert cli.run(_parse("--port", "0", "--rate-limit", "0")) == 2
    assert "--rate-limit" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parse("--fail-rate", "1.5")
    with pytest.raises(SystemExit):
        _parse("--today", "20-11-2026")
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_arguments_reach_the_server() -> None:
    server = cli.build(_parse("--port", "0", "--orgs", "3", "--enterprises", "0", "--users", "40", "--seed", "9",
                              "--today", "2026-11-20", "--records-per-file", "5", "--fail-rate", "0.25",
                              "--throttle-rate", "0.5", "--retry-after", "0", "--truncate-rate", "0.1",
                              "--corrupt-rate", "0.2", "--rate-limit", "100", "--latency-ms", "3",
                              "--no-data-answer", "404", "--report-lag-days", "3", "--weekend-extra-days", "2"))
    try:
        config = server.world.config
        assert (config.orgs, config.enterprises, config.users, config.seed, config.records_per_file) == (3, 0, 40, 9, 5)
        assert str(config.today) == "2026-11-20"
        assert config.no_data_answer == "404"
        assert (config.report_lag_days, config.weekend_extra_days) == (3, 2)
        faults = server.faults
        assert (faults.fail_rate, faults.throttle_rate, faults.retry_after, faults.truncate_rate) == (0.25, 0.5, 0, 0.1)
        assert (faults.rate_limit, faults.latency_ms, faults.corrupt_rate) == (100, 3.0, 0.2)
    finally:
        server.stop()


def test_the_standalone_simulator_waits_like_github_by_default() -> None:
    """§11.5: run by hand or in the compose demo, the simulator publishes a day about 3 full UTC days after it
    ends, 4 over a weekend: on Monday 2026-12-07 the newest day is Wednesday 2026-12-02."""
    server = cli.build(_parse("--port", "0", "--today", "2026-12-07"))
    try:
        assert (server.world.config.report_lag_days, server.world.config.weekend_extra_days) == (4, 1)
        assert str(server.world.newest_day()) == "2026-12-02"
    finally:
        server.stop()
