"""docs/dashboards.md names every panel, and the classic-name mapping points at panels that exist."""

from __future__ import annotations

from dashboards import main, original
from dashboards.build import described
from dashboards.docs import CLASSIC, render


def test_every_panel_is_documented_with_its_index() -> None:
    text = render()
    lines = text.splitlines()
    for row in [*main.rows(), *original.rows()]:
        assert f"### {row.title}" in lines
        for p in row.panels:
            start = f"| {p.title} | {described(p).replace('|', chr(92) + '|')} | `{p.index.key}` |"
            assert any(x.startswith(start) for x in lines), p.title


def test_classic_mapping_points_at_existing_panels() -> None:
    rows = {r.title: {p.title for p in r.panels} for r in main.rows()}
    originals = {r.title for r in original.rows()}
    for old, new in CLASSIC:
        if old.startswith("Original: "):
            assert old.removeprefix("Original: ") in originals, old
            continue
        row, _, titles = new.partition(" / ")
        assert row in rows, (old, row)
        for title in titles.split(", "):
            assert title in rows[row], (old, title)
