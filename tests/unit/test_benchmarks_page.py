"""docs/benchmarks.md is what `python benchmarks/run.py --docs-only` makes of the committed results, and the
pure helpers behind its verdicts say what they should. The benchmarks themselves are not run here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import results  # noqa: E402 - benchmarks/ is a folder of scripts, not a package
import scenarios  # noqa: E402


def test_the_page_is_generated_from_the_committed_results():
    found = results.load_all(BENCH / "results", list(scenarios.SCENARIOS))
    assert {r["scenario"] for r in found} == set(scenarios.SCENARIOS)  # every scenario has a result
    notes = (BENCH / "notes.md").read_text()
    page = (BENCH.parent / "docs" / "benchmarks.md").read_text()
    assert page == results.markdown(found, notes), "regenerate with: python benchmarks/run.py --docs-only"


def test_a_target_says_whether_it_was_met_and_by_how_much_it_was_missed():
    assert scenarios.target("requests", 26, 30, "requests", at_most=True)["met"] is True
    over = scenarios.target("wall", 765, 600, "s", at_most=True)
    assert (over["met"], over["missed_by_factor"]) == (False, 1.27)
    under = scenarios.target("rate", 1250, 5000, "docs/s", at_most=False)
    assert (under["met"], under["missed_by_factor"]) == (False, 4.0)
    assert scenarios.target("zero", 0, 0, "answers", at_most=True)["met"] is True


def test_extrapolation_scales_report_requests_and_day_documents_but_not_snapshots():
    run = {"github_api_requests": 700, "requests_by_route": {"users-1-day": 150, "organization-1-day": 150,
                                                            "user-teams-1-day": 150, "copilot-seats": 250},
           "documents_by_index": {"user_daily": 3000, "seats": 1000, "ingestion_log": 30}}
    x = scenarios.extrapolate(run, 3, 90)
    assert x["per_run_requests"] == 250
    assert x["github_api_requests"] == 250 + 450 * 30
    assert x["documents"] == 1030 + 3000 * 30


@pytest.mark.parametrize(("single", "expect_scaling"), [(90.0, True), (450.0, False)])
def test_the_ingestion_verdict_scales_the_bar_only_for_a_slower_engine(single, expect_scaling):
    result = {"bulk_speedup_over_one_at_a_time": 10.0,
              "end_to_end": {"docs_per_second": 600.0, "documents_new": 60000, "cpu_seconds": 10.0},
              "bulk_writer": {"docs_per_second": 900.0},
              "one_at_a_time_read_then_write": {"docs_per_second": single}}
    text = results._ingestion_verdict(result)
    assert "not the collector" in text  # 6,000 docs per collector CPU second clears the bar; the engine does not
    assert ("scaled alike" in text) is expect_scaling
