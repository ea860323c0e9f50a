"""The digest's settings part: period, webhook, SMTP; secrets as `Secret`, from the environment or Key Vault."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from copilot_usage.envparts import EnvPart, Secret, quote

FORMAT_AUTO, FORMAT_TEAMS, FORMAT_SLACK = "auto", "teams", "slack"
WEBHOOK_FORMATS = (FORMAT_AUTO, FORMAT_TEAMS, FORMAT_SLACK)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_EMAIL_RE = re.compile(r"^[^@\s,<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$|^[^@\s,<>]+@localhost$")
# Six-field NCRONTAB, as the Functions host expects (second minute hour day month day-of-week).
_NCRONTAB_RE = re.compile(r"^\S+( \S+){5}$")


@dataclass(frozen=True)
class DigestSettings:
    period: str = "week"
    schedule: str | None = None
    link_url: str | None = None
    webhook_url: Secret | None = None
    webhook_url_secret_name: str | None = None
    webhook_format: str = FORMAT_AUTO
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    smtp_password_secret_name: str | None = None
    smtp_starttls: bool = True
    smtp_ca_certs: str | None = None
    email_from: str | None = None
    email_to: tuple[str, ...] = ()

    @property
    def has_webhook(self) -> bool:
        return self.webhook_url is not None or self.webhook_url_secret_name is not None

    @property
    def has_email(self) -> bool:
        return self.smtp_host is not None

    def __str__(self) -> str:
        targets = []
        if self.has_webhook:
            where = "from Key Vault" if self.webhook_url_secret_name else "set"
            targets.append(f"webhook ({self.webhook_format}, URL {where})")
        if self.has_email:
            auth = "with login" if self.smtp_username else "no login"
            targets.append(f"email {self.smtp_host}:{self.smtp_port} {auth} to {len(self.email_to)} recipient(s)")
        schedule = self.schedule or "off"
        return f"period={self.period} schedule={schedule} targets={', '.join(targets) or 'none'}"


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def check_webhook_url(url: str) -> str | None:
    """A problem with a webhook URL, never echoing it (it is a secret); None when usable."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        return "DIGEST_WEBHOOK_URL must be an https:// URL"
    if parts.scheme == "http" and not _is_loopback(url):
        return "DIGEST_WEBHOOK_URL must use https:// (http:// only to a loopback address, for tests)"
    return None


def read_digest(env: Mapping[str, str], problems: list[str], key_vault: bool) -> DigestSettings:
    from copilot_usage.periods import PERIODS

    part = EnvPart(env, problems)
    schedule = part.text("DIGEST_SCHEDULE")
    if schedule is not None and not _NCRONTAB_RE.match(schedule):
        problems.append(f"DIGEST_SCHEDULE must be a six-field NCRONTAB like '0 0 7 * * 1' (Mondays 07:00 UTC), "
                        f"got {quote(schedule)}")
    link = part.text("DIGEST_LINK_URL")
    if link is not None and urlsplit(link).scheme not in ("https", "http"):
        problems.append(f"DIGEST_LINK_URL must be an http(s) URL (the dashboard or report link), got {quote(link)}")
        link = None

    webhook = part.secret_text("DIGEST_WEBHOOK_URL")
    if webhook is not None and (problem := check_webhook_url(webhook)):
        problems.append(problem)
        webhook = None
    webhook_secret = part.secret_name("DIGEST_WEBHOOK_URL_SECRET_NAME")

    host = part.host_and_port("DIGEST_SMTP_HOST")
    username = part.text("DIGEST_SMTP_USERNAME")
    password = part.secret_text("DIGEST_SMTP_PASSWORD")
    password_secret = part.secret_name("DIGEST_SMTP_PASSWORD_SECRET_NAME")
    starttls_text = part.choice("DIGEST_SMTP_STARTTLS", "true", ("true", "false"))
    email_from = part.text("DIGEST_EMAIL_FROM")
    email_to = tuple(a.strip() for a in (part.text("DIGEST_EMAIL_TO") or "").split(",") if a.strip())
    ca_certs = part.text("DIGEST_SMTP_CA_CERTS")
    for name, secret_name in (("DIGEST_WEBHOOK_URL", webhook_secret), ("DIGEST_SMTP_PASSWORD", password_secret)):
        if secret_name and not key_vault:
            problems.append(f"{name}_SECRET_NAME is set but KEY_VAULT_URI is not")
    if host is not None:
        if email_from is None or not _EMAIL_RE.match(email_from):
            problems.append("DIGEST_SMTP_HOST is set: DIGEST_EMAIL_FROM must be one e-mail address"
                            + (f", got {quote(email_from)}" if email_from else ""))
        if not email_to:
            problems.append("DIGEST_SMTP_HOST is set: DIGEST_EMAIL_TO must list the recipients, comma-separated")
        for address in email_to:
            if not _EMAIL_RE.match(address):
                problems.append(f"DIGEST_EMAIL_TO has an invalid address {quote(address)}")
    elif email_from or email_to or username:
        problems.append("DIGEST_EMAIL_FROM, DIGEST_EMAIL_TO or DIGEST_SMTP_USERNAME is set but DIGEST_SMTP_HOST is not")
    if username and password is None and not (password_secret and key_vault):
        problems.append("DIGEST_SMTP_USERNAME is set but no password: set DIGEST_SMTP_PASSWORD, or KEY_VAULT_URI "
                        "with DIGEST_SMTP_PASSWORD_SECRET_NAME")
    if (password or password_secret) and not username:
        problems.append("DIGEST_SMTP_PASSWORD is set but DIGEST_SMTP_USERNAME is not")
    if username and starttls_text == "false":
        problems.append("DIGEST_SMTP_STARTTLS=false with a login would send the password unencrypted; keep STARTTLS")
    if ca_certs is not None and not Path(ca_certs).is_file():
        problems.append(f"DIGEST_SMTP_CA_CERTS must name an existing CA bundle file, got {quote(ca_certs)}")
    return DigestSettings(
        period=part.choice("DIGEST_PERIOD", "week", PERIODS),
        schedule=schedule,
        link_url=link,
        webhook_url=Secret(webhook) if webhook else None,
        webhook_url_secret_name=webhook_secret,
        webhook_format=part.choice("DIGEST_WEBHOOK_FORMAT", FORMAT_AUTO, WEBHOOK_FORMATS),
        smtp_host=host,
        smtp_port=part.integer("DIGEST_SMTP_PORT", 587, 1, 65535) or 587,
        smtp_username=username,
        smtp_password=Secret(password) if password else None,
        smtp_password_secret_name=password_secret,
        smtp_starttls=starttls_text == "true",
        smtp_ca_certs=ca_certs,
        email_from=email_from,
        email_to=email_to,
    )
