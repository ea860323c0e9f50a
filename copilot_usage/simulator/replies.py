"""HTTP replies and the error bodies GitHub (JSON) and Azure Blob storage (XML) send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

DOCS = "https://docs.github.com/rest"
REPORT_DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate: bool = False  # send the full Content-Length but only half the body, then close


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def github_error(status: int, message: str, documentation_url: str = DOCS,
                 headers: dict[str, str] | None = None) -> Reply:
    """GitHub's error shape; newer responses also carry the status as a string (§7.4)."""
    return json_reply(status, {"message": message, "documentation_url": documentation_url, "status": str(status)},
                      headers)


def azure_error(status: int, code: str, message: str, detail: str | None = None) -> Reply:
    extra = f"<AuthenticationErrorDetail>{escape(detail)}</AuthenticationErrorDetail>" if detail else ""
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message>{extra}</Error>")
    return Reply(status, body.encode("utf-8"), {"Content-Type": "application/xml", "x-ms-error-code": code})


def no_content() -> Reply:
    return Reply(204)


def no_report(answer: str, documentation_url: str = REPORT_DOCS) -> Reply:
    """"No report for this day" in one of GitHub's three spellings: 204, an empty 200, or 404."""
    if answer == "empty":
        return Reply(200, b"", {"Content-Type": JSON_TYPE})
    if answer == "404":
        return github_error(404, "Not Found", documentation_url)
    return no_content()
