"""`python -m dashboards [ROOT]`: write dashboards, provisioning and docs/dashboards.md under ROOT (the repo)."""

from __future__ import annotations

import sys
from pathlib import Path

from dashboards.registry import write_all

DEFAULT_OUT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    for path in write_all(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
