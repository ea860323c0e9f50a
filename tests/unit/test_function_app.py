"""The Azure Function indexes as the host will see it: bindings read from the decorators, offline."""

import json
import os
import subprocess
import sys

import pytest

import function_app
from tests.fixtures.functions import app_functions

FUNCTIONS = app_functions()


def functions() -> dict[str, dict]:
    return {name: json.loads(f.get_function_json()) for name, f in FUNCTIONS.items()}


def test_timer_binding():
    collect = functions()["collect"]
    [binding] = collect["bindings"]
    assert binding["type"] == "timerTrigger"
    assert binding["direction"] == "IN"
    assert binding["schedule"] == "%COLLECT_SCHEDULE%"  # an app setting, never a literal schedule
    assert binding["runOnStartup"] is False
    assert binding["useMonitor"] is True
    retry = FUNCTIONS["collect"].get_settings_dict("retry_policy")
    assert retry["strategy"] == "exponential_backoff"
    assert retry["max_retry_count"] == "3"


def test_status_endpoint_needs_a_function_key():
    status = functions()["status"]
    trigger = next(b for b in status["bindings"] if b["type"] == "httpTrigger")
    assert trigger["authLevel"] == "FUNCTION"
    assert trigger["route"] == "status"
    assert trigger["methods"] == ["GET"]


def test_importing_needs_no_settings():
    # The host imports function_app before any run; a missing setting must fail the run, not the import.
    env = {k: v for k, v in os.environ.items() if k not in ("ORGANIZATION_SLUGS", "GITHUB_PAT", "KEY_VAULT_URI")}
    code = "import function_app; print(sorted(f.get_function_name() for f in function_app.app.get_functions()))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=True, cwd=os.path.dirname(function_app.__file__))
    assert done.stdout.strip() == "['collect', 'status']"


def test_a_bad_configuration_fails_the_invocation_with_the_variable_named(monkeypatch):
    from azure.functions.timer import TimerRequest

    from copilot_usage.settings import ConfigError

    monkeypatch.delenv("ORGANIZATION_SLUGS", raising=False)
    monkeypatch.delenv("ENTERPRISE_SLUGS", raising=False)
    monkeypatch.setenv("GITHUB_PAT", "x")
    collect = FUNCTIONS["collect"].get_user_function()
    with pytest.raises(ConfigError, match="ORGANIZATION_SLUGS"):
        collect(TimerRequest(past_due=False))


def test_digest_timer_exists_only_with_a_digest_schedule():
    # Off by default (the import above had no DIGEST_SCHEDULE); with it, a timer bound to the app setting.
    assert "digest" not in FUNCTIONS
    env = {**os.environ, "DIGEST_SCHEDULE": "0 0 7 * * 1"}
    code = ("import json, function_app; f = {x.get_function_name(): x for x in function_app.app.get_functions()}; "
            "print(json.dumps(json.loads(f['digest'].get_function_json())['bindings']))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=True, cwd=os.path.dirname(function_app.__file__))
    [binding] = json.loads(done.stdout)
    assert binding["type"] == "timerTrigger"
    assert binding["schedule"] == "%DIGEST_SCHEDULE%"
    assert binding["runOnStartup"] is False
