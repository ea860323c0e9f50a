"""`copilot-usage digest` and the Function's scheduled digest: build from the store, deliver, report.

A failed delivery is printed (or logged) and gives exit code 1 (the Function logs it as an error); it never
raises, so neither a collection nor the other target is affected.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping
from typing import Any

from copilot_usage.digest import render
from copilot_usage.digest.build import build_digest
from copilot_usage.digest.deliver import Delivery, deliver
from copilot_usage.model import Scope
from copilot_usage.periods import PERIODS
from copilot_usage.settings import COMMAND_PARTS, ConfigError, Part, Settings

COMMAND = "digest"
log = logging.getLogger("copilot_usage.digest")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from copilot_usage.report import _scope

    parser.add_argument("--scope", type=_scope, action="append", default=None,
                        help="org:NAME or enterprise:NAME (repeatable; default: every scope stored)")
    parser.add_argument("--period", choices=PERIODS, default=None, help="week, 28d or month (default DIGEST_PERIOD)")
    parser.add_argument("--dry-run", action="store_true", help="print the digest, send nothing")
    parser.add_argument("--format", choices=("text", "json", "html", "slack", "teams"), default="text",
                        help="what --dry-run prints (default text)")


def send(es: Any, settings: Settings, scopes: list[Scope] | None = None,
         period: str | None = None) -> tuple[dict[str, Any], list[Delivery]]:
    """Build the digest for `scopes` (default: every stored scope) and deliver it to every target."""
    from copilot_usage.report import scopes_found

    chosen = scopes or scopes_found(es, settings.store.index_prefix)
    digest = build_digest(es, settings, chosen, period)
    return digest, deliver(digest, settings.digest)


def _print(digest: Mapping[str, Any], fmt: str) -> None:
    shown = {"text": render.text, "html": render.html_page}.get(fmt)
    if shown is not None:
        print(shown(digest))
        return
    payload = {"json": lambda d: d, "slack": render.slack, "teams": render.teams}[fmt](digest)
    print(json.dumps(payload, indent=2, default=str))


def run(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    from copilot_usage.secrets import SecretError, read_settings
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.store.errors import StoreError

    try:
        settings = read_settings(COMMAND_PARTS["digest"], env)
    except (ConfigError, SecretError) as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    if not args.dry_run and not (settings.digest.has_webhook or settings.digest.has_email):
        print("no digest target: set DIGEST_WEBHOOK_URL and/or DIGEST_SMTP_HOST (or use --dry-run)", file=sys.stderr)
        return 2
    es = client_from_settings(settings.store)
    try:
        if args.dry_run:
            from copilot_usage.report import scopes_found

            scopes = args.scope or scopes_found(es, settings.store.index_prefix)
            _print(build_digest(es, settings, scopes, args.period), args.format)
            return 0
        digest, results = send(es, settings, args.scope, args.period)
    except StoreError as exc:
        print(f"elasticsearch: {exc}", file=sys.stderr)
        return 1
    finally:
        es.close()
    print(f"digest for {len(digest['scopes'])} scope(s), {digest['period']}:")
    for r in results:
        print(f"  {r.target}: {'OK' if r.ok else 'FAILED'} – {r.detail}")
    return 0 if all(r.ok for r in results) else 1


def scheduled_digest(env: Mapping[str, str] | None = None, source: Any = None) -> list[Delivery]:
    """The Function's digest timer: every configured scope, every target; failures logged, never raised."""
    from copilot_usage.secrets import read_settings
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.store.errors import StoreError

    settings = read_settings(COMMAND_PARTS["digest"] | {Part.SCOPES}, env, source)
    es = client_from_settings(settings.store)
    try:
        _, results = send(es, settings, list(settings.scopes))
    except StoreError as exc:
        log.error("digest not sent: the store could not be read: %s", exc)
        return [Delivery("store", False, str(exc))]
    finally:
        es.close()
    return results
