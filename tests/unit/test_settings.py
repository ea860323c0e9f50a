import dataclasses
import datetime as dt

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.settings import (
    COMMAND_PARTS,
    ArchiveSettings,
    ConfigError,
    GitHubSettings,
    Part,
    PartNotLoaded,
    ScheduleSettings,
    Secret,
    Settings,
    StoreSettings,
)

TOKEN = "ghp_exampleexampleexample0123456789"
BASE = {"GITHUB_PAT": TOKEN, "ORGANIZATION_SLUGS": "octo-org"}


def load(**overrides: str) -> Settings:
    return Settings.from_env({**BASE, **overrides})


def problems(env: dict[str, str]) -> list[str]:
    return problems_of(env, set(Part))


def problems_of(env: dict[str, str], parts: set[Part] | frozenset[Part]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, parts)
    return info.value.problems


def test_defaults():
    s = load()
    assert s.github.api_url == "https://api.github.com"
    assert s.github.api_version == "2026-03-10"
    assert s.store.index_prefix == "copilot_"
    assert s.schedule.late_window_days == 7
    assert s.github.max_concurrency == 4
    assert s.store.bulk_max_docs == 2000
    assert s.schedule.backfill_start is None
    assert s.scopes == (Scope(ScopeType.ORGANIZATION, "octo-org"),)
    assert s.github.token == Secret(TOKEN)


def test_scopes_are_split_trimmed_lowercased_and_deduplicated():
    s = load(ORGANIZATION_SLUGS=" Octo-Org, second ,octo-org,,", ENTERPRISE_SLUGS="big-ent")
    assert s.scopes == (Scope(ScopeType.ENTERPRISE, "big-ent"), Scope(ScopeType.ORGANIZATION, "octo-org"),
                        Scope(ScopeType.ORGANIZATION, "second"))


def test_classic_variable_names_still_work():
    s = Settings.from_env({"GH_PAT": TOKEN, "GH_ORGANIZATION_SLUGS": "a,b"})
    assert [scope.slug for scope in s.scopes] == ["a", "b"]
    assert s.github.token is not None
    assert s.github.token.reveal() == TOKEN
    assert s.sources["GITHUB_PAT"] == "GH_PAT"
    assert dict(s.describe())["github.token"] == "*** (set)  (from GH_PAT)"


def test_today_override_and_backfill_start():
    s = load(COPILOT_USAGE_TODAY="2026-11-20", BACKFILL_START="2026-01-01")
    assert s.schedule.today() == dt.date(2026, 11, 20)
    assert s.schedule.backfill_start == dt.date(2026, 1, 1)


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
    assert s.github.token is None
    assert s.key_vault_uri == "https://kv-x.vault.azure.net"
    assert s.github.pat_secret_name == "github-pat"


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
    assert dict(s.describe())["github.token"] == "*** (set)"


def test_hostile_value_is_echoed_safely():
    found = problems({**BASE, "LATE_WINDOW_DAYS": "\x1b[31m" + "9" * 500})
    message = next(p for p in found if "LATE_WINDOW_DAYS" in p)
    assert "\x1b" not in message
    assert len(message) < 200


def test_credentials_in_elasticsearch_url_are_masked_in_description():
    s = load(ELASTICSEARCH_URL="https://user:pw-in-url@es.example:9200")
    shown = dict(s.describe())["store.url"]
    assert "pw-in-url" not in shown
    assert shown == "https://***@es.example:9200"


# --- parts: each command validates only what it uses --------------------------------------------------------
def test_the_store_part_alone_needs_no_credential_and_no_scope():
    s = Settings.from_env({"ELASTICSEARCH_URL": "https://es.example:9200"}, COMMAND_PARTS["status"])
    assert s.store.url == "https://es.example:9200"
    assert s.parts == {Part.STORE}


def test_a_part_not_loaded_cannot_be_read():
    s = Settings.from_env({}, {Part.STORE})
    with pytest.raises(PartNotLoaded, match="github"):
        _ = s.github
    with pytest.raises(PartNotLoaded, match="scopes"):
        _ = s.scopes


def test_variables_of_parts_not_loaded_are_not_validated():
    env = {"GITHUB_PAT": "two words", "ORGANIZATION_SLUGS": "bad/slug", "LATE_WINDOW_DAYS": "x", "ARCHIVE_DIR": "/a",
           "ARCHIVE_CONTAINER_URL": "https://acct.blob.core.windows.net/raw", "INDEX_PREFIX": "ok_"}
    assert Settings.from_env(env, {Part.STORE}).store.index_prefix == "ok_"
    found = problems_of(env, {Part.STORE, Part.SCHEDULE})
    assert len(found) == 1, found
    assert "LATE_WINDOW_DAYS" in found[0]


def test_the_collection_still_stops_at_start_without_a_credential():
    found = problems_of({"ORGANIZATION_SLUGS": "octo-org"}, COMMAND_PARTS["collect"])
    assert any("no GitHub credential" in p and "GITHUB_PAT" in p for p in found), found


def test_a_variable_two_parts_read_is_reported_once():
    found = problems_of({**BASE, "HTTP_TIMEOUT_SECONDS": "soon"}, {Part.GITHUB, Part.STORE})
    assert sum("HTTP_TIMEOUT_SECONDS" in p for p in found) == 1, found
    s = Settings.from_env({**BASE, "HTTP_TIMEOUT_SECONDS": "5"}, {Part.GITHUB, Part.STORE})
    assert s.github.timeout_seconds == s.store.timeout_seconds == 5


def test_key_vault_secret_names_need_the_vault_whatever_the_part():
    found = problems_of({"ELASTICSEARCH_API_KEY_SECRET_NAME": "es-key"}, {Part.STORE})
    assert any("ELASTICSEARCH_API_KEY_SECRET_NAME" in p and "KEY_VAULT_URI" in p for p in found), found
    s = Settings.from_env({"ELASTICSEARCH_API_KEY_SECRET_NAME": "es-key", "KEY_VAULT_URI": "https://kv.vault.azure.net"},
                          {Part.STORE})
    assert s.store.api_key_secret_name == "es-key"
    assert problems_of({"KEY_VAULT_URI": "http://kv.vault.azure.net"}, {Part.STORE}) == [
        "KEY_VAULT_URI must be a URL starting with https://, got 'http://kv.vault.azure.net'"]


def test_description_shows_the_loaded_parts_only():
    names = [name for name, _ in Settings.from_env({}, COMMAND_PARTS["import"]).describe()]
    assert "store.url" in names
    assert "privacy" in names
    assert not [n for n in names if n.startswith(("github", "scopes", "schedule", "archive"))], names


def test_settings_are_values():
    s = load()
    assert s == load()
    assert s != load(INDEX_PREFIX="other_")
    with pytest.raises(AttributeError):
        s.log_level = "DEBUG"  # type: ignore[misc]
    moved = s.replace(store=StoreSettings(index_prefix="other_"))
    assert moved.store.index_prefix == "other_"
    assert s.store.index_prefix == "copilot_"
    assert moved.github == s.github


def test_every_field_of_a_core_part_names_its_variable():
    for part in (GitHubSettings, StoreSettings, ArchiveSettings, ScheduleSettings):
        assert set(part.VARIABLES) == {f.name for f in dataclasses.fields(part)}, part.__name__


def test_each_command_loads_what_it_uses():
    assert COMMAND_PARTS["status"] == {Part.STORE}
    assert COMMAND_PARTS["import"] == {Part.STORE, Part.PRIVACY}
    for command in ("status", "import", "report", "digest", "reprocess", "reveal"):
        assert Part.GITHUB not in COMMAND_PARTS[command], command
        assert Part.SCOPES not in COMMAND_PARTS[command], command
    assert {Part.SCOPES, Part.GITHUB, Part.STORE} <= COMMAND_PARTS["collect"]
    assert COMMAND_PARTS["config check"] == set(Part)
