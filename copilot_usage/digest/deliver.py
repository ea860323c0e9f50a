"""Delivering a digest: one POST to the webhook, one message through SMTP. Never raises.

Each target gives a `Delivery` (ok or not, and why). Reasons never contain the webhook URL (a secret: whoever
has it can post to the channel), the SMTP password or an exception's text that could carry them; they name
the target, the HTTP status or SMTP code and the kind of failure.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from copilot_usage.digest import render
from copilot_usage.digest.settings import FORMAT_AUTO, FORMAT_SLACK, FORMAT_TEAMS, DigestSettings
from copilot_usage.settings import Secret

log = logging.getLogger("copilot_usage.digest")
TIMEOUT_SECONDS = 30
_TEAMS_HOSTS = ("webhook.office.com", "outlook.office.com", "logic.azure.com", "powerplatform.com",
                "powerautomate.com")


@dataclass(frozen=True)
class Delivery:
    target: str
    ok: bool
    detail: str


def webhook_format(url: str, configured: str) -> str | None:
    """teams or slack: DIGEST_WEBHOOK_FORMAT when set, else by the URL's host; None when it cannot tell."""
    if configured != FORMAT_AUTO:
        return configured
    host = (urlsplit(url).hostname or "").lower()
    if host == "hooks.slack.com" or host.endswith(".slack.com"):
        return FORMAT_SLACK
    if any(host == h or host.endswith("." + h) for h in _TEAMS_HOSTS):
        return FORMAT_TEAMS
    return None


def post_webhook(url: Secret, fmt: str, digest: Mapping[str, Any], timeout: float = TIMEOUT_SECONDS) -> Delivery:
    target = f"webhook ({fmt})"
    payload = render.slack(digest) if fmt == FORMAT_SLACK else render.teams(digest)
    try:
        response = requests.post(url.reveal(), json=payload, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return Delivery(target, False, f"not delivered: {type(exc).__name__}")
    if 200 <= response.status_code < 300:
        return Delivery(target, True, f"HTTP {response.status_code}")
    return Delivery(target, False, f"refused: HTTP {response.status_code}")


def send_email(cfg: DigestSettings, digest: Mapping[str, Any], timeout: float = TIMEOUT_SECONDS) -> Delivery:
    assert cfg.smtp_host is not None
    assert cfg.email_from is not None
    target = f"email via {cfg.smtp_host}:{cfg.smtp_port} to {len(cfg.email_to)} recipient(s)"
    message = render.email(digest, cfg.email_from, cfg.email_to)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=timeout) as smtp:
            smtp.ehlo()
            if cfg.smtp_starttls and (smtp.has_extn("starttls") or cfg.smtp_username):
                # With a login STARTTLS is required (starttls() raises if the server lacks it): never a password
                # in clear text.
                context = ssl.create_default_context(cafile=cfg.smtp_ca_certs)
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.smtp_username:
                assert cfg.smtp_password is not None, "the SMTP password was not resolved"
                smtp.login(cfg.smtp_username, cfg.smtp_password.reveal())
            refused = smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        return Delivery(target, False, f"refused: SMTP {exc.smtp_code} ({type(exc).__name__})")
    except (smtplib.SMTPException, OSError) as exc:
        return Delivery(target, False, f"not delivered: {type(exc).__name__}")
    if refused:
        return Delivery(target, False, f"refused for {len(refused)} of {len(cfg.email_to)} recipient(s)")
    return Delivery(target, True, "accepted")


def deliver(digest: Mapping[str, Any], cfg: DigestSettings) -> list[Delivery]:
    """Send to every configured target; each result is logged (without secrets)."""
    results: list[Delivery] = []
    if cfg.webhook_url is not None:
        fmt = webhook_format(cfg.webhook_url.reveal(), cfg.webhook_format)
        if fmt is None:
            results.append(Delivery("webhook", False, "cannot tell Teams from Slack by the URL's host: set "
                                    "DIGEST_WEBHOOK_FORMAT to teams or slack"))
        else:
            results.append(post_webhook(cfg.webhook_url, fmt, digest))
    elif cfg.webhook_url_secret_name:
        results.append(Delivery("webhook", False, "the webhook URL was not read from Key Vault"))
    if cfg.has_email:
        results.append(send_email(cfg, digest))
    for r in results:
        (log.info if r.ok else log.error)("digest %s: %s", r.target, r.detail)
    return results
