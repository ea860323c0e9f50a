"""`copilot-usage demo`: the whole product on one machine, with no credentials and no network.

Starts the GitHub API simulator and the bundled Elasticsearch-compatible engine (osmem-server) on loopback,
runs the real collection against both, prints the same summary as `copilot-usage report`, then keeps both
endpoints up (unless --once) so Grafana can be pointed at the engine.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from copilot_usage import defaults, report, report_data, report_html
from copilot_usage.model import ScopeType
from copilot_usage.settings import COMMAND_PARTS, Settings
from copilot_usage.simulator import SimConfig, SimulatorServer, World
from copilot_usage.store.writer import make_searchable

INDEX_PREFIX = defaults.INDEX_PREFIX
# The simulator accepts any bearer token; this one only has to look like a credential to Settings.
DEMO_TOKEN = "demo-token-for-the-local-simulator"  # noqa: S105 - not a secret: the simulator takes any token
# Sized so the bundled test engine (a few hundred to a few thousand documents per second on a small
# machine) finishes in a couple of minutes; --days/--users make it bigger.
DEFAULT_DAYS = 45
DEFAULT_USERS = 200


@dataclass(frozen=True)
class DemoOptions:
    days: int = DEFAULT_DAYS
    users: int = DEFAULT_USERS
    port_github: int = 0  # 0: any free port
    port_es: int = 0
    today: dt.date | None = None  # None: the current UTC day


def demo_env(github_url: str, engine_url: str, world: World, days: int) -> dict[str, str]:
    """The environment a collector would have, pointing at the two local endpoints (pure)."""
    orgs = [s.slug for s in world.scopes(ScopeType.ORGANIZATION.value)]
    enterprises = [s.slug for s in world.scopes(ScopeType.ENTERPRISE.value)]
    today = world.today
    return {
        "GITHUB_PAT": DEMO_TOKEN,
        "GITHUB_API_URL": github_url,
        "ORGANIZATION_SLUGS": ",".join(orgs),
        "ENTERPRISE_SLUGS": ",".join(enterprises),
        "ELASTICSEARCH_URL": engine_url,
        "INDEX_PREFIX": INDEX_PREFIX,
        "COPILOT_USAGE_TODAY": today.isoformat(),
        # Only the days the simulated world has: older days would cost requests that answer "no data".
        "BACKFILL_START": (today - dt.timedelta(days=days - 1)).isoformat(),
    }


@contextmanager
def endpoints(options: DemoOptions) -> Iterator[tuple[SimulatorServer, Any]]:
    """The simulator (2 orgs + 1 enterprise) and the engine, both on 127.0.0.1, stopped on exit."""
    from osmem_server import OsmemServer

    config = SimConfig(orgs=2, enterprises=1, users=options.users, teams=12, days=options.days)
    if options.today:
        config = dataclasses.replace(config, today=options.today)
    engine = OsmemServer.start(japanese=False, addr=f"127.0.0.1:{options.port_es}" if options.port_es else None)
    try:
        with SimulatorServer(World(config), port=options.port_github) as github:
            yield github, engine
    finally:
        engine.close()


def collect_and_summarize(github: SimulatorServer, engine_url: str, days: int,
                          clock: Callable[[], float] = time.perf_counter, html_path: Path | None = None,
                          progress: TextIO | None = None) -> dict[str, Any]:
    """Run the real collection, then summarize; the `demo` key says what it cost. With `html_path`, the HTML
    report (`copilot-usage report --format html`) is written there too. Progress goes to `progress` (a bar on
    a terminal, log lines otherwise)."""
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.tracked_run import tracked_run

    settings = Settings.from_env(demo_env(github.url, engine_url, github.world, days), COMMAND_PARTS["demo"])
    es = client_from_settings(settings.store)
    prefix = settings.store.index_prefix
    try:
        started = clock()
        summary = tracked_run(settings, "demo", es=es, stream=progress)
        collected = clock()
        make_searchable(es, prefix)
        data = report.summarize(es, prefix)
        finished = clock()
        if html_path is not None:
            charts = report_data.charts_for(es, prefix, copy.deepcopy(data))
            html_path.write_text(report_html.render(charts, dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
                                 encoding="utf-8")
    finally:
        es.close()
    run_data = summary.to_dict()
    data["demo"] = {
        "ok": run_data["ok"],
        "github_url": github.url,
        "engine_url": engine_url,
        "days": days,
        "collect_seconds": round(collected - started, 2),
        "summary_seconds": round(finished - collected, 2),
        "github_requests": run_data["github"].get("api_requests", 0),
        "documents_written": run_data["documents_total"],
        "errors": run_data["errors"],
        "html_report": str(html_path.resolve()) if html_path is not None else None,
    }
    return data


def grafana_help(engine_url: str) -> str:
    """How to see the dashboards: Grafana with this repository's provisioning, pointed at the engine.

    The engine listens on loopback only, so the container shares the host's network to reach it.
    """
    return "\n".join([
        f"Elasticsearch-compatible engine: {engine_url}  (indices {INDEX_PREFIX}*, no authentication)",
        "To see the dashboards, run Grafana with the provisioning from this repository (from its root):",
        f"  docker run --rm --network host -e ELASTICSEARCH_URL={engine_url} -e INDEX_PREFIX={INDEX_PREFIX} "
        "-e ELASTICSEARCH_USERNAME= -e ELASTICSEARCH_PASSWORD= "
        "-v $PWD/grafana/provisioning:/etc/grafana/provisioning:ro "
        "-v $PWD/grafana/dashboards:/var/lib/grafana/dashboards:ro grafana/grafana:12.4.0",
        "then open http://localhost:3000 (admin/admin). Press Ctrl-C to stop.",
    ])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="print the summary and exit")
    parser.add_argument("--port-github", type=int, default=0, help="simulator port (default: any free port)")
    parser.add_argument("--port-es", type=int, default=0, help="engine port (default: any free port)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"days of history (default {DEFAULT_DAYS})")
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help=f"simulated users (default {DEFAULT_USERS})")
    parser.add_argument("--format", choices=[f for f in report.FORMATS if f != "html"], default="table",
                        help="summary as table, json or csv")
    parser.add_argument("--html", type=Path, default=Path(report.DEFAULT_HTML_PATH), metavar="PATH",
                        help=f"where to write the HTML report (default {report.DEFAULT_HTML_PATH})")
    parser.add_argument("--today", type=_day, default=None,
                        help="the simulated 'today' as YYYY-MM-DD, for figures that repeat (default: the UTC date)")


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def _check(args: argparse.Namespace) -> list[str]:
    problems = []
    if not 1 <= args.days <= 365:
        problems.append(f"--days must be between 1 and 365, got {args.days}")
    if not 1 <= args.users <= 100_000:
        problems.append(f"--users must be between 1 and 100000, got {args.users}")
    for name in ("port_github", "port_es"):
        if not 0 <= getattr(args, name) <= 65535:
            problems.append(f"--{name.replace('_', '-')} must be a port number, got {getattr(args, name)}")
    html = getattr(args, "html", None)
    if html is not None and not html.resolve().parent.is_dir():
        problems.append(f"--html: the folder of {html} does not exist")
    return problems


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None,
        wait: Callable[[], None] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    problems = _check(args)
    if problems:
        print("demo: " + "; ".join(problems), file=err)
        return 2
    options = DemoOptions(days=args.days, users=args.users, port_github=args.port_github, port_es=args.port_es,
                          today=args.today)
    print(f"demo: starting the GitHub simulator and the engine, collecting {args.days} days ...", file=err)
    with endpoints(options) as (github, engine):
        data = collect_and_summarize(github, engine.url, args.days, html_path=args.html, progress=err)
        meta = data["demo"]
        print(f"demo: collected {meta['documents_written']:,} documents with {meta['github_requests']} GitHub "
              f"requests in {meta['collect_seconds']} s", file=err)
        for error in meta["errors"]:
            print(f"demo: error: {error}", file=err)
        if args.format == "json":
            print(json.dumps(data, indent=2, default=str), file=out)
        else:
            print(report.render(data, args.format), file=out)
        print(f"demo: HTML report written to {meta['html_report']}", file=err)
        if args.once:
            return 0 if meta["ok"] else 1
        print(f"GitHub simulator: {github.url}", file=err)
        print(grafana_help(engine.url), file=err)
        try:
            (wait or threading.Event().wait)()
        except KeyboardInterrupt:
            print("demo: stopped", file=err)
    return 0 if meta["ok"] else 1
