"""Finding the offline checkers, and what to do when one is missing.

Locally a missing checker skips its tests with a reason that says how to install it; in CI (env CI set)
the same absence fails, so a pipeline can never go green because a check silently did not run.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run scripts/install-tools.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(tool: str, hint: str) -> None:
    """Fail (CI) or skip (locally) because `tool` is not available."""
    message = f"{tool} is not available: {hint}"
    if in_ci():
        pytest.fail(f"{message} (CI is set, so a missing checker is an error)")
    pytest.skip(message)


def require_module(module: str, package: str) -> ModuleType:
    """Import a checker library of the dev extras, or fail (CI) / skip (locally) naming the package."""
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(package, "install the project's dev extras: pip install -e '.[dev]'")
        raise  # unreachable: missing() always raises


def checkov_bin() -> Path:
    """checkov lives in its own virtual environment (it pins an older pycep-parser than the project)."""
    configured = os.environ.get("CHECKOV_BIN")
    path = Path(configured) if configured else REPO / ".tools" / "checkov" / "bin" / "checkov"
    if not path.is_file():
        missing("checkov", f"expected at {path}; {INSTALL_HINT} or set CHECKOV_BIN")
    return path


def venv_tool(name: str, package: str) -> Path:
    """A console script installed next to the running interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    if found is None:
        missing(name, f"install the project's dev extras (pip install -e '.[dev]', package {package})")
    return Path(str(found))


def optional_tool(name: str) -> Path:
    """A tool the checks use only when present (never required, not even in CI)."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (optional; e.g. apt-get install {name})")
    return Path(found)


def run(args: list[str | Path], *, cwd: Path = REPO, env: dict[str, str] | None = None,
        timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
