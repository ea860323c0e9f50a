"""Contract tests: GitHub's own documented example files (tests/fixtures/github_docs/, with the page each
comes from), imported in one `copilot-usage import FOLDER/* --scope ...` call and collected through a
loopback server, into a real engine; totals asserted exactly as GitHub documents them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from copilot_usage.cli import main
from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.planner import Task
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Settings
from copilot_usage.store.ingestion_log import IngestionLog

DOCS = Path(__file__).parents[1] / "fixtures" / "github_docs"
FILES = sorted(str(p) for p in DOCS.iterdir() if p.suffix in (".json", ".ndjson"))
ENT_DAY = dt.date(2025, 10, 1)
TEAM_DAY = dt.date(2026, 5, 7)
SCOPES = ["--scope", "org:octo-org=999", "--scope", "enterprise:ent-one=1", "--scope", "enterprise:ent-two=2"]


@pytest.fixture
def env(monkeypatch, engine_url, prefix):
    monkeypatch.setenv("ELASTICSEARCH_URL", engine_url)
    monkeypatch.setenv("INDEX_PREFIX", prefix)
    for name in ("ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "GITHUB_PAT", "ARCHIVE_DIR", "KEY_VAULT_URI"):
        monkeypatch.delenv(name, raising=False)


def docs(es: Any, prefix: str, index: ix.IndexDef, scope: str, day: dt.date) -> list[dict[str, Any]]:
    query = {"bool": {"filter": [{"term": {ix.SCOPE: scope}}, {"term": {ix.DAY: day.isoformat()}}]}}
    return [h["_source"] for h in es.search(index=index.name(prefix), size=100, query=query)["hits"]["hits"]]


def assert_documented_totals(es: Any, prefix: str, *, with_aggregates: bool) -> None:
    # The team page's documented result: frontend 2 users, 19 acceptances, 112 lines; backend 1, 12, 88.
    teams = {t[ix.TEAM]: t for t in docs(es, prefix, ix.TEAM_DAILY, "octo-org", TEAM_DAY)}
    assert {slug: (t[ix.TEAM_ID], t[ix.ACTIVE_USERS], t[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT], t[ix.LOC_ADDED_SUM])
            for slug, t in teams.items()} == {"frontend": (42, 2, 19, 112), "backend": (43, 1, 12, 88)}
    assert len(docs(es, prefix, ix.USER_DAILY, "octo-org", TEAM_DAY)) == 2
    [user] = docs(es, prefix, ix.USER_DAILY, "ent-one", ENT_DAY)
    assert (user[ix.USER_LOGIN], user[ix.LOC_ADDED_SUM], user[ix.CLI_SESSION_COUNT]) == ("login1", 8, 2)
    assert user[ix.LOC_ACCEPTANCE_RATE] == 0.8  # code completion: 8 of 10 suggested lines
    assert "plugin" not in user  # GitHub's empty plugin strings mean unknown
    if not with_aggregates:
        return
    # Two enterprises in one file, each in its own scope: neither overwrote the other.
    [one] = docs(es, prefix, ix.USAGE_DAILY, "ent-one", ENT_DAY)
    [two] = docs(es, prefix, ix.USAGE_DAILY, "ent-two", ENT_DAY)
    assert (one[ix.ENTERPRISE_ID], one[ix.DAILY_ACTIVE_USERS], one[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT],
            one[ix.LOC_ADDED_SUM], one[ix.DAILY_ACTIVE_CLI_USERS], one[ix.CLI_SESSION_COUNT],
            one[ix.PR_TOTAL_CREATED]) == ("1", 2, 2, 30, 2, 3, 2)
    assert (two[ix.ENTERPRISE_ID], two[ix.DAILY_ACTIVE_USERS], two[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT],
            two[ix.LOC_ADDED_SUM], two[ix.PR_TOTAL_CREATED]) == ("2", 2, 1, 38, 1)
    assert ix.DAILY_ACTIVE_CLI_USERS not in two
    assert (one[ix.LOC_ACCEPTANCE_RATE], two[ix.LOC_ACCEPTANCE_RATE]) == (round(30 / 35, 6), round(38 / 40, 6))


def test_the_documented_folder_imports_in_one_call_with_exact_totals(env, es, prefix, capsys):
    assert main(["import", *FILES, *SCOPES]) == 0
    out = capsys.readouterr().out
    assert "0 rejected, 0 malformed lines" in out
    assert_documented_totals(es, prefix, with_aggregates=True)
    logged = IngestionLog(es, prefix).load(Scope(ScopeType.ORGANIZATION, "octo-org"))
    assert {report for report, _ in logged} == {"users", "user-teams"}  # joined without --teams


def test_two_enterprises_in_one_file_are_refused_rather_than_merged(env, es, prefix, capsys):
    enterprise_file = str(DOCS / "enterprise-28-day.json")
    assert main(["import", enterprise_file, "--scope", "enterprise:ent-one"]) == 2
    err = capsys.readouterr().err
    assert "2 different enterprise_id values (1, 2)" in err
    assert main(["import", enterprise_file, "--scope", "enterprise:ent-one=1"]) == 2
    assert "enterprise_id 2" in capsys.readouterr().err
    es.indices.refresh(index=f"{prefix}*")
    assert es.count(index=ix.USAGE_DAILY.name(prefix))["count"] == 0  # nothing was imported


def test_rejected_records_are_summarised_with_a_reason_and_an_example(env, es, prefix, tmp_path, capsys):
    bad = tmp_path / "users.ndjson"
    rows = [json.loads(line) for line in (DOCS / "organization-users-1-day.ndjson").read_text().splitlines()]
    bad.write_text("\n".join([json.dumps(rows[0]), json.dumps({**rows[1], "loc_added_sum": "24"}), "{oops",
                              json.dumps({**rows[1], "user_id": 1003, "used_chat": "yes"})]) + "\n")
    assert main(["import", str(bad), "--scope", "org:octo-org"]) == 0
    out = capsys.readouterr().out
    assert "2 rejected, 1 malformed lines" in out
    assert "set aside: 1 x loc_added_sum is not a number (e.g. users.ndjson user_id 1002)" in out
    assert "set aside: 1 x used_chat is not a boolean (e.g. users.ndjson user_id 1003)" in out
    assert "users.ndjson line 3" in out


def _serve(server: HTTPServer, path: str, day: dt.date, body: bytes) -> None:
    blob = f"/copilot-reports/{path.strip('/').replace('/', '-')}/{day}/part-0.json"
    server.expect_request(path, query_string=f"day={day}").respond_with_json(
        {"download_links": [server.url_for(blob) + "?sig=doc-example"], "report_day": day.isoformat()})
    server.expect_request(blob).respond_with_data(body, content_type="application/json")


def test_the_documented_files_collect_with_the_same_totals(es, engine_url, prefix, httpserver: HTTPServer):
    ent = Scope(ScopeType.ENTERPRISE, "ent-one")
    org = Scope(ScopeType.ORGANIZATION, "octo-org")
    _serve(httpserver, "/enterprises/ent-one/copilot/metrics/reports/users-1-day", ENT_DAY,
           (DOCS / "users-1-day.json").read_bytes())
    httpserver.expect_request("/enterprises/ent-one/copilot/metrics/reports/user-teams-1-day").respond_with_data(
        "", status=204)
    _serve(httpserver, "/orgs/octo-org/copilot/metrics/reports/users-1-day", TEAM_DAY,
           (DOCS / "organization-users-1-day.ndjson").read_bytes())
    _serve(httpserver, "/orgs/octo-org/copilot/metrics/reports/user-teams-1-day", TEAM_DAY,
           (DOCS / "organization-user-teams-1-day.ndjson").read_bytes())
    settings = Settings.from_env({
        "GITHUB_PAT": "doc-token", "GITHUB_API_URL": httpserver.url_for("").rstrip("/"),
        "ORGANIZATION_SLUGS": "octo-org", "ENTERPRISE_SLUGS": "ent-one", "ELASTICSEARCH_URL": engine_url,
        "INDEX_PREFIX": prefix, "COPILOT_USAGE_TODAY": "2026-05-20"})
    tasks = [Task(ent, Report.USERS, ENT_DAY, "backfill"), Task(org, Report.USERS, TEAM_DAY, "backfill")]
    summary = run(settings, es=es, tasks=lambda collector, now: tasks)
    assert summary.ok, summary.errors
    assert (summary.records, summary.rejected_records) == (3, 0)
    assert_documented_totals(es, prefix, with_aggregates=False)
