"""Keeping secrets out of logs and messages: signed download links and tokens.

The query string of a signed report link is the credential; so is a token. `redact_url` gives a link
that still says which file it is; `mask_message` cleans text GitHub sent back before it reaches an error;
`RedactQueryStrings` cuts query strings from urllib3's DEBUG request lines.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

_URL_RE = re.compile(r"https?://[^\s\"'<>]+")


def redact_url(url: str) -> str:
    """`scheme://host/path`, with any query replaced by `?…`: safe to log, still says which file."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "?…" if parts.query else ""
    prefix = f"{parts.scheme}://{host}" if parts.scheme else host
    return f"{prefix}{parts.path}{query}"


def mask_message(message: str, token: str, limit: int) -> str:
    """`message` with the token masked, every URL redacted, whitespace folded and cut to `limit` characters."""
    if token:
        message = message.replace(token, "***")
    message = _URL_RE.sub(lambda m: redact_url(m.group(0)), message)
    message = " ".join(message.split())
    return message[:limit] + ("…" if len(message) > limit else "")


class RedactQueryStrings(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string included; for a signed download link the
    query string is the credential. This filter cuts query strings from those records' arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] + "?…" if isinstance(a, str) and "?" in a else a for a in record.args
            )
        return True


def install_log_redaction() -> None:
    """Add RedactQueryStrings to urllib3's connection-pool logger (once)."""
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactQueryStrings) for f in target.filters):
        target.addFilter(RedactQueryStrings())
