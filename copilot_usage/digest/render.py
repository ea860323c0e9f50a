"""Digest renderings (pure): plain text, Slack Block Kit, a Teams Adaptive Card message, HTML and e-mail.

Every renderer shows the same lines (`scope_lines`), so the numbers agree wherever the digest is read.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from copilot_usage.schema import indices as ix

TITLE = "GitHub Copilot usage digest"
_LABELS = {
    ix.ACTIVE_USERS: "Active users",
    ix.AVERAGE_DAILY_ACTIVE_USERS: "Daily active users (average)",
    ix.CODE_GENERATION_ACTIVITY_COUNT: "Code generations",
    ix.CODE_ACCEPTANCE_ACTIVITY_COUNT: "Code acceptances",
    ix.ACCEPTANCE_RATE: "Acceptance rate",
    ix.ADOPTION: "Adoption (active users / seats)",
    ix.IDE_SHARE: "IDE share",
    ix.AGENT_SHARE: "Agent share",
    ix.CLI_SHARE: "CLI share",
}
_RATES = frozenset(ix.PERIOD_RATE_METRICS)
_PERIOD_NAMES = {"week": "week", "28d": "28 days", "month": "month"}


def number(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if name in _RATES:
        return f"{value * 100:.1f}%"
    return f"{value:,.1f}" if value != int(value) else f"{int(value):,}"


def change(name: str, m: Mapping[str, Any]) -> str:
    """'+2.1 pp' for rates, '+12 (+8.0%)' for counts, '' without a previous value."""
    d = m.get("delta")
    if d is None:
        return ""
    if name in _RATES:
        return f"{d * 100:+.1f} pp"
    rel = m.get("change")
    shown = f"{d:+,.1f}" if d != int(d) else f"{int(d):+,}"
    return f"{shown} ({rel * 100:+.1f}%)" if rel is not None else shown


def money(value: float | None, currency: str) -> str:
    return "–" if value is None else f"{value:,.2f} {currency}"


def metric_line(name: str, m: Mapping[str, Any]) -> str:
    line = f"{_LABELS[name]}: {number(name, m['current'])}"
    moved = change(name, m)
    if moved:
        line += f" ({moved} vs {number(name, m['previous'])})"
    if m.get("target"):
        line += f" – target {m['target'].split(': ')[-1]}: {'met' if m['target_met'] else 'missed'}"
    return line


SHOWN = (ix.ACTIVE_USERS, ix.ADOPTION, ix.ACCEPTANCE_RATE, ix.IDE_SHARE, ix.AGENT_SHARE, ix.CLI_SHARE)


def scope_title(s: Mapping[str, Any], period: str) -> str:
    if "error" in s:
        return f"{s['scope']}: {s['error']}"
    return (f"{s['scope']} – {_PERIOD_NAMES.get(period, period)} {s['start']} to {s['end']} "
            f"vs {s['previous_start']} to {s['previous_end']}")


def scope_lines(s: Mapping[str, Any]) -> list[str]:
    if "error" in s:
        return []
    metrics = s["metrics"]
    lines = [metric_line(name, metrics[name]) for name in SHOWN]
    spend = s["seat_spend"]
    if spend.get("snapshot_day"):
        currency = spend[ix.CURRENCY]
        lines.append(
            f"Unused seats: {spend[ix.IDLE_SEATS]} idle and {spend[ix.NEVER_USED_SEATS]} never used of "
            f"{spend[ix.COUNTED_SEATS]}, costing {money(spend[ix.UNUSED_SEAT_COST], currency)} a month "
            f"(idle {money(spend[ix.IDLE_SEAT_COST], currency)}, never used "
            f"{money(spend[ix.NEVER_USED_SEAT_COST], currency)}; seats {spend['snapshot_day']})"
        )
        for team in s["teams"]:
            lines.append(f"Team {team[ix.ASSIGNING_TEAM]}: {money(team[ix.UNUSED_SEAT_COST], currency)} a month on "
                         f"{team[ix.IDLE_SEATS] + team[ix.NEVER_USED_SEATS]} unused seats")
    if s["biggest_changes"]:
        moved = ", ".join(f"{_LABELS[n]} {change(n, metrics[n])}" for n in s["biggest_changes"])
        lines.append(f"Biggest changes: {moved}")
    return lines


def text(digest: Mapping[str, Any]) -> str:
    out = [TITLE, ""]
    for s in digest["scopes"]:
        out.append(scope_title(s, digest["period"]))
        out += [f"  {line}" for line in scope_lines(s)]
        out.append("")
    if digest.get("link"):
        out.append(f"Dashboards and report: {digest['link']}")
    return "\n".join(out).rstrip() + "\n"


def slack(digest: Mapping[str, Any]) -> dict[str, Any]:
    """Slack incoming webhook payload: Block Kit blocks, with `text` as the notification fallback."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": TITLE}}]
    for s in digest["scopes"]:
        body = "\n".join(f"• {_slack_escape(line)}" for line in scope_lines(s))
        title = f"*{_slack_escape(scope_title(s, digest['period']))}*"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{title}\n{body}".strip()[:3000]}})
    if digest.get("link"):
        link = f"<{digest['link']}|Dashboards and report>"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": link}})
    return {"text": text(digest)[:3000], "blocks": blocks[:50]}


def _slack_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams(digest: Mapping[str, Any]) -> dict[str, Any]:
    """Teams incoming webhook (or Workflows) payload: a message with one Adaptive Card attachment."""
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": TITLE, "size": "Large", "weight": "Bolder",
                                   "wrap": True}]
    for s in digest["scopes"]:
        body.append({"type": "TextBlock", "text": scope_title(s, digest["period"]), "weight": "Bolder", "wrap": True,
                     "spacing": "Medium"})
        body += [{"type": "TextBlock", "text": line, "wrap": True, "spacing": "None"} for line in scope_lines(s)]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": body}
    if digest.get("link"):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Dashboards and report", "url": digest["link"]}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def html_page(digest: Mapping[str, Any]) -> str:
    """A self-contained HTML page of the digest (sent as the e-mail's HTML part and attachment)."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{e(TITLE)}</title></head>"
             f"<body style=\"font-family:sans-serif\"><h1>{e(TITLE)}</h1>"]
    for s in digest["scopes"]:
        parts.append(f"<h2>{e(scope_title(s, digest['period']))}</h2><ul>")
        parts += [f"<li>{e(line)}</li>" for line in scope_lines(s)]
        parts.append("</ul>")
    if digest.get("link"):
        parts.append(f"<p><a href=\"{e(digest['link'])}\">Dashboards and report</a></p>")
    parts.append("</body></html>")
    return "".join(parts)


def email(digest: Mapping[str, Any], sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    message = EmailMessage()
    first = digest["scopes"][0] if digest["scopes"] else {}
    when = f" {first['start']} to {first['end']}" if "start" in first else ""
    message["Subject"] = f"{TITLE}:{when} ({_PERIOD_NAMES.get(digest['period'], digest['period'])})"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(text(digest))
    page = html_page(digest)
    message.add_alternative(page, subtype="html")
    message.add_attachment(page, subtype="html", filename="copilot-usage-digest.html")  # the HTML report, attached
    return message
