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
    assert "github_token" in out
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
