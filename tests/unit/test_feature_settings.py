"""The privacy, seat price, target and digest settings: validation naming the variable, secrets never shown,
Key Vault for their secrets; and the pure parts they feed (pseudonyms, periods, targets, webhook format)."""

from __future__ import annotations

import datetime as dt

import pytest

from copilot_usage.digest.deliver import webhook_format
from copilot_usage.periods import Target, biggest_changes, compare, read_targets, window
from copilot_usage.privacy import pseudonym, pseudonymous_id
from copilot_usage.schema import indices as ix
from copilot_usage.secrets import resolve_settings
from copilot_usage.settings import ConfigError, Secret, Settings
from tests.unit.test_secrets import VAULT, DictSource

BASE = {"GITHUB_PAT": "x", "ORGANIZATION_SLUGS": "acme"}
KEY = "privacy-key-0123456789"
HOOK = "https://hooks.slack.com/services/T1/B1/the-secret-token"


def problems(**env: str) -> str:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**BASE, **env})
    return str(err.value)


def test_defaults_are_identified_mode_floor_five_and_list_prices():
    s = Settings.from_env(BASE)
    assert not s.privacy.pseudonymous
    assert s.privacy.min_team_size == 5
    assert s.privacy.user_retention_days is None
    assert (s.seat_prices.business, s.seat_prices.enterprise, s.seat_prices.currency) == (19.0, 39.0, "USD")
    assert s.targets == ()
    assert s.digest.schedule is None
    assert not s.digest.has_webhook
    assert not s.digest.has_email


@pytest.mark.parametrize(("env", "named"), [
    ({"PRIVACY_MODE": "pseudonymous"}, "PRIVACY_MODE is pseudonymous but no key"),
    ({"PRIVACY_MODE": "anonymous"}, "PRIVACY_MODE must be one of identified, pseudonymous"),
    ({"PRIVACY_KEY": "short"}, "PRIVACY_KEY must be at least 16 characters"),
    ({"PRIVACY_KEY_SECRET_NAME": "privacy-key"}, "PRIVACY_KEY_SECRET_NAME is set but KEY_VAULT_URI is not"),
    ({"MIN_TEAM_SIZE": "0"}, "MIN_TEAM_SIZE must be between 1 and 1000"),
    ({"USER_RETENTION_DAYS": "7"}, "USER_RETENTION_DAYS must be between 30"),
    ({"SEAT_PRICE_ENTERPRISE": "lots"}, "SEAT_PRICE_ENTERPRISE must be a number"),
    ({"SEAT_PRICE_CURRENCY": "dollars"}, "SEAT_PRICE_CURRENCY must be a three-letter code"),
    ({"TARGETS": "adoption=70"}, "TARGETS has an entry 'adoption=70'"),
    ({"TARGETS": "happiness>=5"}, "TARGETS names an unknown metric 'happiness'"),
    ({"DIGEST_SCHEDULE": "weekly"}, "DIGEST_SCHEDULE must be a six-field NCRONTAB"),
    ({"DIGEST_PERIOD": "year"}, "DIGEST_PERIOD must be one of week, 28d, month"),
    ({"DIGEST_WEBHOOK_FORMAT": "discord"}, "DIGEST_WEBHOOK_FORMAT must be one of auto, teams, slack"),
    ({"DIGEST_WEBHOOK_URL": "http://hooks.slack.com/x"}, "DIGEST_WEBHOOK_URL must use https://"),
    ({"DIGEST_SMTP_HOST": "smtp.example.com"}, "DIGEST_EMAIL_FROM must be one e-mail address"),
    ({"DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_FROM": "a@example.com"}, "DIGEST_EMAIL_TO must list"),
    ({"DIGEST_EMAIL_TO": "a@example.com"}, "but DIGEST_SMTP_HOST is not"),
    ({"DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_FROM": "a@example.com", "DIGEST_EMAIL_TO": "b@example.com",
      "DIGEST_SMTP_USERNAME": "u"}, "DIGEST_SMTP_USERNAME is set but no password"),
    ({"DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_FROM": "a@example.com", "DIGEST_EMAIL_TO": "b@example.com",
      "DIGEST_SMTP_USERNAME": "u", "DIGEST_SMTP_PASSWORD": "p", "DIGEST_SMTP_STARTTLS": "false"},
     "would send the password unencrypted"),
])
def test_bad_values_are_reported_naming_the_variable(env, named):
    assert named in problems(**env)


def test_secrets_are_never_shown_in_errors_or_the_configuration():
    text = problems(PRIVACY_KEY="short-secret", DIGEST_WEBHOOK_URL="http://example.com/the-secret-token",
                    DIGEST_SMTP_PASSWORD="smtp-secret")
    for secret in ("short-secret", "the-secret-token", "smtp-secret"):
        assert secret not in text
    s = Settings.from_env({**BASE, "PRIVACY_MODE": "pseudonymous", "PRIVACY_KEY": KEY, "DIGEST_WEBHOOK_URL": HOOK,
                           "DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_FROM": "a@example.com",
                           "DIGEST_EMAIL_TO": "b@example.com", "DIGEST_SMTP_USERNAME": "u",
                           "DIGEST_SMTP_PASSWORD": "smtp-secret-password"})
    shown = repr(s) + str(s.describe())
    for secret in (KEY, "the-secret-token", "hooks.slack.com", "smtp-secret-password"):
        assert secret not in shown
    assert "mode=pseudonymous key=*** (set)" in shown


def test_part_secrets_come_from_key_vault():
    env = {"ORGANIZATION_SLUGS": "acme", "KEY_VAULT_URI": VAULT, "PRIVACY_MODE": "pseudonymous",
           "PRIVACY_KEY_SECRET_NAME": "privacy-key", "DIGEST_WEBHOOK_URL_SECRET_NAME": "digest-webhook",
           "DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_FROM": "a@example.com",
           "DIGEST_EMAIL_TO": "b@example.com", "DIGEST_SMTP_USERNAME": "u",
           "DIGEST_SMTP_PASSWORD_SECRET_NAME": "smtp-password"}
    source = DictSource({"github-pat": "ghp_x", "privacy-key": KEY, "digest-webhook": HOOK, "smtp-password": "pw"})
    s = resolve_settings(Settings.from_env(env), source)
    assert s.privacy.key == Secret(KEY)
    assert s.digest.webhook_url == Secret(HOOK)
    assert s.digest.smtp_password == Secret("pw")
    assert {"privacy-key", "digest-webhook", "smtp-password"} <= set(source.asked)


def test_pseudonyms_are_stable_keyed_and_case_insensitive():
    key = Secret(KEY)
    assert pseudonym(key, "Octocat") == pseudonym(key, "octocat") == pseudonym(Secret(KEY), "OCTOCAT")
    assert pseudonym(key, "octocat") != pseudonym(Secret("another-key-0123456789"), "octocat")
    assert pseudonym(key, "octocat").startswith("p-")
    assert len(pseudonym(key, "octocat")) == 22
    assert pseudonymous_id(key, 583231) == pseudonymous_id(key, 583231) != pseudonymous_id(key, 583232)
    assert 0 < pseudonymous_id(key, 583231) < 2**53


def test_windows():
    sunday = dt.date(2026, 11, 22)
    week = window("week", sunday)
    assert (week.start, week.end, week.previous_start, week.previous_end) == (
        dt.date(2026, 11, 16), sunday, dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    d28 = window("28d", sunday)
    assert (d28.start, d28.previous_end) == (dt.date(2026, 10, 26), dt.date(2026, 10, 25))
    month = window("month", sunday)  # November is not complete: October against September
    assert (month.start, month.end, month.previous_start, month.previous_end) == (
        dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert window("month", dt.date(2026, 11, 30)).start == dt.date(2026, 11, 1)


def test_targets_parse_per_scope_and_compare():
    problems_: list[str] = []
    targets = read_targets({"TARGETS": "adoption>=70%, enterprise:big:adoption>=0.8, acceptance_rate<=90%"},
                           problems_)
    assert problems_ == []
    assert [str(t) for t in targets] == ["adoption >= 70%", "enterprise:big: adoption >= 80%",
                                         "acceptance_rate <= 90%"]
    assert Target("adoption", ">=", 0.7).met(0.69) is False
    assert Target("adoption", ">=", 0.7).met(None) is None
    win = window("week", dt.date(2026, 11, 22))
    result = compare(win, {ix.ACTIVE_USERS: 110, ix.ADOPTION: 0.6, ix.ACCEPTANCE_RATE: 0.30},
                     {ix.ACTIVE_USERS: 100, ix.ADOPTION: 0.5, ix.ACCEPTANCE_RATE: 0.31},
                     {"adoption": targets[0]})
    m = result["metrics"]
    assert m[ix.ACTIVE_USERS]["delta"] == 10
    assert m[ix.ACTIVE_USERS]["change"] == 0.1
    assert m[ix.ADOPTION]["delta"] == pytest.approx(0.1)
    assert m[ix.ADOPTION]["target_met"] is False
    assert result["targets_missed"] == 1
    # Adoption moved 10 points, active users 10 %, acceptance 1 point.
    assert [name for name, _ in biggest_changes(result)] == [ix.ACTIVE_USERS, ix.ADOPTION, ix.ACCEPTANCE_RATE]


@pytest.mark.parametrize(("url", "configured", "expected"), [
    ("https://hooks.slack.com/services/a/b/c", "auto", "slack"),
    ("https://contoso.webhook.office.com/webhookb2/x", "auto", "teams"),
    ("https://prod-01.westeurope.logic.azure.com:443/workflows/x", "auto", "teams"),
    ("https://example.com/hook", "auto", None),
    ("https://example.com/hook", "teams", "teams"),
])
def test_webhook_format_by_host_or_setting(url, configured, expected):
    assert webhook_format(url, configured) == expected
