"""`copilot-usage doctor`: with the configured credential, ask every endpoint each scope needs, and the
engine, and say in plain words what is missing. One line per check; exit 1 when any check fails.

Read-only and cheap: one request per check (the first page of lists), GitHub's /rate_limit for the credential
(it does not spend the hourly budget), and reads on the engine. Secrets never appear in the output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from copilot_usage.doctor_advice import NEEDS, advice, credential_kind, credential_refused
from copilot_usage.model import REPORT_MAX_LAG_DAYS, Report, Scope
from copilot_usage.settings import COMMAND_PARTS, ConfigError, Settings, StoreSettings

OK, FAIL, SKIP = "ok", "FAIL", "skip"
WRITER_PRIVILEGES = ("create_index", "write", "manage", "read")


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, FAIL or SKIP
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name}: {self.detail}"


# --- GitHub ------------------------------------------------------------------------------------------
def _probes(scope: Scope, today: dt.date) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(check, path, params) for every endpoint the collector calls for `scope`."""
    from copilot_usage.github import endpoints

    # A day GitHub has surely processed; a "no report" answer (204) still proves access.
    day = today - dt.timedelta(days=REPORT_MAX_LAG_DAYS)
    yield "reports", *_endpoint(endpoints.report_links(scope, Report.AGGREGATE, day))
    yield "seats", endpoints.seats(scope).path, {"per_page": "1"}
    for check, endpoint in (("billing", endpoints.billing(scope)), ("teams", endpoints.teams(scope)),
                            ("billing_usage", endpoints.billing_usage(scope, day))):
        if endpoint is not None:
            params = {**endpoint.params, **({"per_page": "1"} if endpoint.paginated else {})}
            yield check, endpoint.path, params


def _endpoint(endpoint: Any) -> tuple[str, dict[str, str]]:
    return endpoint.path, dict(endpoint.params)


def github_checks(settings: Settings, http: Any, today: dt.date) -> list[Check]:
    from copilot_usage.github.errors import BudgetExhausted, GitHubError

    token = settings.github.token.reveal() if settings.github.token else None
    kind = credential_kind(settings.github.uses_app, token)
    label = {"app": "GitHub App installation", "fine_grained": "fine-grained token", "classic": "classic token",
             "token": "token"}[kind]
    try:
        http.get("/rate_limit")
    except GitHubError as exc:
        if exc.status == 401:
            what = credential_refused(exc.said)
            return [Check("github credential", FAIL, f"{label}: {what}"),
                    Check("github scopes", SKIP, "not checked: the credential was refused")]
        return [Check("github credential", FAIL, f"{label}: {exc}")]
    except Exception as exc:  # e.g. the App's key or installation: its own error names what is wrong
        return [Check("github credential", FAIL, f"{label}: {exc}")]
    checks = [Check("github credential", OK, f"{label} accepted by {settings.github.api_url}")]
    for scope in settings.scopes:
        for check, path, params in _probes(scope, today):
            name = f"{scope} {NEEDS[(check, scope.type.value)].what}"
            try:
                http.get(path, params)
            except BudgetExhausted as exc:
                checks.append(Check(name, FAIL, str(exc)))
                return checks
            except GitHubError as exc:
                checks.append(Check(name, FAIL, advice(check, scope.type.value, scope.slug, kind, exc.status,
                                                       exc.said, exc.permissions)))
            else:
                checks.append(Check(name, OK, "readable"))
    return checks


# --- the engine ----------------------------------------------------------------------------------------
def engine_checks(store: StoreSettings, client: Any = None) -> list[Check]:
    """Can the configured user reach the engine and use the <prefix>* indices?"""
    from elasticsearch import ApiError, TransportError

    from copilot_usage.store.client import make_client
    from copilot_usage.store.errors import describe_url

    where = describe_url(store.url)
    user = (f"user '{store.username}'" if store.username
            else "the API key" if store.api_key else "no credential")
    prefix = store.index_prefix
    try:
        # Plain JSON media types: both Elasticsearch and OpenSearch accept them, whatever their version.
        es = client or make_client(
            store.url, username=store.username,
            password=store.password.reveal() if store.password else None,
            api_key=store.api_key.reveal() if store.api_key else None,
            ca_certs=store.ca_certs, compat="opensearch",
            request_timeout=store.timeout_seconds)
    except ValueError as exc:
        return [Check("engine", FAIL, str(exc))]
    # One answer per question: no retries, and no transport tracebacks in the middle of the report.
    es = es.options(max_retries=0)
    quiet = logging.getLogger("elastic_transport")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        info = es.info()
        version = info.get("version", {})
        name = f"{version.get('distribution', 'elasticsearch')} {version.get('number', '?')}"
        problems = []
        for what, call in (("read index templates (cluster privilege manage_index_templates)",
                            lambda: es.indices.get_index_template(name=f"{prefix}*")),
                           (f"read {prefix}* (index privilege read)",
                            lambda: es.search(index=f"{prefix}*", size=0, allow_no_indices=True))):
            problem = _refused(call, what)
            if problem:
                problems.append(problem)
        problems += _missing_privileges(es, prefix)
    except ApiError as exc:
        status = exc.meta.status if exc.meta is not None else 0
        if status == 401:
            detail = (f"the engine at {where} refused {user} (401): wrong ELASTICSEARCH_PASSWORD (or API key), or "
                      "the user does not exist (the Elasticsearch image creates copilot_writer from "
                      "COPILOT_WRITER_PASSWORD)")
        elif status == 403:
            detail = (f"the engine at {where} lets {user} in but refuses GET / (403): give it the cluster "
                      "privilege monitor")
        else:
            detail = f"the engine at {where} answered {status}"
        return [Check("engine", FAIL, detail)]
    except TransportError as exc:
        return [Check("engine", FAIL, f"cannot reach the engine at {where}: {type(exc).__name__}; check "
                                      "ELASTICSEARCH_URL and that the engine is running")]
    finally:
        quiet.setLevel(level)
        if client is None:
            es.close()
    if problems:
        return [Check("engine", FAIL, f"{user} at {where} ({name}) cannot " + "; cannot ".join(problems)
                      + f": give it the copilot_writer role (elasticsearch/bootstrap-users.sh) on {prefix}*")]
    return [Check("engine", OK, f"{name} at {where}, {user} can use {prefix}*")]


def _refused(call: Callable[[], Any], what: str) -> str | None:
    from elasticsearch import ApiError

    try:
        call()
    except ApiError as exc:
        status = exc.meta.status if exc.meta is not None else 0
        if status == 403:
            return what
        if status != 404:  # 404: nothing there yet, which is fine
            raise
    return None


def _missing_privileges(es: Any, prefix: str) -> list[str]:
    """Index privileges the user lacks, from Elasticsearch's has_privileges; [] when the engine cannot say
    (security off, OpenSearch)."""
    from elasticsearch import ApiError

    try:
        answer = es.perform_request(
            "POST", "/_security/user/_has_privileges", headers={"content-type": "application/json"},
            body={"index": [{"names": [f"{prefix}*"], "privileges": list(WRITER_PRIVILEGES)}]})
    except ApiError:
        return []
    granted = (dict(answer.body).get("index") or {}).get(f"{prefix}*", {})
    missing = [p for p in WRITER_PRIVILEGES if granted.get(p) is False]
    return [f"{p} on {prefix}*" for p in missing]


# --- the command ---------------------------------------------------------------------------------------
def diagnose(env: Mapping[str, str] | None = None, *, secret_source: Any = None,
             today: dt.date | None = None) -> list[Check]:
    """Every check, in order: configuration (the parts doctor uses: scopes, GitHub, store, schedule), Key Vault,
    GitHub, the engine."""
    import os

    from copilot_usage.secrets import SecretError, resolve_settings

    try:
        settings = Settings.from_env(dict(os.environ if env is None else env), COMMAND_PARTS["doctor"])
    except ConfigError as exc:
        return [Check("configuration", FAIL, str(exc))]
    checks = [Check("configuration", OK, ", ".join(str(s) for s in settings.scopes))]
    if settings.key_vault_uri:
        try:
            settings = resolve_settings(settings, secret_source)
        except SecretError as exc:
            return [*checks, Check("key vault", FAIL, str(exc)),
                    Check("github", SKIP, "not checked: the secrets could not be read"),
                    Check("engine", SKIP, "not checked: the secrets could not be read")]
        checks.append(Check("key vault", OK, f"secrets read from {settings.key_vault_uri}"))
    checks += _github(settings, today or settings.schedule.today())
    checks += engine_checks(settings.store)
    return checks


def _github(settings: Settings, today: dt.date) -> list[Check]:
    from copilot_usage.run import _github_client

    try:
        client = _github_client(settings)
    except Exception as exc:  # a GitHub App whose key cannot be used, for instance: its error says why
        return [Check("github credential", FAIL, str(exc))]
    try:
        return github_checks(settings, client.http, today)
    finally:
        client.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Check the GitHub credential against every endpoint each scope needs, Key Vault and "
                          "the engine; one line per check, exit 1 when any fails.")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    checks = diagnose()
    for check in checks:
        print(check.line(), file=out)
    failed = sum(c.status == FAIL for c in checks)
    print(f"{len(checks)} checks, {failed} failed" if failed else f"{len(checks)} checks, all fine", file=out)
    return 1 if failed else 0
