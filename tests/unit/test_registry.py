"""The report registry is the one description of every report: these checks keep it complete and consistent."""

from __future__ import annotations

import pytest

from copilot_usage import registry
from copilot_usage.model import Report, ScopeType, Snapshot
from copilot_usage.schema import indices as ix


def test_every_data_index_is_written_by_exactly_one_spec():
    written = [index.key for spec in registry.SPECS for index in spec.indices]
    assert len(written) == len(set(written))
    # The ingestion log and the adoption scores are written by every command, not by one report; the period
    # summaries and the team seat spend are derived from stored documents after a run (aftercare.py).
    not_reports = {ix.INGESTION_LOG.key, ix.USER_ADOPTION.key, ix.PERIOD_SUMMARY.key, ix.TEAM_SEAT_SPEND.key}
    assert set(written) == {i.key for i in ix.all_indices()} - not_reports


def test_every_report_and_snapshot_belongs_to_one_unit_of_work():
    logged = [report for spec in registry.SPECS for report in spec.logged]
    assert sorted(logged) == sorted([*Report, *Snapshot])
    assert registry.unit_of(Report.USER_TEAMS).unit is Report.USERS
    assert registry.DAILY_UNITS == (Report.AGGREGATE, Report.USERS, Report.REPOS)


@pytest.mark.parametrize(("report", "scope_type", "latest", "name"), [
    (Report.AGGREGATE, ScopeType.ORGANIZATION, False, "organization-1-day"),
    (Report.AGGREGATE, ScopeType.ENTERPRISE, False, "enterprise-1-day"),
    (Report.USERS, ScopeType.ENTERPRISE, False, "users-1-day"),
    (Report.USER_TEAMS, ScopeType.ORGANIZATION, False, "user-teams-1-day"),
    (Report.REPOS, ScopeType.ORGANIZATION, False, "repos-1-day"),
    (Report.AGGREGATE, ScopeType.ENTERPRISE, True, "enterprise-28-day"),
    (Report.USERS, ScopeType.ORGANIZATION, True, "users-28-day"),
])
def test_github_names_come_from_the_file_kinds(report, scope_type, latest, name):
    assert registry.github_name(report, scope_type, latest=latest) == name
    assert registry.file_kind(name).report is report


def test_a_report_without_a_28_day_file_says_so():
    with pytest.raises(ValueError, match="no 28-day repos report"):
        registry.github_name(Report.REPOS, ScopeType.ORGANIZATION, latest=True)


@pytest.mark.parametrize(("record", "kind"), [
    ({"day": "2026-11-01", "repository_id": 7, "repository": "o/r"}, "repos-1-day"),
    ({"day": "2026-11-01", "user_id": 1, "team_id": 2}, "user-teams-1-day"),
    ({"day_totals": [], "enterprise_id": "1"}, "enterprise-28-day"),
])
def test_records_are_recognised_in_the_registrys_order(record, kind):
    assert registry.recognise(record).name == kind


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="users-1-day"):
        registry.file_kind("users-7-day")


def test_feature_engagement_is_a_daily_snapshot_of_the_latest_28_day_aggregate():
    spec = registry.spec_for(Snapshot.FEATURE_ENGAGEMENT)
    assert spec.indices == (ix.FEATURE_ENGAGEMENT,)
    assert (spec.latest, spec.daily, spec.archived, spec.fetch) == ("aggregate", False, True, None)
    assert spec.scope_types == registry.BOTH
    assert Snapshot.FEATURE_ENGAGEMENT in registry.SNAPSHOTS
    # import hands it the wrappers of 28-day aggregate files; no other report's wrappers
    assert registry.wrapper_specs(Report.AGGREGATE) == (spec,)
    assert registry.wrapper_specs(Report.USERS) == ()
    assert [s.unit for s in registry.SPECS if s.archived] == [*registry.DAILY_UNITS, Snapshot.FEATURE_ENGAGEMENT]
