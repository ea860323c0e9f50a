"""Results on disk (one JSON file per scenario and variant) and the Markdown page made from all of them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

COMMAND = "python benchmarks/run.py"
INGESTION_BAR = 5000  # documents per second, issue 9
# Issue 9: "writing one document at a time with a read before each write reaches about 400/s there".
ONE_AT_A_TIME_REFERENCE = 400


def engine_of(result: dict[str, Any]) -> dict[str, str]:
    """The engine a result was measured on; results from before engines were a choice ran on osmem-server."""
    return result.get("engine") or {"kind": "osmem-server", "version": str(result["machine"].get("osmem_server"))}


def engine_label(result: dict[str, Any]) -> str:
    engine = engine_of(result)
    names = {"elasticsearch": "Elasticsearch", "opensearch": "OpenSearch", "osmem-server": "osmem-server"}
    return f"{names.get(engine['kind'], engine['kind'])} {engine.get('version', '')}".strip()


def result_name(scenario: str, quick: bool, engine: str = "osmem-server") -> str:
    suffix = "" if engine in ("osmem", "osmem-server") else f"-{engine}"
    return f"{scenario}{'-quick' if quick else ''}{suffix}.json"


def save(result: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / result_name(result["scenario"], result["quick"], engine_of(result)["kind"])
    path.write_text(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
    return path


def load_all(directory: Path, order: list[str]) -> list[dict[str, Any]]:
    """Every saved result, in scenario `order`, full runs before their --quick variants."""
    found = [json.loads(p.read_text()) for p in directory.glob("*.json")]
    rank = {name: i for i, name in enumerate(order)}
    # Real engines first within a scenario: they are the figures that describe a deployment.
    return sorted(found, key=lambda r: (rank.get(r["scenario"], len(rank)), r["quick"],
                                        engine_of(r)["kind"] == "osmem-server"))


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return lines


def _targets(result: dict[str, Any]) -> list[str]:
    if not result["targets"]:
        return []
    rows = [[t["name"], t["target"], t["measured"],
             "met" if t["met"] else f"**missed** (×{t['missed_by_factor']})"] for t in result["targets"]]
    return [*_table(["target", "bar", "measured", "result"], rows), ""]


def _run_rows(label: str, run: dict[str, Any]) -> list[Any]:
    return [label, run["wall_seconds"], run["github_api_requests"], run["downloads"], run["documents_new"],
            run["docs_per_second"], run["peak_rss_mb"], run["cpu_seconds"], _docs_per_cpu_second(run)]


def _docs_per_cpu_second(run: dict[str, Any]) -> float:
    """What the collector itself could sustain: documents per second of its own CPU time."""
    return round(run["documents_new"] / run["cpu_seconds"]) if run["cpu_seconds"] else 0


RUN_HEADER = ["run", "wall s", "API requests", "downloads", "documents written", "docs/s", "collector peak RSS MB",
              "collector CPU s", "docs per collector CPU s"]


def _ingestion_verdict(result: dict[str, Any]) -> str:
    """Which side limits ingestion, from the figures themselves."""
    e2e, bulk = result["end_to_end"], result["bulk_writer"]
    own = _docs_per_cpu_second(e2e)
    text = (f"Bulk is {result['bulk_speedup_over_one_at_a_time']}× one-at-a-time on this engine. End to end reaches "
            f"{e2e['docs_per_second'] / bulk['docs_per_second']:.0%} of what the engine accepts from BulkWriter "
            f"alone, and the collector's own CPU time would allow {own:,} documents per second per core.")
    if bulk["docs_per_second"] < INGESTION_BAR <= own:
        text += " The bundled test engine, not the collector, is what keeps ingestion under the bar."
    single = result["one_at_a_time_read_then_write"]["docs_per_second"]
    if single < ONE_AT_A_TIME_REFERENCE:
        text += (f" One at a time reaches {single:,.0f}/s here against the about {ONE_AT_A_TIME_REFERENCE}/s the bar "
                 f"was set with, so this machine's engine is about {ONE_AT_A_TIME_REFERENCE / single:.1f}× slower; "
                 f"scaled alike, the bar would be about {INGESTION_BAR * single / ONE_AT_A_TIME_REFERENCE:,.0f}/s.")
    return text


def _shaping_verdict(result: dict[str, Any]) -> str:
    rows = [f"{name}: {s['documents'] / max(s['records'], 1):.1f} documents per record"
            for name, s in result["stages"].items() if name.startswith("UsersShaper")]
    return ("Documents built per user-day record — " + "; ".join(rows) + ". Joining teams multiplies the output "
            "(team_daily and team_breakdown for every team of every user), which is where the extra time goes.")


def _section(result: dict[str, Any]) -> list[str]:
    name = result["scenario"] + (" (--quick)" if result["quick"] else "") + " on " + engine_label(result)
    lines = [f"### {name}", "", f"Command: `{result['command']}` — measured {result['finished_at']}, "
             f"{result['elapsed_seconds']} s on {result['machine']['nproc']} CPUs ({result['machine']['cpu_model']}); "
             f"load average before {result['machine']['load_average']}.", "",
             "Configuration: `" + json.dumps(result["config"], sort_keys=True) + "`", ""]
    lines += _targets(result)
    kind = result["scenario"]
    if kind == "steady":
        b = result["backfill"]
        lines += [f"Untimed backfill first: {b['wall_seconds']} s, {b['github_api_requests']} API requests, "
                  f"{b['downloads']} downloads, {b['documents_written']:,} documents.", ""]
        lines += _table(["hour after backfill", "wall s", "API requests", "downloads", "documents written"],
                        [[r["hour"], r["wall_seconds"], r["github_api_requests"], r["downloads"],
                          r["documents_written"]] for r in result["hourly_runs"]])
    elif kind in ("year-backfill", "large", "large-full"):
        lines += _table(RUN_HEADER, [_run_rows("collector process", result["run"])])
        engine_rss = result["run"].get("engine_peak_rss_mb")
        if engine_rss and engine_of(result)["kind"] == "osmem-server":
            lines += ["", f"The engine's own peak memory (osmem-server keeps every document in RAM): "
                      f"{engine_rss:,.0f} MB for {result['run']['documents_in_store']:,} documents."]
        elif engine_rss:
            lines += ["", f"The engine's process peaked at {engine_rss:,.0f} MB resident (JVM heap "
                      f"{engine_of(result).get('heap', '?')}) for {result['run']['documents_in_store']:,} documents."]
        lines += _disk_and_latency(result)
        if kind == "large-full":
            c = result["concurrency"]
            lines += ["", f"Hourly runs a personal access token needs for this backfill (5,000 requests an hour, "
                      f"reserve 100): {result['hourly_pat_runs_needed']}. MAX_CONCURRENCY "
                      f"{c['max_concurrency_setting']}; requests in flight on average at least "
                      f"{c['average_in_flight_at_least']}."]
        if kind == "large":
            c = result["concurrency"]
            lines += ["", f"Concurrency: MAX_CONCURRENCY {c['max_concurrency_setting']} (default); requests in "
                      f"flight on average at least {c['average_in_flight_at_least']} (summed injected latency over "
                      f"wall time), request rate {result['run']['api_requests_per_second']} API requests/s."]
            x = result["extrapolated_90_days"]
            lines += ["", f"Extrapolated to 90 days ({x['method']}): about {x['github_api_requests']:,} API "
                      f"requests and {x['documents']:,} documents (not run)."]
    elif kind == "budget-spread":
        lines += _table(["run (an hour apart)", "ok", "stopped", "wall s", "API requests", "rate-limited answers",
                         "documents written", "days failed"],
                        [[r["run"], r["ok"], r["stopped"] or "finished", r["wall_seconds"], r["github_api_requests"],
                          r["rate_limited_answers"], r["documents_written"], r["days_failed"]]
                         for r in result["runs"]])
        t = result["summary"]
        lines += ["", f"{t['github_api_requests']:,} API requests over {t['runs']} runs; {t['report_days_expected']:,} "
                  f"report days expected, {t['report_days_missing']} missing and {t['report_days_failed']} failed at "
                  f"the end; {t['documents_in_store']:,} documents (engine peak {t['engine_peak_rss_mb']:,.0f} MB)."]
    elif kind == "shaping":
        lines += _table(["stage", "records", "documents", "CPU s", "records/s/core", "documents/s/core"],
                        [[stage, s["records"], s["documents"], s["cpu_seconds"], s["records_per_second_per_core"],
                          s["documents_per_second_per_core"]] for stage, s in result["stages"].items()])
        lines += ["", _shaping_verdict(result)]
    elif kind == "demo":
        r = result["run"]
        lines += _table(["exit code", "wall s", "collection s", "summary s", "API requests", "documents written",
                         "demo process peak RSS MB (engine not included)"],
                        [[r["exit_code"], r["wall_seconds"], r["collect_seconds"], r["summary_seconds"],
                          r["github_api_requests"], r["documents_written"], r["peak_rss_mb_demo_process"]]])
    elif kind == "ingestion":
        lines += _table(RUN_HEADER, [_run_rows("end to end (collector process)", result["end_to_end"])])
        o = result["one_at_a_time_read_then_write"]
        default = result["bulk_writer"]["default_size"]
        rows = [[f"BulkWriter, {size} documents per request" + (" (the default)" if int(size) == default else ""),
                 r["documents"], r["wall_seconds"], r["docs_per_second"]]
                for size, r in sorted(result["bulk_sizes"].items(), key=lambda item: int(item[0]))]
        rows.append(["one at a time, GET before each PUT", o["documents"], o["wall_seconds"], o["docs_per_second"]])
        lines += ["", "Engine alone (a fresh engine, the same documents to a fresh set of indices each row):", "",
                  *_table(["engine alone", "documents", "wall s", "docs/s"], rows), "", _ingestion_verdict(result)]
    return [*lines, ""]


def _disk_and_latency(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    disk = result.get("disk")
    if disk:
        per = f", {disk['bytes_per_user_day']:,} bytes per user-day" if disk.get("bytes_per_user_day") else ""
        lines += ["", f"Size on disk (`_stats/store`, primaries, after a flush): {disk['store_mb']:,} MB for "
                  f"{disk['documents']:,} documents{per} ({disk['user_daily_documents']:,} user-days)."]
    latency = result.get("panel_latency")
    if latency:
        lines += ["", f"Dashboard query latency: {latency['queries']} panel and alert queries of both dashboards "
                  f"over the last 365 days, {latency['repeats']} rounds after a warm-up; median panel p95 "
                  f"{latency['median_p95_ms']} ms, worst p95 {latency['worst_p95_ms']} ms. The five slowest:", ""]
        lines += _table(["panel", "p50 ms", "p95 ms", "engine took p50 ms"],
                        [[row["panel"], row["p50_ms"], row["p95_ms"], row["engine_took_p50_ms"]]
                         for row in latency["slowest"]])
    return lines


def markdown(results: list[dict[str, Any]], notes: str) -> str:
    """The whole docs/benchmarks.md (pure): machine, then one section per scenario result."""
    machines = {json.dumps({k: v for k, v in r["machine"].items() if k != "load_average"}, sort_keys=True)
                for r in results}
    lines = ["# Benchmarks", "", "Generated by `" + COMMAND + "` from `benchmarks/results/*.json`; do not edit "
             "the figures by hand. Run `" + COMMAND + " --help` for the options.", ""]
    lines += ["## Machine", ""]
    for machine in sorted(machines):
        m = json.loads(machine)
        lines += [f"- {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_mb']:,} MB memory, {m['platform']}",
                  f"- Python {m['python']}, osmem-server {m['osmem_server']}, elasticsearch client "
                  f"{m['elasticsearch_client']}"]
    lines += ["", notes.strip(), "", "## Targets at a glance", ""]
    lines += _table(["scenario", "engine", "target", "bar", "measured", "result"],
                    [[r["scenario"] + (" --quick" if r["quick"] else ""), engine_label(r), t["name"], t["target"],
                      t["measured"],
                      "met" if t["met"] else f"**missed** (×{t['missed_by_factor']})"]
                     for r in results for t in r["targets"]])
    lines += ["", "## Results", ""]
    for result in results:
        lines += _section(result)
    return "\n".join(lines).rstrip() + "\n"
