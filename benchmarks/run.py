"""Run the benchmarks and regenerate docs/benchmarks.md: `python benchmarks/run.py [--scenario NAME ...] [--quick]`.

Each scenario writes benchmarks/results/<scenario>[-quick].json; the Markdown page is rebuilt from every
result file present, so scenarios can be re-run one at a time. Scripts, not tests: CI does not run them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the test engines (tests/engines) and dashboards packages

import harness  # noqa: E402
import machine  # noqa: E402
import results  # noqa: E402
import scenarios  # noqa: E402

RESULTS = HERE / "results"
DOC = HERE.parent / "docs" / "benchmarks.md"
NOTES = HERE / "notes.md"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(scenarios.SCENARIOS),
                        help="run only this scenario (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller variants that finish in minutes")
    parser.add_argument("--docs-only", action="store_true", help="only rebuild docs/benchmarks.md from results")
    parser.add_argument("--engine", choices=("elasticsearch", "opensearch", "osmem"), default="elasticsearch",
                        help="the engine to run against (default: a real Elasticsearch node, from "
                             "scripts/install-tools.sh); results are kept per engine")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    chosen = args.scenario or list(scenarios.SCENARIOS)
    harness.ENGINE = args.engine
    if not args.docs_only:
        with tempfile.TemporaryDirectory(prefix="copilot-bench-") as work:
            for name in chosen:
                command = (f"{results.COMMAND} --scenario {name} --engine {args.engine}"
                           + (" --quick" if args.quick else ""))
                print(f"bench: {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
                before = machine.describe()
                started = time.perf_counter()
                result = scenarios.SCENARIOS[name](args.quick, Path(work))
                result.update(scenario=name, quick=args.quick, command=command, machine=before,
                              engine=dict(harness.ENGINE_INFO) or {"kind": args.engine},
                              elapsed_seconds=round(time.perf_counter() - started, 1),
                              finished_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
                path = results.save(result, RESULTS)
                print(f"bench: {name} done in {result['elapsed_seconds']} s -> {path}", file=sys.stderr, flush=True)
    notes = NOTES.read_text() if NOTES.exists() else ""
    DOC.write_text(results.markdown(results.load_all(RESULTS, list(scenarios.SCENARIOS)), notes))
    print(f"bench: wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
