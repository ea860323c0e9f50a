"""The HTML report's pure parts: SVG charts and the page, from hand-made numbers."""

from __future__ import annotations

import re

from copilot_usage import charts, report_html
from tests.integration.test_report_html import parse_sections


def scope(**changes):
    base = {
        "scope": "organization:acme", "since": "2026-11-01", "until": "2026-11-03",
        "adoption": {"days_reported": 3, "monthly_active_users": 12, "average_daily_active_users": 7.0,
                     "engaged_users": 10, "interactions": 300, "code_generations": 200, "code_acceptances": 50,
                     "acceptance_rate": 0.25},
        "top_languages": [{"name": "python", "code_generations": 120, "code_acceptances": 30}],
        "top_ides": [{"name": "vscode", "code_generations": 150, "code_acceptances": 40}],
        "top_models": [{"name": "gpt-5", "code_generations": 90, "code_acceptances": 20}],
        "seat_waste": {"snapshot_day": "2026-11-05", "counted_seats": 20, "never_used_seats": 2,
                       "inactive_28d_seats": 5, "unused_share": 0.25},
        "ai_credits_and_cli": {"ai_credits_used": 4.5, "peak_daily_ai_credit_users": 2, "peak_daily_cli_users": 3,
                               "cli_sessions": 9, "cli_requests": 40},
        "freshness": [{"report": "users", "last_complete_day": "2026-11-03", "complete_days": 3, "failed_days": 0}],
        "charts": {
            "daily": [{"day": f"2026-11-0{d}", "daily_active_users": d, "weekly_active_users": 8,
                       "monthly_active_users": 12, "code_generations": 60 + d, "code_acceptances": 15,
                       "acceptance_rate": round(15 / (60 + d), 4)} for d in (1, 2, 3)],
            "feature_shares": [{"name": "completion", "code_generations": 150, "interactions": 0, "share": 0.75},
                               {"name": "cli", "code_generations": 50, "interactions": 9, "share": 0.25}],
            "reclaimable_seats": [{"user_login": "idle-user", "never_used": True, "days_since_last_activity": None,
                                   "last_activity_editor": None, "assigning_team": None}],
            "leaderboard": {"day": "2026-11-03", "users": [{"user_login": "star", "adoption_score": 91.5}]},
        },
    }
    base.update(changes)
    return base


def test_every_section_is_present_and_counts_its_values():
    page = report_html.render({"scopes": [scope()]}, "2026-11-06 10:00 UTC")
    sections = parse_sections(page).scopes["organization:acme"]
    assert tuple(sections) == report_html.SECTIONS
    assert sections == {"adoption": 3, "acceptance": 3, "feature_shares": 2, "languages": 1, "editors": 1,
                        "models": 1, "seats": 2, "leaderboard": 1, "freshness": 1}
    assert "IDE completions 75.0%" in page
    assert "CLI 25.0%" in page


def test_a_section_without_data_says_so_and_counts_zero():
    empty = scope(top_models=[])
    empty["charts"]["leaderboard"] = {"day": None, "users": []}
    page = report_html.render({"scopes": [empty]}, "now")
    sections = parse_sections(page).scopes["organization:acme"]
    assert sections["models"] == 0
    assert sections["leaderboard"] == 0
    assert page.count("no data in this period") == 2


def test_names_from_github_are_escaped():
    hostile = scope(top_languages=[{"name": "<script>alert(1)</script>", "code_generations": 5,
                                    "code_acceptances": 1}])
    hostile["charts"]["reclaimable_seats"][0]["user_login"] = '"><img src=x>'
    page = report_html.render({"scopes": [hostile]}, "now")
    assert "<script>" not in page
    assert "<img" not in page
    assert parse_sections(page).fetching == []


def test_a_scope_without_data_and_an_empty_store_render_a_page():
    page = report_html.render({"scopes": [{"scope": "enterprise:e", "since": None, "until": None,
                                           "error": "no usage stored"}]}, "now")
    assert "no usage stored" in page
    assert "nothing stored yet" in report_html.render({"scopes": []}, "now")


def test_line_chart_leaves_gaps_and_scales_to_the_peak():
    svg = charts.line_chart(["d1", "d2", "d3", "d4"], [("rate", [0.5, None, 0.25, 0.5])], fmt=charts.percent)
    assert 'data-points="3"' in svg
    assert svg.count("<circle") == 1  # the lone point before the gap
    assert svg.count("<polyline") == 1
    assert ">50.0%<" in svg  # the top of the axis is the peak
    assert 'data-points="0"' in charts.line_chart([], [])
    assert 'data-points="0"' in charts.line_chart(["d1"], [("x", [None])])


def test_bars_and_shares():
    bars = charts.bar_chart([("a", 10), ("b", 5)])
    widths = [float(w) for w in re.findall(r'<rect x="190" y="\d+" width="([\d.]+)"', bars)]
    assert widths[0] == 2 * widths[1]
    share = charts.share_bar([("x", 3), ("y", 1)])
    assert "x 75.0%" in share
    assert "y 25.0%" in share
    assert 'data-points="0"' in charts.share_bar([("x", 0)])
    assert charts.compact(12_345) == "12.3k"
    assert charts.compact(None) == "-"


def test_the_readme_shows_a_picture_of_the_report():
    from pathlib import Path

    from PIL import Image

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    found = re.search(r"!\[(The HTML report[^\]]*)\]\((docs/images/[\w.-]+\.png)\)", readme)
    assert found, "README.md must show the report's picture, labelled as the report"
    with Image.open(root / found.group(2)) as image:
        assert image.width >= 1000
        assert image.height >= 1000
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 200  # a rendered page, not a blank
