"""Command line: a thin shell over the same functions the Azure Function calls."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from copilot_usage import __version__
from copilot_usage.settings import ConfigError, Settings

Handler = Callable[[argparse.Namespace], int]


def _config_check(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    width = max(len(name) for name, _ in settings.describe())
    for name, value in settings.describe():
        source = settings.sources.get(name.upper(), "")
        note = f"  (from {source})" if source and source != name.upper() else ""
        print(f"{name.ljust(width)}  {value}{note}")
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


# Each entry adds one sub-command; kept as a list so feature modules register themselves in one line.
_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
