"""`copilot-usage demo`: simulator + bundled engine + the real collection, end to end on loopback."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from copilot_usage import demo, report_html
from tests.integration.test_report_html import parse_sections


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    return parser.parse_args(argv)


def test_demo_once_collects_and_every_section_has_real_numbers(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    page = tmp_path / "demo.html"
    # A fixed "today": the simulated world depends on the date, and 40 users over 5 days is a small sample
    # (on some dates one org has no CLI user at all).
    argv = ["--once", "--days", "5", "--users", "40", "--format", "json", "--today", "2026-11-20",
            "--html", str(page)]
    assert demo.run(parse(argv), out, err) == 0
    data = json.loads(out.getvalue())
    meta = data["demo"]
    assert meta["ok"], meta["errors"]
    assert meta["github_requests"] > 0
    assert meta["documents_written"] > 0
    assert meta["engine_url"].startswith("http://127.0.0.1:")
    scopes = {s["scope"].split(":")[0] for s in data["scopes"]}
    assert len(data["scopes"]) == 3
    assert scopes == {"organization", "enterprise"}
    for s in data["scopes"]:
        name = s["scope"]
        adoption = s["adoption"]
        assert adoption["monthly_active_users"] > 0, name
        assert adoption["engaged_users"] > 0, name
        assert 0 < adoption["acceptance_rate"] < 1, name
        for section in ("top_languages", "top_ides", "top_models"):
            assert s[section], (name, section)
            assert s[section][0]["code_generations"] > 0, (name, section)
        assert s["seat_waste"]["counted_seats"] > 0, name
        assert s["seat_waste"]["inactive_28d_seats"] is not None, name
        assert s["ai_credits_and_cli"]["ai_credits_used"] > 0, name
        assert s["ai_credits_and_cli"]["cli_requests"] > 0, name
        fresh = {f["report"]: f for f in s["freshness"]}
        assert fresh["aggregate"]["last_complete_day"] == s["until"], name
        assert all(f["failed_days"] == 0 for f in s["freshness"]), name
    assert "collected" in err.getvalue()
    assert {s["until"] for s in data["scopes"]} == {"2026-11-18"}  # --today reached the simulator and collector
    # The demo ends by writing the HTML report and saying where it is.
    assert meta["html_report"] == str(page.resolve())
    assert err.getvalue().rstrip().endswith(f"demo: HTML report written to {page.resolve()}")
    sections = parse_sections(page.read_text(encoding="utf-8")).scopes
    assert set(sections) == {s["scope"] for s in data["scopes"]}
    for scope, found in sections.items():
        assert tuple(found) == report_html.SECTIONS, scope
        assert all(items > 0 for items in found.values()), (scope, found)


def test_demo_without_once_prints_how_to_reach_the_engine_and_stops_on_ctrl_c(tmp_path):
    out, err = io.StringIO(), io.StringIO()

    def interrupt() -> None:  # stands in for the user pressing Ctrl-C while the endpoints are up
        raise KeyboardInterrupt

    argv = ["--days", "3", "--users", "20", "--html", str(tmp_path / "r.html")]
    assert demo.run(parse(argv), out, err, wait=interrupt) == 0
    text = err.getvalue()
    assert "Elasticsearch-compatible engine: http://127.0.0.1:" in text
    assert "-e ELASTICSEARCH_URL=http://127.0.0.1:" in text
    assert "grafana/provisioning:/etc/grafana/provisioning" in text
    assert "demo: stopped" in text
    assert "== enterprise:" in out.getvalue()


@pytest.mark.parametrize(("argv", "message"), [
    (["--days", "0"], "--days must be between 1 and 365"),
    (["--users", "0"], "--users must be between 1 and 100000"),
    (["--port-es", "70000"], "--port-es must be a port number"),
    (["--html", "/nonexistent-folder/report.html"], "--html: the folder of /nonexistent-folder/report.html does not"),
])
def test_demo_rejects_bad_options_before_starting_anything(argv, message):
    err = io.StringIO()
    assert demo.run(parse(["--once", *argv]), io.StringIO(), err) == 2
    assert message in err.getvalue()


def test_demo_rejects_a_today_that_is_not_a_date():
    with pytest.raises(SystemExit):
        parse(["--today", "01/12/2026"])
