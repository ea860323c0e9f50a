"""`copilot-usage report`: a per-scope summary read back from Elasticsearch (table, JSON or CSV).

Every number comes from a query against the stored indices, so the summary shows what the dashboards
show. Scopes are reported one by one and never summed: an enterprise already contains its orgs' users.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from copilot_usage import report_extras
from copilot_usage.model import Scope
from copilot_usage.schema import indices as ix
from copilot_usage.settings import COMMAND_PARTS, ConfigError, Settings
from copilot_usage.store.errors import StoreError, translated
from copilot_usage.store.ingestion_log import freshness

DEFAULT_WINDOW_DAYS = 28
TOP_N = 5
FORMATS = ("table", "json", "csv", "html")
DEFAULT_HTML_PATH = "copilot-usage-report.html"


# --- queries -------------------------------------------------------------------------------------------
def _search(es: Elasticsearch, index: ix.IndexDef, prefix: str, **body: Any) -> dict[str, Any] | None:
    """One search; None when the index does not exist yet (nothing collected for it)."""
    name = index.name(prefix)
    with translated(es, f"GET {name}/_search"):
        try:
            return dict(es.search(index=name, size=body.pop("size", 0), **body).body)
        except NotFoundError:
            return None


def _scope_filter(scope: Scope, since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [{"term": {ix.SCOPE_TYPE: scope.type.value}}, {"term": {ix.SCOPE: scope.slug}}]
    if since is not None or until is not None:
        day_range: dict[str, str] = {}
        if since is not None:
            day_range["gte"] = since.isoformat()
        if until is not None:
            day_range["lte"] = until.isoformat()
        clauses.append({"range": {ix.DAY: day_range}})
    return clauses


def _value(aggs: Mapping[str, Any] | None, name: str) -> float | None:
    if not aggs:
        return None
    value = aggs.get(name, {}).get("value")
    return float(value) if value is not None else None


def _day_from(value: Any) -> dt.date | None:
    """A date aggregation's value (epoch millis) as a day."""
    if value is None:
        return None
    return dt.datetime.fromtimestamp(float(value) / 1000, dt.UTC).date()


def scopes_found(es: Elasticsearch, prefix: str) -> list[Scope]:
    """Every scope with daily usage stored, sorted."""
    found: set[Scope] = set()
    for index in (ix.USAGE_DAILY, ix.USER_SUMMARY_DAILY, ix.SEAT_SUMMARY):
        body = _search(
            es, index, prefix,
            aggs={"t": {"terms": {"field": ix.SCOPE_TYPE, "size": 10},
                        "aggs": {"s": {"terms": {"field": ix.SCOPE, "size": 10_000}}}}},
        )
        for t in (body or {}).get("aggregations", {}).get("t", {}).get("buckets", []):
            for s in t["s"]["buckets"]:
                found.add(Scope.parse(f"{t['key']}:{s['key']}"))
    return sorted(found)


def latest_day(es: Elasticsearch, prefix: str, scope: Scope) -> dt.date | None:
    latest: dt.date | None = None
    for index in (ix.USAGE_DAILY, ix.USER_SUMMARY_DAILY):
        body = _search(es, index, prefix, query={"bool": {"filter": _scope_filter(scope)}},
                       aggs={"last": {"max": {"field": ix.DAY}}})
        day = _day_from(_value((body or {}).get("aggregations"), "last"))
        if day is not None and (latest is None or day > latest):
            latest = day
    return latest


def adoption(es: Elasticsearch, prefix: str, scope: Scope, since: dt.date, until: dt.date) -> dict[str, Any]:
    """Active users (latest monthly figure, daily average), engaged users and the acceptance rate."""
    body = _search(
        es, ix.USAGE_DAILY, prefix,
        query={"bool": {"filter": _scope_filter(scope, since, until)}},
        aggs={
            "days": {"value_count": {"field": ix.DAY}},
            "dau": {"avg": {"field": ix.DAILY_ACTIVE_USERS}},
            "generated": {"sum": {"field": ix.CODE_GENERATION_ACTIVITY_COUNT}},
            "accepted": {"sum": {"field": ix.CODE_ACCEPTANCE_ACTIVITY_COUNT}},
            "interactions": {"sum": {"field": ix.USER_INITIATED_INTERACTION_COUNT}},
            "ide_generated": {"sum": {"field": ix.IDE_CODE_GENERATION_ACTIVITY_COUNT}},
            "cli_generated": {"sum": {"field": ix.CLI_CODE_GENERATION_ACTIVITY_COUNT}},
            "lines_added": {"sum": {"field": ix.LOC_ADDED_SUM}},
            "agent_lines_added": {"sum": {"field": ix.AGENT_LOC_ADDED_SUM}},
            "completion_suggested": {"sum": {"field": ix.COMPLETION_LOC_SUGGESTED_TO_ADD_SUM}},
            "completion_added": {"sum": {"field": ix.COMPLETION_LOC_ADDED_SUM}},
        },
        sort=[{ix.DAY: "desc"}], size=1,
    )
    aggs = (body or {}).get("aggregations")
    hits = (body or {}).get("hits", {}).get("hits", [])
    latest = hits[0].get("_source", {}) if hits else {}
    engaged = _search(
        es, ix.USER_DAILY, prefix,
        query={"bool": {"filter": [*_scope_filter(scope, since, until), {"term": {ix.ACTIVE: True}}]}},
        aggs={"users": {"cardinality": {"field": ix.USER_ID}}},
    )
    generated = _value(aggs, "generated") or 0.0
    accepted = _value(aggs, "accepted") or 0.0
    dau = _value(aggs, "dau")
    return {
        "days_reported": int(_value(aggs, "days") or 0),
        "monthly_active_users": latest.get(ix.MONTHLY_ACTIVE_USERS),
        "average_daily_active_users": round(dau, 1) if dau is not None else None,
        "engaged_users": int(_value((engaged or {}).get("aggregations"), "users") or 0),
        "interactions": int(_value(aggs, "interactions") or 0),
        "code_generations": int(generated),
        "code_acceptances": int(accepted),
        # Same formula as the acceptance_rate field (docs/metrics.md): null without generations.
        "acceptance_rate": _share(accepted, generated),
        # IDE and CLI parts of the generations: Σ totals_by_ide and the copilot_cli feature row, never
        # overlapping (CLI is inside the totals since 2026-04-10 but not in totals_by_ide).
        "ide_generations": int(_value(aggs, "ide_generated") or 0),
        "cli_generations": int(_value(aggs, "cli_generated") or 0),
        "ide_share": _share(_value(aggs, "ide_generated"), generated),
        "cli_share": _share(_value(aggs, "cli_generated"), generated),
        # Lines: what agents wrote, and suggested lines accepted for code completion only (never above 100 %).
        "lines_added": int(_value(aggs, "lines_added") or 0),
        "agent_lines_share": _share(_value(aggs, "agent_lines_added"), _value(aggs, "lines_added")),
        "completion_lines_acceptance_rate": _share(_value(aggs, "completion_added"),
                                                   _value(aggs, "completion_suggested")),
    }


def _share(part: float | None, whole: float | None) -> float | None:
    """part / whole rounded to 4 places; None without a whole, or when it would not be a fraction."""
    if part is None or not whole or not 0 <= part <= whole:
        return None
    return round(part / whole, 4)


def top(es: Elasticsearch, prefix: str, scope: Scope, since: dt.date, until: dt.date, breakdown: str,
        dimension: str, n: int = TOP_N) -> list[dict[str, Any]]:
    """The `n` values of a breakdown dimension with the most code generations over the window.

    Generations, not interactions: GitHub's language rows carry no interaction count.
    """
    body = _search(
        es, ix.USAGE_BREAKDOWN, prefix,
        query={"bool": {"filter": [*_scope_filter(scope, since, until), {"term": {ix.BREAKDOWN: breakdown}}]}},
        aggs={"top": {"terms": {"field": dimension, "size": n, "order": {"g": "desc"}},
                      "aggs": {"g": {"sum": {"field": ix.CODE_GENERATION_ACTIVITY_COUNT}},
                               "a": {"sum": {"field": ix.CODE_ACCEPTANCE_ACTIVITY_COUNT}}}}},
    )
    buckets = (body or {}).get("aggregations", {}).get("top", {}).get("buckets", [])
    return [
        {"name": str(b["key"]), "code_generations": int(b["g"]["value"] or 0),
         "code_acceptances": int(b["a"]["value"] or 0)}
        for b in buckets
    ]


def seat_waste(es: Elasticsearch, prefix: str, scope: Scope) -> dict[str, Any]:
    """From the newest seat snapshot: seats paid for but never or no longer used.

    Seats are a snapshot of today, newer than the newest usage day (reports lag 4–5 days), so the usage
    window does not apply here.
    """
    body = _search(
        es, ix.SEAT_SUMMARY, prefix,
        query={"bool": {"filter": _scope_filter(scope)}}, sort=[{ix.DAY: "desc"}], size=1,
    )
    hits = (body or {}).get("hits", {}).get("hits", [])
    if not hits:
        return {"snapshot_day": None, "counted_seats": None, "never_used_seats": None,
                "inactive_28d_seats": None, "unused_share": None}
    src = hits[0].get("_source", {})
    counted = src.get(ix.COUNTED_SEATS)
    never = src.get(ix.NEVER_USED_SEATS)
    inactive = src.get(ix.INACTIVE_28D_SEATS)
    # Shaping counts a never-used seat as inactive too, so the 28-day bucket alone is the waste.
    wasted = inactive or 0
    return {
        "snapshot_day": str(src.get(ix.DAY, ""))[:10] or None,
        "counted_seats": counted,
        "never_used_seats": never,
        "inactive_28d_seats": inactive,
        "unused_share": round(wasted / counted, 4) if counted else None,
    }


def credits_and_cli(es: Elasticsearch, prefix: str, scope: Scope, since: dt.date, until: dt.date) -> dict[str, Any]:
    body = _search(
        es, ix.USER_SUMMARY_DAILY, prefix,
        query={"bool": {"filter": _scope_filter(scope, since, until)}},
        aggs={
            "credits": {"sum": {"field": ix.AI_CREDITS_USED}},
            "credit_users": {"max": {"field": ix.AI_CREDIT_USERS}},
            "cli_users": {"max": {"field": ix.CLI_USERS}},
            "cli_sessions": {"sum": {"field": ix.CLI_SESSION_COUNT}},
            "cli_requests": {"sum": {"field": ix.CLI_REQUEST_COUNT}},
        },
    )
    aggs = (body or {}).get("aggregations")
    credits = _value(aggs, "credits")
    return {
        "ai_credits_used": round(credits, 2) if credits is not None else None,
        "peak_daily_ai_credit_users": int(_value(aggs, "credit_users") or 0),
        "peak_daily_cli_users": int(_value(aggs, "cli_users") or 0),
        "cli_sessions": int(_value(aggs, "cli_sessions") or 0),
        "cli_requests": int(_value(aggs, "cli_requests") or 0),
    }


def _freshness_for(rows: list[dict[str, Any]], scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "report": r["report"],
            "last_complete_day": r["last_complete_day"].isoformat() if r["last_complete_day"] else None,
            "complete_days": r[ix.STATUS_COMPLETE],
            "failed_days": r[ix.STATUS_FAILED],
        }
        for r in rows
        if r["scope_type"] == scope.type.value and r["scope"] == scope.slug
    ]


def summarize(es: Elasticsearch, prefix: str, scopes: list[Scope] | None = None,
              since: dt.date | None = None, until: dt.date | None = None,
              settings: Settings | None = None) -> dict[str, Any]:
    """The whole summary: one section per scope. `until` defaults to each scope's latest stored day (and is
    capped by it), `since` to 28 days before `until`."""
    until_day = until
    chosen = scopes if scopes else scopes_found(es, prefix)
    fresh = freshness(es, prefix)
    out: list[dict[str, Any]] = []
    for scope in chosen:
        latest = latest_day(es, prefix, scope)
        if latest is None:
            out.append({"scope": str(scope), "since": None, "until": None, "error": "no usage stored"})
            continue
        until = min(latest, until_day) if until_day is not None else latest
        start = since if since is not None else until - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        out.append({
            "scope": str(scope),
            "since": start.isoformat(),
            "until": until.isoformat(),
            "adoption": adoption(es, prefix, scope, start, until),
            "top_languages": top(es, prefix, scope, start, until, ix.BREAKDOWN_LANGUAGE_FEATURE, ix.LANGUAGE),
            "top_ides": top(es, prefix, scope, start, until, ix.BREAKDOWN_IDE, ix.IDE),
            "top_models": top(es, prefix, scope, start, until, ix.BREAKDOWN_LANGUAGE_MODEL, ix.MODEL),
            "seat_waste": seat_waste(es, prefix, scope),
            "ai_credits_and_cli": credits_and_cli(es, prefix, scope, start, until),
            "freshness": _freshness_for(fresh, scope),
            **report_extras.sections(es, prefix, scope, settings),  # period over period, seat spend (with settings)
        })
    return {"scopes": out}


# --- rendering (pure) -------------------------------------------------------------------------------------
_SECTIONS = ("adoption", "seat_waste", "ai_credits_and_cli")
_TOPS = ("top_languages", "top_ides", "top_models")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def flat_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per (scope, section, metric): the CSV layout, also easy to filter in a script."""
    rows: list[dict[str, Any]] = []
    for s in summary["scopes"]:
        base = {"scope": s["scope"], "since": s["since"], "until": s["until"]}
        for section in _SECTIONS:
            for metric, value in s.get(section, {}).items():
                rows.append({**base, "section": section, "metric": metric, "value": value})
        for section in _TOPS:
            for rank, item in enumerate(s.get(section, []), 1):
                rows.append({**base, "section": section, "metric": f"{rank}:{item['name']}",
                             "value": item["code_generations"]})
        rows += report_extras.csv_rows(s, base)
        for f in s.get("freshness", []):
            rows.append({**base, "section": "freshness", "metric": f["report"], "value": f["last_complete_day"]})
    return rows


def render_csv(summary: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["scope", "since", "until", "section", "metric", "value"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat_rows(summary))
    return buffer.getvalue()


def render_table(summary: Mapping[str, Any]) -> str:
    lines: list[str] = []
    for s in summary["scopes"]:
        lines.append(f"== {s['scope']}  ({s['since']} .. {s['until']})")
        if "error" in s:
            lines.append(f"   {s['error']}")
            continue
        for section in _SECTIONS:
            lines.append(f"  {section.replace('_', ' ')}")
            items = s[section].items()
            width = max((len(k) for k, _ in items), default=0)
            lines += [f"    {k.ljust(width)}  {_fmt(v)}" for k, v in items]
        for section in _TOPS:
            names = ", ".join(f"{i['name']} ({_fmt(i['code_generations'])})" for i in s[section]) or "-"
            lines.append(f"  {section.replace('_', ' ')}: {names}")
        lines += report_extras.table_lines(s)
        lines.append("  freshness (last complete day per report)")
        lines += [f"    {f['report']:<28} {f['last_complete_day'] or '-'}  failed {f['failed_days']}"
                  for f in s["freshness"]]
        lines.append("")
    return "\n".join(lines) if lines else "nothing stored yet: run `copilot-usage collect` first"


def render(summary: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(summary, indent=2, default=str)
    if fmt == "csv":
        return render_csv(summary)
    return render_table(summary)


# --- command line ------------------------------------------------------------------------------------------
def _date_for(option: str) -> Callable[[str], dt.date]:
    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be a date like 2026-11-01, got {text!r}") from None
    return parse


def _scope(text: str) -> Scope:
    try:
        return Scope.parse(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--scope: {e}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scope", type=_scope, action="append", default=None,
                        help="org:NAME or enterprise:NAME (repeatable; default: every scope stored)")
    parser.add_argument("--since", type=_date_for("--since"), default=None,
                        help="first day, YYYY-MM-DD (default: 28 days up to each scope's latest day)")
    parser.add_argument("--until", type=_date_for("--until"), default=None,
                        help="last day, YYYY-MM-DD (default: each scope's latest stored day)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (default), json, csv, or html (one self-contained page with charts)")
    parser.add_argument("--output", "-o", type=Path, default=None,
                        help=f"write to this file instead of printing (html: default {DEFAULT_HTML_PATH})")


def run(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    from copilot_usage.secrets import SecretError, read_settings
    from copilot_usage.store.client import client_from_settings

    if args.until is not None and args.since is not None and args.until < args.since:
        print("--until must not be before --since", file=sys.stderr)
        return 2
    if args.output is not None and not args.output.resolve().parent.is_dir():
        print(f"--output: the folder of {args.output} does not exist", file=sys.stderr)
        return 2
    try:
        settings = read_settings(COMMAND_PARTS["report"], env)  # the store and what the report shows; no GitHub
    except (ConfigError, SecretError) as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    prefix = settings.store.index_prefix
    try:
        es = client_from_settings(settings.store)  # detecting the engine already talks to it
        try:
            summary = summarize(es, prefix, args.scope, args.since, args.until, settings)
            if args.format == "html":
                from copilot_usage import report_data

                report_data.charts_for(es, prefix, summary)
        finally:
            es.close()
    except StoreError as exc:
        print(f"elasticsearch: {exc}", file=sys.stderr)
        return 1
    return _emit(summary, args.format, args.output)


def _emit(summary: dict[str, Any], fmt: str, output: Path | None) -> int:
    """Print the summary, or write it to `output` (always a file for html) and print the file's path."""
    if fmt == "html":
        from copilot_usage import report_html

        text = report_html.render(summary, dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
        output = output or Path(DEFAULT_HTML_PATH)
    else:
        text = render(summary, fmt) + "\n"
    if output is None:
        print(text, end="")
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"report: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"report written to {output.resolve()}")
    return 0 if summary["scopes"] else 1
