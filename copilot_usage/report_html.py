"""`copilot-usage report --format html`: one self-contained HTML page (inline CSS and SVG, no script, nothing
fetched when it is opened) with a block of charts per scope.

Each chart block is a `<section data-section=NAME data-items=N>`: N counts the values it shows, so a test (or
a script) can check that every section has data. The section names are `SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from copilot_usage import __version__
from copilot_usage.charts import bar_chart, compact, line_chart, percent, share_bar

SECTIONS = ("adoption", "acceptance", "feature_shares", "languages", "editors", "models", "seats", "leaderboard",
            "freshness")
_FEATURE_NAMES = {"completion": "IDE completions", "chat": "IDE chat", "agent": "Agents", "cli": "CLI",
                  "app": "Copilot app", "other": "Other"}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#cbd5e1}
main{padding:8px 28px 28px}
h2{margin:28px 0 8px;font-size:19px;border-bottom:2px solid #cbd5e1;padding-bottom:4px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(660px,1fr));gap:14px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 14px}
section h3{margin:0 0 8px;font-size:15px}
.kpis{display:flex;gap:18px;flex-wrap:wrap;margin-bottom:8px}
.kpi b{display:block;font-size:20px} .kpi span{color:#475569;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e2e8f0} th{color:#475569;font-weight:600}
.chart text{font-size:11px;fill:#334155} .chart .grid{stroke:#e2e8f0}
.chart .muted,.muted{fill:#94a3b8;color:#94a3b8}
.bad{color:#b91c1c;font-weight:600}
footer{color:#64748b;font-size:12px;padding:0 28px 20px}
"""


def _kpis(pairs: Sequence[tuple[str, str]]) -> str:
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in pairs) + "</div>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return '<p class="muted">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(name: str, title: str, items: int, body: str) -> str:
    return (f'<section data-section="{name}" data-items="{items}"><h3>{escape(title)}</h3>{body}</section>')


def _adoption(s: Mapping[str, Any], daily: list[dict[str, Any]]) -> str:
    a = s["adoption"]
    days = [p["day"] for p in daily]
    chart = line_chart(days, [("daily active", [p["daily_active_users"] for p in daily]),
                              ("weekly active", [p["weekly_active_users"] for p in daily]),
                              ("monthly active", [p["monthly_active_users"] for p in daily])])
    kpis = _kpis([("monthly active users", compact(a["monthly_active_users"])),
                  ("average daily active", compact(a["average_daily_active_users"])),
                  ("engaged users", compact(a["engaged_users"])),
                  ("interactions", compact(a["interactions"]))])
    return _section("adoption", "Adoption over time", len(daily), kpis + chart)


def _acceptance(s: Mapping[str, Any], daily: list[dict[str, Any]]) -> str:
    a = s["adoption"]
    rates = [p["acceptance_rate"] for p in daily]
    chart = line_chart([p["day"] for p in daily], [("acceptance rate", rates)], fmt=percent,
                       y_max=max([r for r in rates if r is not None] or [1]))
    kpis = _kpis([("acceptance rate", percent(a["acceptance_rate"])),
                  ("code generations", compact(a["code_generations"])),
                  ("acceptances", compact(a["code_acceptances"]))])
    return _section("acceptance", "Acceptance (code acceptances ÷ generations)",
                    sum(r is not None for r in rates), kpis + chart)


def _features(s: Mapping[str, Any], shares: list[dict[str, Any]]) -> str:
    items = [(_FEATURE_NAMES.get(r["name"], r["name"]), r["code_generations"]) for r in shares
             if r["code_generations"] > 0]
    cli = s["ai_credits_and_cli"]
    kpis = _kpis([("CLI sessions", compact(cli["cli_sessions"])),
                  ("peak daily CLI users", compact(cli["peak_daily_cli_users"])),
                  ("AI credits used", compact(cli["ai_credits_used"]))])
    return _section("feature_shares", "IDE, CLI and agent shares of code generations", len(items),
                    kpis + share_bar(items))


def _top(name: str, title: str, items: list[dict[str, Any]]) -> str:
    return _section(name, title, len(items), bar_chart([(i["name"], i["code_generations"]) for i in items]))


def _seats(s: Mapping[str, Any], reclaim: list[dict[str, Any]]) -> str:
    w = s["seat_waste"]
    counted = w["counted_seats"] or 0
    inactive = w["inactive_28d_seats"] or 0
    never = w["never_used_seats"] or 0
    bars = [("active in 28 days", counted - inactive), ("inactive 28+ days", inactive - never), ("never used", never)]
    kpis = _kpis([("seats", compact(w["counted_seats"])), ("unused share", percent(w["unused_share"])),
                  ("snapshot", w["snapshot_day"] or "-")])
    rows = [(r["user_login"] or "-", "never used" if r["never_used"] else f"{r['days_since_last_activity']} days",
             r["last_activity_editor"] or "-", r["assigning_team"] or "-") for r in reclaim]
    body = (kpis + (share_bar([b for b in bars if b[1] > 0]) if counted else "")
            + "<h3>Seats to reclaim (never used or idle 28+ days)</h3>"
            + _table(("user", "idle", "last editor", "assigned via team"), rows))
    return _section("seats", "Seat waste", counted and (1 + len(rows)), body)


def _leaderboard(board: Mapping[str, Any]) -> str:
    users = board["users"]
    chart = bar_chart([(u["user_login"], u["adoption_score"]) for u in users], fmt=lambda v: f"{v:.1f}")
    title = f"Adoption leaderboard (28 days to {board['day']})" if board["day"] else "Adoption leaderboard"
    return _section("leaderboard", title, len(users), chart)


def _freshness(rows: list[dict[str, Any]]) -> str:
    table = _table(("report", "last complete day", "complete days", "failed days"),
                   [(r["report"], r["last_complete_day"] or "-", r["complete_days"], r["failed_days"])
                    for r in rows])
    failed = sum(r["failed_days"] for r in rows)
    note = f'<p class="bad">{failed} failed days: see `copilot-usage status`</p>' if failed else ""
    return _section("freshness", "Data freshness", len(rows), note + table)


def _scope(s: Mapping[str, Any]) -> str:
    head = f'<h2 data-scope="{escape(s["scope"])}">{escape(s["scope"])} · {s["since"]} to {s["until"]}</h2>'
    if "error" in s or "charts" not in s:
        return head + f'<p class="muted">{escape(s.get("error", "no chart data"))}</p>'
    charts = s["charts"]
    blocks = [
        _adoption(s, charts["daily"]),
        _acceptance(s, charts["daily"]),
        _features(s, charts["feature_shares"]),
        _top("languages", "Languages (code generations)", s["top_languages"]),
        _top("editors", "Editors (code generations)", s["top_ides"]),
        _top("models", "Models (code generations)", s["top_models"]),
        _seats(s, charts["reclaimable_seats"]),
        _leaderboard(charts["leaderboard"]),
        _freshness(s["freshness"]),
    ]
    return head + '<div class="grid2">' + "".join(blocks) + "</div>"


def render(summary: Mapping[str, Any], generated_at: str) -> str:
    """The whole page (pure): `summary` is report.summarize's result with report_data.charts_for applied."""
    scopes = summary["scopes"]
    names = ", ".join(s["scope"] for s in scopes) or "nothing stored yet"
    body = "".join(_scope(s) for s in scopes) or '<p class="muted">nothing stored yet: run copilot-usage collect</p>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        "img-src data:\">"
        f"<title>Copilot usage report: {escape(names)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Copilot usage report</h1><p>{escape(names)} · generated {escape(generated_at)}</p></header>"
        f"<main>{body}</main>"
        f"<footer>copilot-usage {escape(__version__)}: every number is read from the stored indices the "
        "Grafana dashboards read (docs/metrics.md).</footer></body></html>\n"
    )
