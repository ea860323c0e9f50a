"""Typed configuration read from the environment.

Every problem is collected and reported at once, each line naming its variable, so a wrong deployment
stops at start-up instead of half-way through a run. Secrets are wrapped in `Secret` so that printing
or logging a `Settings` object can never show them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from copilot_usage import defaults
from copilot_usage.envparts import EnvPart
from copilot_usage.envparts import quote as _quote
from copilot_usage.model import SLUG_RE, Scope, ScopeType

if TYPE_CHECKING:
    from copilot_usage.digest.settings import DigestSettings
    from copilot_usage.periods import Target
    from copilot_usage.privacy import PrivacySettings
    from copilot_usage.spend import SeatPrices

# Elasticsearch index names: lowercase, no leading '-', '_' or '+', none of \/*?"<>| , # or space.
INDEX_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RE = API_VERSION_RE
KEY_VAULT_SECRET_NAME_RE = re.compile(r"^[0-9A-Za-z-]{1,127}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ES_COMPAT_MODES = ("auto", "elasticsearch", "opensearch")
BULK_MAX_DOCS_DEFAULT = defaults.BULK_MAX_DOCS

# Names that users of the classic deployment already have in their pipelines and .env files.
ALIASES: dict[str, tuple[str, ...]] = {
    "GITHUB_PAT": ("GH_PAT",),
    "ORGANIZATION_SLUGS": ("GH_ORGANIZATION_SLUGS",),
    "ENTERPRISE_SLUGS": ("GH_ENTERPRISE_SLUGS",),
}


class ConfigError(ValueError):
    """The configuration is unusable; `problems` has one line per variable."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class Secret:
    """A value that must never be printed. `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


@dataclass(frozen=True)
class Settings:
    organizations: tuple[str, ...] = ()
    enterprises: tuple[str, ...] = ()
    github_token: Secret | None = None
    github_api_url: str = defaults.GITHUB_API_URL
    github_api_version: str = defaults.GITHUB_API_VERSION
    github_app_id: int | None = None
    github_app_installation_id: int | None = None
    github_app_private_key: Secret | None = None
    http_timeout_seconds: float = 30.0
    rate_limit_max_wait_seconds: int = 120
    rate_limit_reserve: int = 100
    max_concurrency: int = 4
    bulk_max_docs: int = BULK_MAX_DOCS_DEFAULT
    elasticsearch_url: str = defaults.ELASTICSEARCH_URL
    elasticsearch_username: str | None = None
    elasticsearch_password: Secret | None = None
    elasticsearch_api_key: Secret | None = None
    elasticsearch_ca_certs: str | None = None
    elasticsearch_compat: str = "auto"
    index_prefix: str = defaults.INDEX_PREFIX
    late_window_days: int = 7
    late_refresh_hours: float = 24.0
    backfill_start: dt.date | None = None
    today_override: dt.date | None = None
    archive_dir: str | None = None
    archive_container_url: str | None = None
    key_vault_uri: str | None = None
    github_pat_secret_name: str = "github-pat"  # noqa: S105 - the name of a Key Vault secret, not a secret
    github_app_private_key_secret_name: str | None = None
    elasticsearch_password_secret_name: str | None = None
    elasticsearch_api_key_secret_name: str | None = None
    execution_interval_hours: float = 1.0
    log_level: str = "INFO"
    # Parts owned by their features (each reads its own variables; see the module named in the factory).
    privacy: PrivacySettings = field(default_factory=lambda: _part_default("privacy"))
    seat_prices: SeatPrices = field(default_factory=lambda: _part_default("seat_prices"))
    targets: tuple[Target, ...] = ()
    digest: DigestSettings = field(default_factory=lambda: _part_default("digest"))
    # Which environment variable each value came from, for `config check`.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return tuple(Scope(ScopeType.ENTERPRISE, s) for s in self.enterprises) + tuple(
            Scope(ScopeType.ORGANIZATION, s) for s in self.organizations
        )

    @property
    def uses_github_app(self) -> bool:
        return self.github_app_id is not None

    def today(self) -> dt.date:
        """The UTC date the run treats as today (fixed by COPILOT_USAGE_TODAY for reproducible runs)."""
        return self.today_override or dt.datetime.now(dt.UTC).date()

    def describe(self) -> list[tuple[str, str]]:
        """(name, value) pairs for display; secrets are masked, never shown."""
        rows = []
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                shown = "*** (set)"
            elif value is None:
                shown = "-"
            elif f.name in _PARTS:
                shown = str(value)
            elif f.name == "targets":
                shown = ", ".join(str(t) for t in value) or "-"
            elif isinstance(value, tuple):
                shown = ",".join(value) or "-"
            else:
                shown = str(value)
            if f.name == "elasticsearch_url" or f.name == "archive_container_url":
                shown = _strip_userinfo(shown)
            rows.append((f.name, shown))
        return rows

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        return _Reader(os.environ if env is None else env).build()


_PARTS = ("privacy", "seat_prices", "digest")


def _part_default(name: str) -> object:
    """A part's defaults; imported late because the parts' modules use `Secret` from here."""
    from copilot_usage.digest.settings import DigestSettings
    from copilot_usage.privacy import PrivacySettings
    from copilot_usage.spend import SeatPrices

    return {"privacy": PrivacySettings, "seat_prices": SeatPrices, "digest": DigestSettings}[name]()


def _read_parts(env: Mapping[str, str], problems: list[str], key_vault: bool) -> dict[str, object]:
    from copilot_usage.digest.settings import read_digest
    from copilot_usage.periods import read_targets
    from copilot_usage.privacy import read_privacy
    from copilot_usage.spend import read_seat_prices

    return {
        "privacy": read_privacy(env, problems, key_vault),
        "seat_prices": read_seat_prices(env, problems),
        "targets": read_targets(env, problems),
        "digest": read_digest(env, problems, key_vault),
    }


def _strip_userinfo(url: str) -> str:
    """Hide credentials someone put into a URL (https://user:pass@host) and any query string."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    masked = "***@" if parts.username or parts.password else ""
    query = "?***" if parts.query else ""
    return f"{parts.scheme}://{masked}{host}{parts.path}{query}"


class _Reader(EnvPart):
    """Reads and validates variables, collecting every problem instead of stopping at the first. Whole
    numbers and numbers are read as every settings part reads them (EnvPart); names here may have aliases
    (the classic deployment's), so `raw` and `text` look those up too."""

    def __init__(self, env: Mapping[str, str]):
        super().__init__(env, [])

    def raw(self, name: str) -> str | None:
        for candidate in (name, *ALIASES.get(name, ())):
            if candidate in self.env:
                self.sources[name] = candidate
                return self.env[candidate]
        return None

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        value = value.strip()
        return value if value else default

    def required_nonempty_if_set(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if not value.strip():
            self.problems.append(f"{self.sources.get(name, name)} is set but empty")
            return None
        return value.strip()

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            if not DATE_RE.match(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{name} must be a date as YYYY-MM-DD, got {_quote(value)}")
            return None

    def url(self, name: str, default: str | None, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
        value = self.text(name, default)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.hostname:
            self.problems.append(
                f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, "
                f"got {_quote(_strip_userinfo(value))}"
            )
            return default
        return value.rstrip("/")

    def slugs(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return ()
        out: list[str] = []
        for item in value.split(","):
            slug = item.strip()
            if not slug:
                continue
            if not SLUG_RE.match(slug):
                self.problems.append(
                    f"{self.sources.get(name, name)} has an invalid slug {_quote(slug)}: "
                    "use letters, digits, '-' or '_' (at most 100 characters)"
                )
                continue
            slug = slug.lower()  # GitHub slugs are case-insensitive; one spelling keeps ids stable
            if slug not in out:
                out.append(slug)
        return tuple(out)

    def choice(self, name: str, default: str, choices: tuple[str, ...], upper: bool = False) -> str:
        value = self.text(name)
        if value is None:
            return default
        normalised = value.upper() if upper else value.lower()
        if normalised not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}, got {_quote(value)}")
            return default
        return normalised

    def secret_name(self, name: str, default: str | None) -> str | None:
        value = self.text(name, default)
        if value is not None and not KEY_VAULT_SECRET_NAME_RE.match(value):
            self.problems.append(f"{name} must be a Key Vault secret name (letters, digits, '-'), got {_quote(value)}")
            return default
        return value

    def build(self) -> Settings:
        p = self.problems
        orgs = self.slugs("ORGANIZATION_SLUGS")
        enterprises = self.slugs("ENTERPRISE_SLUGS")
        if not orgs and not enterprises and not any("SLUGS" in x for x in p):
            p.append("no scope configured: set ORGANIZATION_SLUGS and/or ENTERPRISE_SLUGS (comma-separated)")

        token = self.required_nonempty_if_set("GITHUB_PAT")
        if token is not None and any(c.isspace() for c in token):
            p.append(f"{self.sources.get('GITHUB_PAT', 'GITHUB_PAT')} contains white space; paste the token alone")
            token = None

        key_vault_uri = self.url("KEY_VAULT_URI", None, ("https",))
        app_id = self.integer("GITHUB_APP_ID", None, 1, 2**53)
        installation_id = self.integer("GITHUB_APP_INSTALLATION_ID", None, 1, 2**53)
        app_key = self.required_nonempty_if_set("GITHUB_APP_PRIVATE_KEY")
        app_key_secret = self.secret_name("GITHUB_APP_PRIVATE_KEY_SECRET_NAME", None)
        if (app_id is None) != (installation_id is None):
            p.append("GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID must be set together")
        if app_id is not None and app_key is None and not (key_vault_uri and app_key_secret):
            p.append(
                "GITHUB_APP_ID is set but no private key: set GITHUB_APP_PRIVATE_KEY, or KEY_VAULT_URI "
                "with GITHUB_APP_PRIVATE_KEY_SECRET_NAME"
            )
        if app_key is not None and "PRIVATE KEY" not in app_key:
            p.append("GITHUB_APP_PRIVATE_KEY is not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----')")
        if token is None and app_id is None and key_vault_uri is None and self.raw("GITHUB_PAT") is None:
            p.append(
                "no GitHub credential: set GITHUB_PAT, or KEY_VAULT_URI (the token is read from Key Vault), "
                "or GITHUB_APP_ID with GITHUB_APP_INSTALLATION_ID and a private key"
            )

        es_user = self.text("ELASTICSEARCH_USERNAME")
        es_password = self.required_nonempty_if_set("ELASTICSEARCH_PASSWORD")
        es_password_secret = self.secret_name("ELASTICSEARCH_PASSWORD_SECRET_NAME", None)
        es_api_key = self.required_nonempty_if_set("ELASTICSEARCH_API_KEY")
        es_api_key_secret = self.secret_name("ELASTICSEARCH_API_KEY_SECRET_NAME", None)
        if es_api_key_secret and not key_vault_uri:
            p.append("ELASTICSEARCH_API_KEY_SECRET_NAME is set but KEY_VAULT_URI is not (the key comes from Key Vault)")
        if es_api_key_secret and (es_user or es_password_secret):
            p.append(
                "set either ELASTICSEARCH_API_KEY_SECRET_NAME or "
                "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD_SECRET_NAME, not both"
            )
        if es_user and es_password is None and not (key_vault_uri and es_password_secret):
            p.append("ELASTICSEARCH_USERNAME is set but ELASTICSEARCH_PASSWORD is not")
        if es_password is not None and not es_user:
            p.append("ELASTICSEARCH_PASSWORD is set but ELASTICSEARCH_USERNAME is not")
        if es_api_key is not None and es_user:
            p.append("set either ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD, not both")
        ca_certs = self.text("ELASTICSEARCH_CA_CERTS")
        if ca_certs is not None and not Path(ca_certs).is_file():
            p.append(f"ELASTICSEARCH_CA_CERTS must name an existing CA bundle file, got {_quote(ca_certs)}")

        prefix = self.text("INDEX_PREFIX", defaults.INDEX_PREFIX)
        assert prefix is not None
        if not INDEX_PREFIX_RE.match(prefix):
            p.append(
                f"INDEX_PREFIX must be lowercase letters, digits, '-' or '_' and start with a letter or digit, "
                f"got {_quote(prefix)}"
            )
            prefix = defaults.INDEX_PREFIX

        today = self.date("COPILOT_USAGE_TODAY")
        backfill_start = self.date("BACKFILL_START")
        effective_today = today or dt.datetime.now(dt.UTC).date()
        if backfill_start is not None and backfill_start > effective_today:
            p.append(f"BACKFILL_START {backfill_start} is in the future (today is {effective_today})")

        archive_dir = self.text("ARCHIVE_DIR")
        archive_container_url = self.url("ARCHIVE_CONTAINER_URL", None)
        if archive_dir and archive_container_url:
            p.append("set either ARCHIVE_DIR or ARCHIVE_CONTAINER_URL, not both")

        api_version = self.text("GITHUB_API_VERSION", defaults.GITHUB_API_VERSION)
        assert api_version is not None
        if not API_VERSION_RE.match(api_version):
            p.append(f"GITHUB_API_VERSION must look like 2026-03-10, got {_quote(api_version)}")
            api_version = defaults.GITHUB_API_VERSION

        settings = Settings(
            organizations=orgs,
            enterprises=enterprises,
            github_token=Secret(token) if token else None,
            github_api_url=self.url("GITHUB_API_URL", defaults.GITHUB_API_URL) or defaults.GITHUB_API_URL,
            github_api_version=api_version,
            github_app_id=app_id,
            github_app_installation_id=installation_id,
            github_app_private_key=Secret(app_key) if app_key else None,
            http_timeout_seconds=self.number("HTTP_TIMEOUT_SECONDS", 30.0, 1, 600),
            rate_limit_max_wait_seconds=self.integer("RATE_LIMIT_MAX_WAIT_SECONDS", 120, 0, 3600) or 0,
            rate_limit_reserve=self.integer("RATE_LIMIT_RESERVE", 100, 0, 15000) or 0,
            max_concurrency=self.integer("MAX_CONCURRENCY", 4, 1, 32) or 4,
            bulk_max_docs=self.integer("BULK_MAX_DOCS", BULK_MAX_DOCS_DEFAULT, 1, 10_000) or BULK_MAX_DOCS_DEFAULT,
            elasticsearch_url=self.url("ELASTICSEARCH_URL", defaults.ELASTICSEARCH_URL) or defaults.ELASTICSEARCH_URL,
            elasticsearch_username=es_user,
            elasticsearch_password=Secret(es_password) if es_password else None,
            elasticsearch_api_key=Secret(es_api_key) if es_api_key else None,
            elasticsearch_ca_certs=ca_certs,
            elasticsearch_compat=self.choice("ELASTICSEARCH_COMPAT", "auto", ES_COMPAT_MODES),
            index_prefix=prefix,
            late_window_days=self.integer("LATE_WINDOW_DAYS", 7, 0, 60) or 0,
            late_refresh_hours=self.number("LATE_REFRESH_HOURS", 24.0, 0.01, 24 * 30),
            backfill_start=backfill_start,
            today_override=today,
            archive_dir=archive_dir,
            archive_container_url=archive_container_url,
            key_vault_uri=key_vault_uri,
            github_pat_secret_name=self.secret_name("GITHUB_PAT_SECRET_NAME", "github-pat") or "github-pat",
            github_app_private_key_secret_name=app_key_secret,
            elasticsearch_password_secret_name=es_password_secret,
            elasticsearch_api_key_secret_name=es_api_key_secret,
            execution_interval_hours=self.number("EXECUTION_INTERVAL_HOURS", 1.0, 0.01, 24 * 7),
            log_level=self.choice("LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
            sources=dict(self.sources),
            **_read_parts(self.env, p, key_vault_uri is not None),  # type: ignore[arg-type]
        )
        if p:
            raise ConfigError(p)
        return settings


