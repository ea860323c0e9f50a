"""The command line as a user runs it: exit codes and what it prints."""

import os
import subprocess
import sys

import pytest

from copilot_usage.cli import main, parse_interval

TOKEN = "ghp_cliTestToken0123456789abcdefghij"


def test_config_check_prints_masked_configuration(monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_PAT", TOKEN)
    monkeypatch.setenv("ORGANIZATION_SLUGS", "octo-org")
    monkeypatch.setenv("ELASTICSEARCH_URL", "https://writer:pw-secret@es.example:9200")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "organization:octo-org" in out
    assert "github.token" in out
    assert TOKEN not in out
    assert "pw-secret" not in out


def test_config_check_fails_with_the_variable_named(monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_PAT", TOKEN)
    monkeypatch.setenv("ORGANIZATION_SLUGS", "bad/slug")
    monkeypatch.setenv("LATE_WINDOW_DAYS", "-3")
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert "ORGANIZATION_SLUGS" in err
    assert "LATE_WINDOW_DAYS" in err


def _only(monkeypatch, **env: str) -> None:
    """The process environment with none of the collector's variables but `env`."""
    from copilot_usage.settings import ALIASES

    for name in list(os.environ):
        if name.startswith(("GITHUB_", "ELASTICSEARCH_", "ARCHIVE_", "PRIVACY_", "DIGEST_", "SEAT_PRICE_")) or name in (
                "ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "KEY_VAULT_URI", "INDEX_PREFIX", "TARGETS",
                *(alias for aliases in ALIASES.values() for alias in aliases)):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_collect_without_a_credential_stops_at_start_naming_the_variable(monkeypatch, capsys):
    _only(monkeypatch, ORGANIZATION_SLUGS="octo-org")
    assert main(["collect"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration: ")
    assert "no GitHub credential: set GITHUB_PAT" in err


def test_status_validates_only_the_store_settings(monkeypatch, capsys):
    # GitHub variables that would stop a collection do not concern `status`: it only reads the engine (here one
    # that is not there, so the command gets as far as trying it).
    _only(monkeypatch, GITHUB_PAT="two words", ORGANIZATION_SLUGS="bad/slug", ELASTICSEARCH_URL="http://127.0.0.1:9",
          ELASTICSEARCH_COMPAT="elasticsearch", HTTP_TIMEOUT_SECONDS="2")
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("elasticsearch: "), err
    # A wrong store variable still stops it at start, naming the variable.
    monkeypatch.setenv("ELASTICSEARCH_URL", "localhost:9200")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration: ")
    assert "ELASTICSEARCH_URL must be a URL" in err
    assert "GITHUB_PAT" not in err
    assert "ORGANIZATION_SLUGS" not in err


def test_python_dash_m_works():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB", "ORGANIZATION", "ENTERPRISE"))}
    done = subprocess.run([sys.executable, "-m", "copilot_usage", "--version"], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("copilot-usage ")


@pytest.mark.parametrize(("text", "seconds"), [("1h", 3600), ("30m", 1800), ("90s", 90), ("1.5h", 5400), ("2", 7200)])
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-1h", "0s", "1d"])
def test_bad_intervals(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_interval(text)
