"""The committed generated files (dashboards, provisioning, docs) are exactly what the generator writes."""

from __future__ import annotations

from pathlib import Path

from dashboards.__main__ import DEFAULT_OUT, main
from dashboards.registry import DASHBOARDS, outputs

ROOT = Path(__file__).resolve().parents[2]


def test_default_output_is_the_repository() -> None:
    assert DEFAULT_OUT == ROOT


def test_committed_files_match_generator() -> None:
    stale = [path for path, text in outputs().items()
             if not (ROOT / path).is_file() or (ROOT / path).read_text(encoding="utf-8") != text]
    assert not stale, f"regenerate with `python -m dashboards`: {stale} differ from the generator"


def test_no_stray_dashboard_files() -> None:
    assert {p.name for p in (ROOT / "grafana" / "dashboards").glob("*.json")} == set(DASHBOARDS)


def test_generator_is_deterministic_and_writes_every_file(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 0
    first = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main([str(tmp_path)]) == 0
    again = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert again == first
    assert set(first) == set(outputs())
