"""`copilot-usage simulate`: run the GitHub API simulator until Ctrl-C.

Prints the base URL and the scope slugs as environment assignments, so a collector can be pointed at it:
GITHUB_API_URL, ORGANIZATION_SLUGS, ENTERPRISE_SLUGS (and GITHUB_PAT when no token is required).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from copilot_usage.simulator.config import (
    GITHUB_2026_LAG_DAYS,
    GITHUB_2026_WEEKEND_EXTRA_DAYS,
    NO_DATA_ANSWERS,
    SimConfig,
)
from copilot_usage.simulator.faults import Faults
from copilot_usage.simulator.server import SimulatorServer
from copilot_usage.simulator.world import ENTERPRISE, ORGANIZATION, World


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SimConfig(today=dt.date(2000, 1, 1))  # today is filled in at run time
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=_non_negative, default=8787, help="port (0 = any free port; default 8787)")
    parser.add_argument("--orgs", type=int, default=defaults.orgs, help="number of organizations")
    parser.add_argument("--enterprises", type=int, default=defaults.enterprises, help="number of enterprises")
    parser.add_argument("--users", type=int, default=defaults.users, help="number of users")
    parser.add_argument("--teams", type=int, default=defaults.teams, help="number of teams over all orgs")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the synthetic data")
    parser.add_argument("--today", type=_date, default=None, help="the simulated UTC date (default: today)")
    parser.add_argument("--days", type=int, default=defaults.days, help="days of history GitHub keeps")
    parser.add_argument("--records-per-file", type=int, default=defaults.records_per_file,
                        help="rows per report file before a report is split into parts")
    parser.add_argument("--no-data-answer", choices=NO_DATA_ANSWERS, default=defaults.no_data_answer,
                        help="how a day without a report is answered: 204, an empty 200, or 404 (default 204)")
    # The standalone simulator waits like GitHub in late 2026 (§11.5); tests build SimConfig and keep today-2.
    parser.add_argument("--report-lag-days", type=int, default=GITHUB_2026_LAG_DAYS,
                        help="a day's reports are served this many days after it (default %(default)s, as GitHub)")
    parser.add_argument("--weekend-extra-days", type=int, default=GITHUB_2026_WEEKEND_EXTRA_DAYS,
                        help="days more when a weekend falls in that wait (default %(default)s, as GitHub)")
    parser.add_argument("--token", default=None,
                        help="require this token (default: any non-empty bearer token is accepted)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every request")
    parser.add_argument("--fail-rate", type=_rate, default=0.0, help="fraction of requests answered 5xx")
    parser.add_argument("--throttle-rate", type=_rate, default=0.0,
                        help="fraction of API requests answered 429 / secondary-limit 403")
    parser.add_argument("--retry-after", type=_non_negative, default=1, help="retry-after seconds when throttled")
    parser.add_argument("--truncate-rate", type=_rate, default=0.0, help="fraction of downloads cut short")
    parser.add_argument("--corrupt-rate", type=_rate, default=0.0,
                        help="fraction of downloads with bytes overwritten (length unchanged)")
    parser.add_argument("--rate-limit", type=int, default=None, help="primary rate limit per hour (default: none)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault sequence")


def build(args: argparse.Namespace) -> SimulatorServer:
    """The server `run` would serve (not started); raises ValueError naming a bad setting."""
    config = SimConfig(
        orgs=args.orgs, enterprises=args.enterprises, users=args.users, teams=args.teams, seed=args.seed,
        today=args.today or dt.datetime.now(dt.UTC).date(), days=args.days,
        records_per_file=args.records_per_file, no_data_answer=args.no_data_answer,
        report_lag_days=args.report_lag_days, weekend_extra_days=args.weekend_extra_days,
    )
    if args.rate_limit is not None and args.rate_limit < 1:
        raise ValueError(f"--rate-limit must be at least 1, got {args.rate_limit}")
    if args.latency_ms < 0:
        raise ValueError(f"--latency-ms must be >= 0, got {args.latency_ms}")
    faults = Faults(latency_ms=args.latency_ms, fail_rate=args.fail_rate, throttle_rate=args.throttle_rate,
                    retry_after=args.retry_after, truncate_rate=args.truncate_rate, corrupt_rate=args.corrupt_rate,
                    rate_limit=args.rate_limit,
                    seed=args.fault_seed)
    return SimulatorServer(World(config), args.host, args.port, token=args.token, faults=faults)


def run(args: argparse.Namespace) -> int:
    try:
        server = build(args)
    except (ValueError, OSError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    world = server.world
    print(f"GitHub API simulator listening on {server.url} (today {world.today}, seed {world.config.seed})")
    print(f"GITHUB_API_URL={server.url}")
    print("ORGANIZATION_SLUGS=" + ",".join(s.slug for s in world.scopes(ORGANIZATION)))
    print("ENTERPRISE_SLUGS=" + ",".join(s.slug for s in world.scopes(ENTERPRISE)))
    print("token: " + ("the one given with --token" if args.token else "any non-empty token is accepted"))
    print("Press Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="copilot-usage simulate", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
