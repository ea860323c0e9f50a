"""`copilot-usage report --format html` from a store filled by a real run, rendered by headless Chromium."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from copilot_usage import report, report_html
from copilot_usage.charts import PALETTE
from copilot_usage.run import run
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, clock, settings_for

START = SIM_TODAY - dt.timedelta(days=8)
LAST_DAY = SIM_TODAY - dt.timedelta(days=2)
SCOPES = {f"organization:{ORGS[0]}", f"organization:{ORGS[1]}", f"enterprise:{ENT}"}
WINDOW = (1280, 2400)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing: scripts/install-tools.sh installs it in CI")
    pytest.skip("chromium is not installed (scripts/install-tools.sh installs it when CI=true)")


def chromium_args(tmp: Path) -> list[str]:
    profile = tmp / "chromium-profile"
    profile.mkdir()
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", "--disable-quic", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}"]


class Sections(HTMLParser):
    """Every `data-section` with its `data-items`, per scope heading, and every chart's `data-points`."""

    def __init__(self) -> None:
        super().__init__()
        self.scopes: dict[str, dict[str, int]] = {}
        self.points: list[int] = []
        self.fetching: list[str] = []
        self._scope = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-scope" in a:
            self._scope = a["data-scope"] or ""
            self.scopes[self._scope] = {}
        if "data-section" in a:
            self.scopes[self._scope][a["data-section"] or ""] = int(a.get("data-items") or 0)
        if tag == "svg" and "data-points" in a:
            self.points.append(int(a["data-points"] or 0))
        if tag in ("script", "link", "img", "iframe", "object", "embed") or "src" in a or "href" in a:
            self.fetching.append(tag)


def parse_sections(text: str) -> Sections:
    parser = Sections()
    parser.feed(text)
    return parser


@pytest.fixture
def filled(es, engine_url, prefix):
    with SimulatorServer(World(sim_config(days=10, users=60, teams=3))) as server:
        summary = run(settings_for(server, engine_url, prefix, BACKFILL_START=START.isoformat()), es=es,
                      now=clock(NOW))
        assert summary.ok, summary.errors
        yield server


def test_html_report_renders_in_chromium_with_data_in_every_section(filled, engine_url, prefix, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    page = tmp_path / "report.html"
    args = parser.parse_args(["--format", "html", "--output", str(page), "--since", START.isoformat()])
    assert report.run(args, {"ELASTICSEARCH_URL": engine_url, "INDEX_PREFIX": prefix}) == 0
    assert capsys.readouterr().out.strip() == f"report written to {page.resolve()}"

    text = page.read_text(encoding="utf-8")
    # Self-contained: nothing to fetch when it is opened, and a policy that forbids fetching anyway.
    found = parse_sections(text)
    assert found.fetching == []
    assert "default-src 'none'" in text
    assert not re.search(r"url\(|@import", text)
    assert set(found.scopes) == SCOPES
    for scope, sections in found.scopes.items():
        assert tuple(sections) == report_html.SECTIONS, scope
        empty = [name for name, items in sections.items() if items <= 0]
        assert not empty, f"{scope}: sections without data: {empty}"
    assert found.points
    assert min(found.points) > 0
    assert f"{START.isoformat()} to {LAST_DAY.isoformat()}" in text

    # Chromium's DOM after loading the file: the same sections, all with data.
    dom = subprocess.run([*chromium_args(tmp_path), "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    rendered = parse_sections(dom)
    assert rendered.scopes == found.scopes

    # The screenshot is a page, not a blank: mostly background, but many colours, the charts' among them.
    shot = tmp_path / "report.png"
    second = tmp_path / "screenshot"
    second.mkdir()
    subprocess.run([*chromium_args(second), f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    with Image.open(shot) as image:
        assert image.size == WINDOW
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        background = max(colours)[1]
        painted = sum(count for count, colour in colours if colour != background)
        assert painted / (WINDOW[0] * WINDOW[1]) > 0.2, "the page is (nearly) blank"
        assert len(colours) > 200
        used = {colour for _, colour in colours}
        chart_colours = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in PALETTE[:3]}
        assert chart_colours <= used, "the charts' bars and lines were not painted"


@pytest.mark.parametrize(("argv", "message"), [
    (["--since", "2026-11-10", "--until", "2026-11-01"], "--until must not be before --since"),
    (["--output", "/nonexistent-folder/r.html"], "--output: the folder of /nonexistent-folder/r.html does not exist"),
])
def test_bad_options_are_refused_before_anything_is_read(argv, message, capsys):
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    # An engine address nothing listens on: the command must stop before it would try it.
    env = {"ELASTICSEARCH_URL": "http://127.0.0.1:9", "INDEX_PREFIX": "x_"}
    assert report.run(parser.parse_args(["--format", "html", *argv]), env) == 2
    assert message in capsys.readouterr().err
