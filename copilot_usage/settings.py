"""Typed configuration read from the environment, in parts.

`Settings` is composed of parts, each a frozen value with its own reader that validates only its own variables:
the scopes, GitHub (credential and API), the store (Elasticsearch), the raw archive, the schedule, and the
parts that live with their features (privacy, seat prices, targets, digest). A command loads only the parts it
uses (`COMMAND_PARTS`): `status` needs neither a GitHub credential nor a scope, while `collect` still stops at
start when its credential is missing. Every problem of the loaded parts is reported at once, each line naming
its variable. Reading a part the command did not load raises `PartNotLoaded`: a mistake in the code, never in
the configuration. Secrets are wrapped in `Secret`, so printing or logging settings can never show them.

Two variables belong to no part and are read by every load: KEY_VAULT_URI (a part whose secrets may come from
Key Vault is told whether a vault is configured: the cross-part rule) and LOG_LEVEL.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from copilot_usage import defaults
from copilot_usage.digest.settings import DigestSettings, read_digest
from copilot_usage.envparts import EnvPart
from copilot_usage.envparts import Secret as Secret  # re-exported: the parts hold their secrets as Secret
from copilot_usage.envparts import quote as _quote
from copilot_usage.model import INDEX_PREFIX_RE, SLUG_RE, Scope, ScopeType
from copilot_usage.periods import Target, read_targets
from copilot_usage.privacy import PrivacySettings, read_privacy
from copilot_usage.spend import SeatPrices, read_seat_prices

API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RE = API_VERSION_RE
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ES_COMPAT_MODES = defaults.ELASTICSEARCH_COMPAT_MODES

# Names that users of the classic deployment already have in their pipelines and .env files.
ALIASES: dict[str, tuple[str, ...]] = {
    "GITHUB_PAT": ("GH_PAT",),
    "ORGANIZATION_SLUGS": ("GH_ORGANIZATION_SLUGS",),
    "ENTERPRISE_SLUGS": ("GH_ENTERPRISE_SLUGS",),
}


class Part(enum.StrEnum):
    """The parts of `Settings`; each is read and validated on its own."""

    SCOPES = "scopes"  # ORGANIZATION_SLUGS, ENTERPRISE_SLUGS: at least one scope
    GITHUB = "github"  # the credential (PAT or App) and how the API is spoken to
    STORE = "store"  # ELASTICSEARCH_*, INDEX_PREFIX, BULK_MAX_DOCS
    ARCHIVE = "archive"  # ARCHIVE_DIR or ARCHIVE_CONTAINER_URL
    SCHEDULE = "schedule"  # what a run plans: late window, refresh, backfill start, today, interval
    PRIVACY = "privacy"  # privacy.py
    SEAT_PRICES = "seat_prices"  # spend.py
    TARGETS = "targets"  # periods.py
    DIGEST = "digest"  # digest/settings.py


ALL_PARTS: frozenset[Part] = frozenset(Part)
# One collection run: collect, backfill, demo and the Function's timer. The digest is not part of it.
COLLECTION: frozenset[Part] = ALL_PARTS - {Part.DIGEST}
# What each command reads (docs/architecture.md, "Settings", shows the same table). A command that takes
# scopes on its command line adds Part.SCOPES only when none are given (reprocess); `reveal --from-github`
# adds SCOPES and GITHUB; the Function's digest timer adds SCOPES (it sends for every configured scope).
COMMAND_PARTS: Mapping[str, frozenset[Part]] = {
    "collect": COLLECTION,
    "backfill": COLLECTION,
    "demo": COLLECTION,
    "status": frozenset({Part.STORE}),
    "import": frozenset({Part.STORE, Part.PRIVACY}),
    "report": frozenset({Part.STORE, Part.PRIVACY, Part.SEAT_PRICES, Part.TARGETS}),
    "digest": frozenset({Part.STORE, Part.PRIVACY, Part.SEAT_PRICES, Part.TARGETS, Part.DIGEST}),
    "reprocess": frozenset({Part.STORE, Part.ARCHIVE, Part.PRIVACY}),
    "reveal": frozenset({Part.PRIVACY}),
    "doctor": frozenset({Part.SCOPES, Part.GITHUB, Part.STORE, Part.SCHEDULE}),
    "config check": ALL_PARTS,
}


class ConfigError(ValueError):
    """The configuration is unusable; `problems` has one line per variable."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class PartNotLoaded(RuntimeError):
    """Code read a part of `Settings` that its command did not load: add the part to the command's parts."""


@dataclass(frozen=True)
class GitHubSettings:
    """The GitHub credential (a PAT, or a GitHub App installation) and how the API is spoken to."""

    # The environment variable of each field (`describe`, the README's table).
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "token": "GITHUB_PAT", "api_url": "GITHUB_API_URL", "api_version": "GITHUB_API_VERSION",
        "app_id": "GITHUB_APP_ID", "app_installation_id": "GITHUB_APP_INSTALLATION_ID",
        "app_private_key": "GITHUB_APP_PRIVATE_KEY", "timeout_seconds": "HTTP_TIMEOUT_SECONDS",
        "rate_limit_max_wait_seconds": "RATE_LIMIT_MAX_WAIT_SECONDS", "rate_limit_reserve": "RATE_LIMIT_RESERVE",
        "max_concurrency": "MAX_CONCURRENCY", "pat_secret_name": "GITHUB_PAT_SECRET_NAME",
        "app_private_key_secret_name": "GITHUB_APP_PRIVATE_KEY_SECRET_NAME",
    }

    token: Secret | None = None
    api_url: str = defaults.GITHUB_API_URL
    api_version: str = defaults.GITHUB_API_VERSION
    app_id: int | None = None
    app_installation_id: int | None = None
    app_private_key: Secret | None = None
    timeout_seconds: float = defaults.HTTP_TIMEOUT_SECONDS
    rate_limit_max_wait_seconds: int = defaults.RATE_LIMIT_MAX_WAIT_SECONDS
    rate_limit_reserve: int = defaults.RATE_LIMIT_RESERVE
    max_concurrency: int = defaults.MAX_CONCURRENCY
    # Key Vault secrets (with KEY_VAULT_URI): the PAT unless an App is configured, the App's key when named.
    pat_secret_name: str = defaults.GITHUB_PAT_SECRET_NAME
    app_private_key_secret_name: str | None = None

    @property
    def uses_app(self) -> bool:
        return self.app_id is not None


@dataclass(frozen=True)
class StoreSettings:
    """The Elasticsearch (or OpenSearch) engine: where, who, how, and the names of the indices."""

    # The environment variable of each field (`describe`, the README's table).
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "url": "ELASTICSEARCH_URL", "username": "ELASTICSEARCH_USERNAME", "password": "ELASTICSEARCH_PASSWORD",
        "api_key": "ELASTICSEARCH_API_KEY", "ca_certs": "ELASTICSEARCH_CA_CERTS", "compat": "ELASTICSEARCH_COMPAT",
        "index_prefix": "INDEX_PREFIX", "bulk_max_docs": "BULK_MAX_DOCS", "timeout_seconds": "HTTP_TIMEOUT_SECONDS",
        "password_secret_name": "ELASTICSEARCH_PASSWORD_SECRET_NAME",
        "api_key_secret_name": "ELASTICSEARCH_API_KEY_SECRET_NAME",
    }

    url: str = defaults.ELASTICSEARCH_URL
    username: str | None = None
    password: Secret | None = None
    api_key: Secret | None = None
    ca_certs: str | None = None
    compat: str = defaults.ELASTICSEARCH_COMPAT
    index_prefix: str = defaults.INDEX_PREFIX
    bulk_max_docs: int = defaults.BULK_MAX_DOCS
    timeout_seconds: float = defaults.HTTP_TIMEOUT_SECONDS
    # Key Vault secrets (with KEY_VAULT_URI): the writer's password, or an API key (an existing cluster).
    password_secret_name: str | None = None
    api_key_secret_name: str | None = None


@dataclass(frozen=True)
class ArchiveSettings:
    """Where raw report files are kept: a directory or an Azure Blob container, or nowhere."""

    # The environment variable of each field (`describe`, the README's table).
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "directory": "ARCHIVE_DIR", "container_url": "ARCHIVE_CONTAINER_URL",
    }

    directory: str | None = None
    container_url: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.directory or self.container_url)


@dataclass(frozen=True)
class ScheduleSettings:
    """What a collection run plans (planner.py): which days, how often recent ones again, and "today"."""

    # The environment variable of each field (`describe`, the README's table).
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "late_window_days": "LATE_WINDOW_DAYS", "late_refresh_hours": "LATE_REFRESH_HOURS",
        "backfill_start": "BACKFILL_START", "today_override": "COPILOT_USAGE_TODAY",
        "interval_hours": "EXECUTION_INTERVAL_HOURS",
    }

    late_window_days: int = defaults.LATE_WINDOW_DAYS
    late_refresh_hours: float = defaults.LATE_REFRESH_HOURS
    backfill_start: dt.date | None = None
    today_override: dt.date | None = None
    interval_hours: float = defaults.EXECUTION_INTERVAL_HOURS

    def today(self) -> dt.date:
        """The UTC date a run treats as today (fixed by COPILOT_USAGE_TODAY for reproducible runs)."""
        return self.today_override or dt.datetime.now(dt.UTC).date()


# The parts whose fields each name their variable (VARIABLES), in the order `describe` shows them.
CORE_PARTS: Mapping[Part, type] = {Part.GITHUB: GitHubSettings, Part.STORE: StoreSettings,
                                   Part.ARCHIVE: ArchiveSettings, Part.SCHEDULE: ScheduleSettings}

_T = TypeVar("_T")


def _loaded(value: _T | None, part: Part) -> _T:
    if value is None:
        raise PartNotLoaded(f"the {part.value} settings were not loaded for this command (settings.COMMAND_PARTS)")
    return value


class Settings:
    """The parts one command loaded (`from_env(env, parts)`), plus KEY_VAULT_URI and LOG_LEVEL. Immutable.

    Built directly (as tests do), it holds only the parts given: `Settings(store=StoreSettings(...))`.
    """

    __slots__ = ("_archive", "_digest", "_github", "_privacy", "_schedule", "_scopes", "_seat_prices", "_store",
                 "_targets", "key_vault_uri", "log_level", "sources")

    _scopes: tuple[Scope, ...] | None
    _github: GitHubSettings | None
    _store: StoreSettings | None
    _archive: ArchiveSettings | None
    _schedule: ScheduleSettings | None
    _privacy: PrivacySettings | None
    _seat_prices: SeatPrices | None
    _targets: tuple[Target, ...] | None
    _digest: DigestSettings | None
    key_vault_uri: str | None
    log_level: str
    # Which environment variable (or Key Vault secret) each value came from, when not the documented one.
    sources: Mapping[str, str]

    def __init__(
        self,
        *,
        scopes: tuple[Scope, ...] | None = None,
        github: GitHubSettings | None = None,
        store: StoreSettings | None = None,
        archive: ArchiveSettings | None = None,
        schedule: ScheduleSettings | None = None,
        privacy: PrivacySettings | None = None,
        seat_prices: SeatPrices | None = None,
        targets: tuple[Target, ...] | None = None,
        digest: DigestSettings | None = None,
        key_vault_uri: str | None = None,
        log_level: str = defaults.LOG_LEVEL,
        sources: Mapping[str, str] | None = None,
    ):
        values = {"_scopes": scopes, "_github": github, "_store": store, "_archive": archive,
                  "_schedule": schedule, "_privacy": privacy, "_seat_prices": seat_prices, "_targets": targets,
                  "_digest": digest, "key_vault_uri": key_vault_uri, "log_level": log_level,
                  "sources": dict(sources or {})}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Settings are immutable: use replace() to change {name}")

    # --- the parts ------------------------------------------------------------------------------------------
    @property
    def scopes(self) -> tuple[Scope, ...]:
        return _loaded(self._scopes, Part.SCOPES)

    @property
    def github(self) -> GitHubSettings:
        return _loaded(self._github, Part.GITHUB)

    @property
    def store(self) -> StoreSettings:
        return _loaded(self._store, Part.STORE)

    @property
    def archive(self) -> ArchiveSettings:
        return _loaded(self._archive, Part.ARCHIVE)

    @property
    def schedule(self) -> ScheduleSettings:
        return _loaded(self._schedule, Part.SCHEDULE)

    @property
    def privacy(self) -> PrivacySettings:
        return _loaded(self._privacy, Part.PRIVACY)

    @property
    def seat_prices(self) -> SeatPrices:
        return _loaded(self._seat_prices, Part.SEAT_PRICES)

    @property
    def targets(self) -> tuple[Target, ...]:
        return _loaded(self._targets, Part.TARGETS)

    @property
    def digest(self) -> DigestSettings:
        return _loaded(self._digest, Part.DIGEST)

    @property
    def parts(self) -> frozenset[Part]:
        """The parts loaded."""
        return frozenset(p for p in Part if getattr(self, f"_{p.value}") is not None)

    def has(self, part: Part) -> bool:
        return getattr(self, f"_{part.value}") is not None

    # --- copies, comparison, display -------------------------------------------------------------------------
    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {p.value: getattr(self, f"_{p.value}") for p in Part}
        return {**values, "key_vault_uri": self.key_vault_uri, "log_level": self.log_level}

    def replace(self, **changes: Any) -> Settings:
        """A copy with some parts (or key_vault_uri, log_level, sources) replaced."""
        return Settings(**{**self._values(), "sources": self.sources, **changes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and other._values() == self._values()

    __hash__ = None  # type: ignore[assignment]  # equal by value but not immutable all the way down (sources)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self._values().items() if value is not None)
        return f"Settings({shown})"

    __str__ = __repr__

    def describe(self) -> list[tuple[str, str]]:
        """(name, value) pairs of the loaded parts for display; secrets masked, credentials in URLs hidden.
        A value read from another variable than the documented one (an alias, Key Vault) says where from."""
        rows = [("key_vault_uri", self.key_vault_uri or "-"), ("log_level", self.log_level)]
        for part in Part:
            value = getattr(self, f"_{part.value}")
            if value is None:
                continue
            if part in CORE_PARTS:
                rows += [(f"{part.value}.{f.name}", self._shown(getattr(value, f.name), value.VARIABLES[f.name]))
                         for f in fields(value)]
            elif part in (Part.SCOPES, Part.TARGETS):
                rows.append((part.value, ", ".join(str(item) for item in value) or "-"))
            else:
                rows.append((part.value, str(value)))
        return rows

    def _shown(self, value: object, variable: str) -> str:
        if isinstance(value, Secret):
            shown = "*** (set)"
        elif value is None:
            shown = "-"
        else:
            shown = _strip_userinfo(str(value))
        source = self.sources.get(variable)
        return f"{shown}  (from {source})" if source and source != variable else shown

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, parts: Iterable[Part] = ALL_PARTS) -> Settings:
        """Read and validate `parts` (default: all of them, as `config check` does) from `env` (default: the
        process environment). Raises ConfigError listing every problem of those parts."""
        return _load(os.environ if env is None else env, frozenset(parts))


def _strip_userinfo(url: str) -> str:
    """Hide credentials someone put into a URL (https://user:pass@host) and any query string."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    masked = "***@" if parts.username or parts.password else ""
    query = "?***" if parts.query else ""
    return f"{parts.scheme}://{masked}{host}{parts.path}{query}"


def _load(env: Mapping[str, str], parts: frozenset[Part]) -> Settings:
    r = _Reader(env)
    key_vault_uri = r.url("KEY_VAULT_URI", None, ("https",))
    log_level = r.choice("LOG_LEVEL", defaults.LOG_LEVEL, LOG_LEVELS, upper=True)
    vault = key_vault_uri is not None
    p = r.problems
    settings = Settings(
        scopes=r.scopes() if Part.SCOPES in parts else None,
        github=r.github(vault) if Part.GITHUB in parts else None,
        store=r.store(vault) if Part.STORE in parts else None,
        archive=r.archive() if Part.ARCHIVE in parts else None,
        schedule=r.schedule() if Part.SCHEDULE in parts else None,
        privacy=read_privacy(env, p, vault) if Part.PRIVACY in parts else None,
        seat_prices=read_seat_prices(env, p) if Part.SEAT_PRICES in parts else None,
        targets=read_targets(env, p) if Part.TARGETS in parts else None,
        digest=read_digest(env, p, vault) if Part.DIGEST in parts else None,
        key_vault_uri=key_vault_uri,
        log_level=log_level,
        sources=r.sources,
    )
    if p:
        raise ConfigError(list(dict.fromkeys(p)))  # a variable two parts read (HTTP_TIMEOUT_SECONDS) once
    return settings


class _Reader(EnvPart):
    """Reads and validates the core parts, one method per part, collecting every problem instead of stopping at
    the first. Whole numbers and numbers are read as every settings part reads them (EnvPart); names here may
    have aliases (the classic deployment's), so `raw` and `text` look those up too."""

    def __init__(self, env: Mapping[str, str]):
        super().__init__(env, [])

    # --- values -------------------------------------------------------------------------------------------
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

    def whole(self, name: str, default: int, lo: int, hi: int) -> int:
        value = self.integer(name, default, lo, hi)
        return default if value is None else value

    # --- the parts ----------------------------------------------------------------------------------------
    def scopes(self) -> tuple[Scope, ...]:
        before = len(self.problems)
        orgs = self.slugs("ORGANIZATION_SLUGS")
        enterprises = self.slugs("ENTERPRISE_SLUGS")
        if not orgs and not enterprises and len(self.problems) == before:
            self.problems.append(
                "no scope configured: set ORGANIZATION_SLUGS and/or ENTERPRISE_SLUGS (comma-separated)")
        return tuple(Scope(ScopeType.ENTERPRISE, s) for s in enterprises) + tuple(
            Scope(ScopeType.ORGANIZATION, s) for s in orgs
        )

    def github(self, vault: bool) -> GitHubSettings:
        p = self.problems
        token = self.required_nonempty_if_set("GITHUB_PAT")
        if token is not None and any(c.isspace() for c in token):
            p.append(f"{self.sources.get('GITHUB_PAT', 'GITHUB_PAT')} contains white space; paste the token alone")
            token = None
        app_id = self.integer("GITHUB_APP_ID", None, 1, 2**53)
        installation_id = self.integer("GITHUB_APP_INSTALLATION_ID", None, 1, 2**53)
        app_key = self.required_nonempty_if_set("GITHUB_APP_PRIVATE_KEY")
        app_key_secret = self.secret_name("GITHUB_APP_PRIVATE_KEY_SECRET_NAME")
        if (app_id is None) != (installation_id is None):
            p.append("GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID must be set together")
        if app_id is not None and app_key is None and not (vault and app_key_secret):
            p.append(
                "GITHUB_APP_ID is set but no private key: set GITHUB_APP_PRIVATE_KEY, or KEY_VAULT_URI "
                "with GITHUB_APP_PRIVATE_KEY_SECRET_NAME"
            )
        if app_key is not None and "PRIVATE KEY" not in app_key:
            p.append("GITHUB_APP_PRIVATE_KEY is not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----')")
        if token is None and app_id is None and not vault and self.raw("GITHUB_PAT") is None:
            p.append(
                "no GitHub credential: set GITHUB_PAT, or KEY_VAULT_URI (the token is read from Key Vault), "
                "or GITHUB_APP_ID with GITHUB_APP_INSTALLATION_ID and a private key"
            )
        api_version = self.text("GITHUB_API_VERSION", defaults.GITHUB_API_VERSION)
        assert api_version is not None
        if not API_VERSION_RE.match(api_version):
            p.append(f"GITHUB_API_VERSION must be a date like {defaults.GITHUB_API_VERSION}, got {_quote(api_version)}")
            api_version = defaults.GITHUB_API_VERSION
        return GitHubSettings(
            token=Secret(token) if token else None,
            api_url=self.url("GITHUB_API_URL", defaults.GITHUB_API_URL) or defaults.GITHUB_API_URL,
            api_version=api_version,
            app_id=app_id,
            app_installation_id=installation_id,
            app_private_key=Secret(app_key) if app_key else None,
            timeout_seconds=self.number("HTTP_TIMEOUT_SECONDS", defaults.HTTP_TIMEOUT_SECONDS, 1, 600),
            rate_limit_max_wait_seconds=self.whole("RATE_LIMIT_MAX_WAIT_SECONDS",
                                                   defaults.RATE_LIMIT_MAX_WAIT_SECONDS, 0, 3600),
            rate_limit_reserve=self.whole("RATE_LIMIT_RESERVE", defaults.RATE_LIMIT_RESERVE, 0, 15000),
            max_concurrency=self.whole("MAX_CONCURRENCY", defaults.MAX_CONCURRENCY, 1, 32),
            pat_secret_name=self.secret_name("GITHUB_PAT_SECRET_NAME") or defaults.GITHUB_PAT_SECRET_NAME,
            app_private_key_secret_name=app_key_secret,
        )

    def store(self, vault: bool) -> StoreSettings:
        p = self.problems
        user = self.text("ELASTICSEARCH_USERNAME")
        password = self.required_nonempty_if_set("ELASTICSEARCH_PASSWORD")
        password_secret = self.secret_name("ELASTICSEARCH_PASSWORD_SECRET_NAME")
        api_key = self.required_nonempty_if_set("ELASTICSEARCH_API_KEY")
        api_key_secret = self.secret_name("ELASTICSEARCH_API_KEY_SECRET_NAME")
        if api_key_secret and not vault:
            p.append("ELASTICSEARCH_API_KEY_SECRET_NAME is set but KEY_VAULT_URI is not (the key comes from Key Vault)")
        if api_key_secret and (user or password_secret):
            p.append(
                "set either ELASTICSEARCH_API_KEY_SECRET_NAME or "
                "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD_SECRET_NAME, not both"
            )
        if user and password is None and not (vault and password_secret):
            p.append("ELASTICSEARCH_USERNAME is set but ELASTICSEARCH_PASSWORD is not")
        if password is not None and not user:
            p.append("ELASTICSEARCH_PASSWORD is set but ELASTICSEARCH_USERNAME is not")
        if api_key is not None and user:
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
        return StoreSettings(
            url=self.url("ELASTICSEARCH_URL", defaults.ELASTICSEARCH_URL) or defaults.ELASTICSEARCH_URL,
            username=user,
            password=Secret(password) if password else None,
            api_key=Secret(api_key) if api_key else None,
            ca_certs=ca_certs,
            compat=self.choice("ELASTICSEARCH_COMPAT", defaults.ELASTICSEARCH_COMPAT, ES_COMPAT_MODES),
            index_prefix=prefix,
            bulk_max_docs=self.whole("BULK_MAX_DOCS", defaults.BULK_MAX_DOCS, 1, 10_000),
            timeout_seconds=self.number("HTTP_TIMEOUT_SECONDS", defaults.HTTP_TIMEOUT_SECONDS, 1, 600),
            password_secret_name=password_secret,
            api_key_secret_name=api_key_secret,
        )

    def archive(self) -> ArchiveSettings:
        directory = self.text("ARCHIVE_DIR")
        container_url = self.url("ARCHIVE_CONTAINER_URL", None)
        if directory and container_url:
            self.problems.append("set either ARCHIVE_DIR or ARCHIVE_CONTAINER_URL, not both")
        return ArchiveSettings(directory=directory, container_url=container_url)

    def schedule(self) -> ScheduleSettings:
        today = self.date("COPILOT_USAGE_TODAY")
        backfill_start = self.date("BACKFILL_START")
        effective_today = today or dt.datetime.now(dt.UTC).date()
        if backfill_start is not None and backfill_start > effective_today:
            self.problems.append(f"BACKFILL_START {backfill_start} is in the future (today is {effective_today})")
        return ScheduleSettings(
            late_window_days=self.whole("LATE_WINDOW_DAYS", defaults.LATE_WINDOW_DAYS, 0, 60),
            late_refresh_hours=self.number("LATE_REFRESH_HOURS", defaults.LATE_REFRESH_HOURS, 0.01, 24 * 30),
            backfill_start=backfill_start,
            today_override=today,
            interval_hours=self.number("EXECUTION_INTERVAL_HOURS", defaults.EXECUTION_INTERVAL_HOURS, 0.01, 24 * 7),
        )

