import datetime as dt

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.settings import ConfigError, Secret, Settings

TOKEN = "ghp_exampleexampleexample0123456789"
BASE = {"GITHUB_PAT": TOKEN, "ORGANIZATION_SLUGS": "octo-org"}


def load(**overrides: str) -> Settings:
    return Settings.from_env({**BASE, **overrides})


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    return info.value.problems


def test_defaults():
    s = load()
    assert s.github_api_url == "https://api.github.com"
    assert s.github_api_version == "2026-03-10"
    assert s.index_prefix == "copilot_"
    assert s.late_window_days == 7
    assert s.max_concurrency == 4
    assert s.bulk_max_docs == 2000
    assert s.backfill_start is None
    assert s.scopes == (Scope(ScopeType.ORGANIZATION, "octo-org"),)
    assert s.github_token == Secret(TOKEN)


def test_scopes_are_split_trimmed_lowercased_and_deduplicated():
    s = load(ORGANIZATION_SLUGS=" Octo-Org, second ,octo-org,,", ENTERPRISE_SLUGS="big-ent")
    assert s.organizations == ("octo-org", "second")
    assert s.scopes[0] == Scope(ScopeType.ENTERPRISE, "big-ent")


def test_classic_variable_names_still_work():
    s = Settings.from_env({"GH_PAT": TOKEN, "GH_ORGANIZATION_SLUGS": "a,b"})
    assert s.organizations == ("a", "b")
    assert s.github_token is not None
    assert s.github_token.reveal() == TOKEN
    assert s.sources["GITHUB_PAT"] == "GH_PAT"


def test_today_override_and_backfill_start():
    s = load(COPILOT_USAGE_TODAY="2026-11-20", BACKFILL_START="2026-01-01")
    assert s.today() == dt.date(2026, 11, 20)
    assert s.backfill_start == dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"ORGANIZATION_SLUGS": "bad/slug"}, "ORGANIZATION_SLUGS"),
        ({"ORGANIZATION_SLUGS": "../etc"}, "ORGANIZATION_SLUGS"),
        ({"ENTERPRISE_SLUGS": "ent?x=1"}, "ENTERPRISE_SLUGS"),
        ({"ORGANIZATION_SLUGS": "", "ENTERPRISE_SLUGS": " , "}, "ORGANIZATION_SLUGS"),
        ({"GITHUB_PAT": ""}, "GITHUB_PAT"),
        ({"GITHUB_PAT": "   "}, "GITHUB_PAT"),
        ({"GITHUB_PAT": "two words"}, "GITHUB_PAT"),
        ({"LATE_WINDOW_DAYS": "-1"}, "LATE_WINDOW_DAYS"),
        ({"LATE_WINDOW_DAYS": "seven"}, "LATE_WINDOW_DAYS"),
        ({"MAX_CONCURRENCY": "0"}, "MAX_CONCURRENCY"),
        ({"MAX_CONCURRENCY": "1e9"}, "MAX_CONCURRENCY"),
        ({"BULK_MAX_DOCS": "0"}, "BULK_MAX_DOCS"),
        ({"BULK_MAX_DOCS": "many"}, "BULK_MAX_DOCS"),
        ({"BACKFILL_START": "2026-13-01"}, "BACKFILL_START"),
        ({"BACKFILL_START": "yesterday"}, "BACKFILL_START"),
        ({"COPILOT_USAGE_TODAY": "20261120"}, "COPILOT_USAGE_TODAY"),
        ({"GITHUB_API_URL": "ftp://example.com"}, "GITHUB_API_URL"),
        ({"GITHUB_API_URL": "not a url"}, "GITHUB_API_URL"),
        ({"GITHUB_API_VERSION": "latest"}, "GITHUB_API_VERSION"),
        ({"ELASTICSEARCH_URL": "localhost:9200"}, "ELASTICSEARCH_URL"),
        ({"ELASTICSEARCH_USERNAME": "writer"}, "ELASTICSEARCH_PASSWORD"),
        ({"ELASTICSEARCH_PASSWORD": "pw"}, "ELASTICSEARCH_USERNAME"),
        ({"ELASTICSEARCH_API_KEY": ""}, "ELASTICSEARCH_API_KEY"),
        ({"ELASTICSEARCH_CA_CERTS": "/nonexistent/ca.pem"}, "ELASTICSEARCH_CA_CERTS"),
        ({"ELASTICSEARCH_COMPAT": "solr"}, "ELASTICSEARCH_COMPAT"),
        ({"INDEX_PREFIX": "Copilot"}, "INDEX_PREFIX"),
        ({"INDEX_PREFIX": "_hidden"}, "INDEX_PREFIX"),
        ({"INDEX_PREFIX": "a*b"}, "INDEX_PREFIX"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"HTTP_TIMEOUT_SECONDS": "nan"}, "HTTP_TIMEOUT_SECONDS"),
        ({"KEY_VAULT_URI": "http://kv.vault.azure.net"}, "KEY_VAULT_URI"),
        ({"GITHUB_PAT_SECRET_NAME": "bad name!"}, "GITHUB_PAT_SECRET_NAME"),
        ({"GITHUB_APP_ID": "12"}, "GITHUB_APP_INSTALLATION_ID"),
        ({"GITHUB_APP_ID": "12", "GITHUB_APP_INSTALLATION_ID": "34"}, "private key"),
        ({"GITHUB_APP_PRIVATE_KEY": "not-a-pem"}, "GITHUB_APP_PRIVATE_KEY"),
        ({"ARCHIVE_DIR": "/tmp/a", "ARCHIVE_CONTAINER_URL": "https://acct.blob.core.windows.net/raw"}, "ARCHIVE_"),
        ({"EXECUTION_INTERVAL_HOURS": "0"}, "EXECUTION_INTERVAL_HOURS"),
        ({"LATE_REFRESH_HOURS": "-2"}, "LATE_REFRESH_HOURS"),
    ],
)
def test_invalid_values_name_the_variable(env, variable):
    found = problems({**BASE, **env})
    assert any(variable in p for p in found), found


def test_no_credential_at_all():
    found = problems({"ORGANIZATION_SLUGS": "a"})
    assert any("GITHUB_PAT" in p and "KEY_VAULT_URI" in p for p in found)


def test_key_vault_replaces_the_env_token():
    s = Settings.from_env({"ORGANIZATION_SLUGS": "a", "KEY_VAULT_URI": "https://kv-x.vault.azure.net/"})
    assert s.github_token is None
    assert s.key_vault_uri == "https://kv-x.vault.azure.net"
    assert s.github_pat_secret_name == "github-pat"


def test_future_backfill_start_is_rejected():
    found = problems({**BASE, "COPILOT_USAGE_TODAY": "2026-11-20", "BACKFILL_START": "2026-12-01"})
    assert any("BACKFILL_START" in p and "future" in p for p in found)


def test_every_problem_is_reported_at_once():
    found = problems({"GITHUB_PAT": "", "LATE_WINDOW_DAYS": "x", "INDEX_PREFIX": "UP"})
    joined = "\n".join(found)
    for name in ("GITHUB_PAT", "LATE_WINDOW_DAYS", "INDEX_PREFIX", "ORGANIZATION_SLUGS"):
        assert name in joined


def test_secrets_never_show_in_repr_str_or_description():
    s = load(ELASTICSEARCH_USERNAME="writer", ELASTICSEARCH_PASSWORD="hunter2-very-secret")
    for text in (repr(s), str(s), repr(s.describe())):
        assert TOKEN not in text
        assert "hunter2-very-secret" not in text
    assert dict(s.describe())["github_token"] == "*** (set)"


def test_hostile_value_is_echoed_safely():
    found = problems({**BASE, "LATE_WINDOW_DAYS": "\x1b[31m" + "9" * 500})
    message = next(p for p in found if "LATE_WINDOW_DAYS" in p)
    assert "\x1b" not in message
    assert len(message) < 200


def test_credentials_in_elasticsearch_url_are_masked_in_description():
    s = load(ELASTICSEARCH_URL="https://user:pw-in-url@es.example:9200")
    shown = dict(s.describe())["elasticsearch_url"]
    assert "pw-in-url" not in shown
    assert shown == "https://***@es.example:9200"
