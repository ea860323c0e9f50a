"""Command line: a thin shell over the same functions the Azure Function calls."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from copilot_usage import __version__, defaults
from copilot_usage.settings import COMMAND_PARTS, LOG_LEVELS, ConfigError, Settings

Handler = Callable[[argparse.Namespace], int]
logger = logging.getLogger("copilot_usage.cli")


def _settings_or_none(command: str) -> Settings | None:
    """The parts of the settings `command` uses (settings.COMMAND_PARTS) from the environment, with their secrets
    resolved (Key Vault when KEY_VAULT_URI is set); or None after saying clearly what is wrong (configuration or
    Key Vault)."""
    from copilot_usage.secrets import SecretError, read_settings

    try:
        return read_settings(COMMAND_PARTS[command])
    except (ConfigError, SecretError) as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return None


def _print_summary(summary: Any, stream: Any = sys.stdout) -> None:
    data = summary.to_dict()
    print(f"run {'OK' if data['ok'] else 'FAILED'} in {data['duration_seconds']:.1f} s", file=stream)
    print(f"  tasks: {data['tasks_run']} run of {data['tasks_planned']} planned", file=stream)
    days = ", ".join(f"{k} {v}" for k, v in sorted(data["days"].items())) or "none"
    print(f"  days: {days}", file=stream)
    print(f"  records: {data['records']} read, {data['rejected_records']} set aside", file=stream)
    for reason, seen in list(data.get("rejected_reasons", {}).items())[:20]:
        print(f"    {seen['count']} x {reason} (e.g. {seen['example']})", file=stream)
    docs = ", ".join(f"{k} {v}" for k, v in sorted(data["documents"].items())) or "none"
    print(f"  documents written: {data['documents_total']} ({docs})", file=stream)
    gh = data["github"]
    print(
        f"  GitHub: {gh.get('api_requests', 0)} API requests, {gh.get('downloads', 0)} downloads, "
        f"{gh.get('retries', 0)} retries",
        file=stream,
    )
    if data["stopped"]:
        print(f"  stopped early: {data['stopped']} (the next run continues)", file=stream)
    for change in data["mapping_changes"]:
        print(f"  mapping: {change}", file=stream)
    for error in data["errors"]:
        print(f"  error: {error}", file=stream)


def parse_interval(text: str) -> float:
    """'90s', '30m', '1h', '1.5h' or plain hours -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"interval must look like 30m, 1h or 90s, got {text!r}")
    value = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "": 3600}[match.group(2)]
    if value < 1:
        raise argparse.ArgumentTypeError("interval must be at least one second")
    return value


def _collect(args: argparse.Namespace) -> int:
    from copilot_usage.tracked_run import tracked_run

    settings = _settings_or_none("collect")
    if settings is None:
        return 2
    every = args.every
    if every is None and args.loop:
        every = settings.schedule.interval_hours * 3600
    while True:
        summary = tracked_run(settings, "collect")
        _print_summary(summary)
        if every is None:
            return 0 if summary.ok else 1
        logger.info("next run in %.0f s", every)
        time.sleep(every)


def _backfill(args: argparse.Namespace) -> int:
    from copilot_usage.run import Backfill
    from copilot_usage.tracked_run import tracked_run

    settings = _settings_or_none("backfill")
    if settings is None:
        return 2
    if args.end < args.start:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    summary = tracked_run(settings, "backfill", backfill=Backfill(args.start, args.end, args.force))
    _print_summary(summary)
    return 0 if summary.ok else 1


def _status(args: argparse.Namespace) -> int:
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.store.ingestion_log import freshness

    settings = _settings_or_none("status")
    if settings is None:
        return 2
    rows = freshness(client_from_settings(settings.store), settings.store.index_prefix)
    if args.json:
        from copilot_usage.script_formats import status_json

        print(status_json(rows))
        return 0
    if not rows:
        print("no ingestion log yet: run `copilot-usage collect` first")
        return 1
    print(_table(rows))
    for row in rows:
        if row.get("new_fields"):
            print(f"new field seen: {row['new_fields']} in report {row['report']} ({row['scope_type']} "
                  f"{row['scope']}): kept in the raw archive; an upgrade and `reprocess` bring it in")
    return 0


def _table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0].keys())
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _import(args: argparse.Namespace) -> int:
    from copilot_usage.import_plan import Target
    from copilot_usage.importer import import_files
    from copilot_usage.progress import Tracker
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.store.templates import ensure_indices

    try:
        targets = [Target.parse(text) for text in args.scope]
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    settings = _settings_or_none("import")
    if settings is None:
        return 2
    es = client_from_settings(settings.store)
    ensure_indices(es, settings.store.index_prefix)
    tracker = Tracker("import")
    try:
        result = import_files(
            es, settings.store.index_prefix, targets, args.files, args.report, teams_paths=args.teams or [],
            privacy=settings.privacy, progress=tracker,
        )
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        tracker.close()
    print(
        f"imported {result.files} files: {result.records} records, {result.documents} documents, "
        f"{result.rejected} rejected, {result.malformed} malformed lines, {len(result.days)} report days"
    )
    for scope, days in sorted(result.scope_days.items()):
        print(f"  {scope}: {len(days)} report days")
    for line in result.rejections.lines()[:20]:
        print(f"  set aside: {line}")
    for error in result.errors[:20]:
        print(f"  error: {error}", file=sys.stderr)
    return 0 if not result.errors else 1


def _simulate(args: argparse.Namespace) -> int:
    from copilot_usage.simulator import cli as simulator_cli

    return simulator_cli.run(args)


def _register_collect(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    collect = commands.add_parser("collect", help="one collection run (plan, fetch, store); --every to repeat")
    collect.add_argument("--every", type=parse_interval, default=None, help="repeat every interval (30m, 1h)")
    collect.add_argument(
        "--loop", action="store_true", help="repeat every EXECUTION_INTERVAL_HOURS (default 1 hour)"
    )
    collect.set_defaults(handler=_collect)

    backfill = commands.add_parser("backfill", help="fetch an explicit range of days")
    backfill.add_argument("--from", dest="start", type=dt.date.fromisoformat, required=True, metavar="YYYY-MM-DD")
    backfill.add_argument("--to", dest="end", type=dt.date.fromisoformat, required=True, metavar="YYYY-MM-DD")
    backfill.add_argument("--force", action="store_true", help="fetch days already complete again")
    backfill.set_defaults(handler=_backfill)

    status = commands.add_parser("status", help="freshness and gaps per scope and report")
    status.add_argument("--json", action="store_true", help="print JSON for scripts")
    status.set_defaults(handler=_status)

    importer = commands.add_parser("import", help="ingest report files exported from GitHub or downloaded earlier")
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument("--scope", required=True, action="append", metavar="SCOPE",
                          help="org:NAME or enterprise:NAME; org:NAME=ID (repeatable) sends the records whose "
                               "organization_id / enterprise_id is ID there (files holding several entities)")
    importer.add_argument("--report", choices=None, default=None, help="report kind (inferred when omitted)")
    importer.add_argument("--teams", nargs="*", type=Path, metavar="FILE", help="user-teams files for users files")
    importer.set_defaults(handler=_import)

    from copilot_usage import demo, report, reprocess

    report_parser = commands.add_parser("report", help="summary of what is stored (table, JSON or CSV)")
    report.add_arguments(report_parser)
    report_parser.set_defaults(handler=report.run)

    demo_parser = commands.add_parser("demo", help="simulated GitHub + bundled engine + a real collection")
    demo.add_arguments(demo_parser)
    demo_parser.set_defaults(handler=demo.run)

    reprocess_parser = commands.add_parser(reprocess.COMMAND, help="re-shape archived raw reports into Elasticsearch")
    reprocess.add_arguments(reprocess_parser)
    reprocess_parser.set_defaults(handler=reprocess.run)

    simulate = commands.add_parser("simulate", help="serve a simulated GitHub Copilot API on loopback")
    from copilot_usage.simulator import cli as simulator_cli

    simulator_cli.add_arguments(simulate)
    simulate.set_defaults(handler=_simulate)


def _register_features(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from copilot_usage.feature_commands import register

    register(commands)


def _config_check(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(parts=COMMAND_PARTS["config check"])
    except ConfigError as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    rows = settings.describe()
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print("\nconfiguration OK: " + ", ".join(str(s) for s in settings.scopes))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copilot-usage",
        description="Collect GitHub Copilot usage metrics reports, seats and billing into Elasticsearch.",
    )
    parser.add_argument("--version", action="version", version=f"copilot-usage {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = commands.add_parser("config", help="inspect the configuration")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_commands.add_parser("check", help="print the effective configuration (secrets masked)")
    check.set_defaults(handler=_config_check)

    for register in _COMMANDS:
        register(commands)
    return parser


def _register_doctor(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from copilot_usage import doctor

    parser = commands.add_parser("doctor", help="check the credential, permissions, policies, Key Vault and engine")
    doctor.add_arguments(parser)
    parser.set_defaults(handler=doctor.run)


# Each entry adds one sub-command; kept as a list so feature modules register themselves in one line.
_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    _register_collect, _register_doctor, _register_features]


def configure_logging() -> None:
    """LOG_LEVEL for our loggers; HTTP libraries only speak up at WARNING (at INFO they log every request)."""
    import os

    level = os.environ.get("LOG_LEVEL", defaults.LOG_LEVEL).strip().upper()
    level = level if level in LOG_LEVELS else defaults.LOG_LEVEL
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        for noisy in ("elastic_transport", "urllib3", "azure"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging()
    handler: Handler = args.handler
    from copilot_usage.store.errors import StoreError

    try:
        return handler(args)
    except StoreError as exc:
        # An unreachable or refusing engine is an operating condition, not a bug: one line, never a traceback.
        # The message names the engine by its credential-free address (store/errors.py).
        print(f"elasticsearch: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
