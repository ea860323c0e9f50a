"""The simulator's org billing usage report over real HTTP: lines, consistency with the users report, errors."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from copilot_usage.simulator import SimulatorServer
from tests.fixtures.simulator import SIM_TODAY, api_get, report_rows

ORG = "sim-org-1"
PATH = f"/organizations/{ORG}/settings/billing/usage"
DAY = SIM_TODAY - dt.timedelta(days=3)


def day_query(day: dt.date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def items(server: SimulatorServer, params: dict) -> list[dict]:
    response = api_get(server, PATH, params)
    assert response.status_code == 200, response.text
    return response.json()["usageItems"]


def test_one_day_has_seat_credit_and_repository_lines_with_consistent_amounts(simulator: SimulatorServer):
    lines = items(simulator, day_query(DAY))
    assert {line["date"] for line in lines} == {DAY.isoformat()}
    assert {(line["product"], line["sku"]) for line in lines} == {
        ("Copilot", "Copilot Business"), ("Copilot", "Copilot AI Credits"), ("Actions", "Actions Linux")}
    for line in lines:
        assert line["organizationName"] == ORG
        assert line["grossAmount"] == pytest.approx(line["quantity"] * line["pricePerUnit"], abs=1e-4)
        assert line["netAmount"] == pytest.approx(line["grossAmount"] - line["discountAmount"], abs=1e-4)
        assert line["netAmount"] >= 0
    [actions] = [line for line in lines if line["product"] == "Actions"]
    assert actions["repositoryName"].startswith(f"{ORG}/")
    assert all("repositoryName" not in line for line in lines if line["product"] == "Copilot")


def test_ai_credits_equal_the_users_report_of_that_day(simulator: SimulatorServer):
    users = report_rows(simulator, f"/orgs/{ORG}", "users-1-day", DAY)
    expected = round(sum(r.get("ai_credits_used", 0) for r in users), 2)
    assert expected > 0
    [credits] = [line for line in items(simulator, day_query(DAY)) if line["sku"] == "Copilot AI Credits"]
    assert credits["quantity"] == pytest.approx(expected)


def test_seat_line_is_a_days_share_of_the_seat_listing(simulator: SimulatorServer):
    seats = api_get(simulator, f"/orgs/{ORG}/copilot/billing/seats", {"per_page": 100}).json()["seats"]
    [seat_line] = [line for line in items(simulator, day_query(DAY)) if line["sku"] == "Copilot Business"]
    days_in_month = calendar.monthrange(DAY.year, DAY.month)[1]
    assert seat_line["quantity"] == pytest.approx(len(seats) / days_in_month, abs=1e-4)


def test_a_month_without_day_covers_every_full_day_and_today_has_no_lines(simulator: SimulatorServer):
    lines = items(simulator, {"year": SIM_TODAY.year, "month": SIM_TODAY.month})
    days = {line["date"] for line in lines}
    assert days == {dt.date(SIM_TODAY.year, SIM_TODAY.month, d).isoformat() for d in range(1, SIM_TODAY.day)}
    assert items(simulator, day_query(SIM_TODAY)) == []


@pytest.mark.parametrize(
    ("params", "named"),
    [({"year": 2026, "month": 13}, "month"), ({"year": 2026, "month": 2, "day": 30}, "day"),
     ({"day": "x"}, "day"), ({"hour": 24}, "hour")],
)
def test_bad_parameters_answer_400_naming_them(simulator: SimulatorServer, params, named):
    response = api_get(simulator, PATH, params)
    assert response.status_code == 400
    assert named in response.json()["message"]


def test_enterprises_and_unknown_orgs_answer_404(simulator: SimulatorServer):
    for slug in ("sim-enterprise-1", "no-such-org"):
        response = api_get(simulator, f"/organizations/{slug}/settings/billing/usage", day_query(DAY))
        assert response.status_code == 404


def test_forbidden_path_answers_403_resource_not_accessible(simulator: SimulatorServer):
    simulator.faults.forbidden_paths = [PATH]
    response = api_get(simulator, PATH, day_query(DAY))
    assert response.status_code == 403
    assert "Resource not accessible" in response.json()["message"]
    assert simulator.stats()["requests"]["GET /organizations/{org}/settings/billing/usage"] == 1
