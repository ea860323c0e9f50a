"""`copilot-usage import` and `status`, run in-process through the CLI's `main`, with report files written
from the simulator's own rows (plain NDJSON, gzip, a JSON array, 28-day files) and a real engine."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
from collections import Counter, defaultdict
from typing import Any

import pytest

from copilot_usage.cli import main
from copilot_usage.importer import infer_kind
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, report_rows, sim_config

ORG = "sim-org-1"
ENT = "sim-enterprise-1"
DAY = SIM_TODAY - dt.timedelta(days=4)  # a Monday: the world has team activity on weekdays


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Any]:
    """Report files as GitHub's UI exports them, plus the rows they hold."""
    folder = tmp_path_factory.mktemp("exports")
    with SimulatorServer(World(sim_config(days=40))) as server:
        org, ent = f"/orgs/{ORG}", f"/enterprises/{ENT}"
        rows = {
            "users": report_rows(server, org, "users-1-day", DAY),
            "teams": report_rows(server, org, "user-teams-1-day", DAY),
            "aggregate": report_rows(server, org, "organization-1-day", DAY),
            "org28": report_rows(server, org, "organization-28-day"),
            "users28": report_rows(server, ent, "users-28-day"),
            "ent1": report_rows(server, ent, "enterprise-1-day", DAY),
        }

    def ndjson(items: list[dict[str, Any]]) -> bytes:
        return b"".join(json.dumps(item).encode() + b"\n" for item in items)

    paths = {
        "users": folder / "users.ndjson",
        "teams": folder / "teams.ndjson.gz",
        "aggregate": folder / "aggregate.json",
        "org28": folder / "org-28.ndjson.gz",
        "users28": folder / "users-28.ndjson",
        "ent1": folder / "enterprise-1-day.ndjson",
    }
    paths["users"].write_bytes(ndjson(rows["users"]))
    paths["teams"].write_bytes(gzip.compress(ndjson(rows["teams"])))
    paths["aggregate"].write_text(json.dumps(rows["aggregate"], indent=2))  # one pretty JSON array
    paths["org28"].write_bytes(gzip.compress(ndjson(rows["org28"])))
    paths["users28"].write_bytes(ndjson(rows["users28"]))
    paths["ent1"].write_bytes(ndjson(rows["ent1"]))
    return {"rows": rows, "paths": paths}


@pytest.fixture
def env(monkeypatch, engine_url, prefix):
    """Only the engine: `import` and `status` need no GitHub credential and no configured scope."""
    monkeypatch.setenv("ELASTICSEARCH_URL", engine_url)
    monkeypatch.setenv("INDEX_PREFIX", prefix)
    for name in ("ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "GH_ORGANIZATION_SLUGS", "GH_ENTERPRISE_SLUGS", "GITHUB_PAT",
                 "GH_PAT", "GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "ARCHIVE_DIR", "KEY_VAULT_URI"):
        monkeypatch.delenv(name, raising=False)


def terms(scope_type: str, scope: str, day: dt.date | None = None) -> dict[str, Any]:
    filters = [{"term": {ix.SCOPE_TYPE: scope_type}}, {"term": {ix.SCOPE: scope}}]
    if day is not None:
        filters.append({"term": {ix.DAY: day.isoformat()}})
    return {"bool": {"filter": filters}}


def sum_of(es: Any, prefix: str, index: ix.IndexDef, field: str, query: dict[str, Any]) -> float:
    response = es.search(index=index.name(prefix), size=0, query=query, aggs={"s": {"sum": {"field": field}}})
    return response["aggregations"]["s"]["value"]


def test_the_report_kind_is_inferred_from_each_files_content(files):
    rows = files["rows"]
    assert infer_kind(rows["users"][0]) == "users-1-day"
    assert infer_kind(rows["teams"][0]) == "user-teams-1-day"
    assert infer_kind(rows["aggregate"][0]) == "organization-1-day"
    assert infer_kind(rows["org28"][0]) == "organization-28-day"
    assert infer_kind(rows["users28"][0]) == "users-28-day"
    assert infer_kind(rows["ent1"][0]) == "enterprise-1-day"
    with pytest.raises(ValueError, match="--report"):
        infer_kind({"something": "else"})


def test_users_with_their_gzip_teams_file_are_imported_and_joined(files, env, es, prefix, capsys):
    paths, rows = files["paths"], files["rows"]
    assert main(["import", str(paths["users"]), "--scope", f"org:{ORG}", "--teams", str(paths["teams"])]) == 0
    assert f"{len(rows['users'])} records" in capsys.readouterr().out
    es.indices.refresh(index=f"{prefix}*")
    query = terms("organization", ORG, DAY)
    assert es.count(index=ix.USER_DAILY.name(prefix), query=query)["count"] == len(rows["users"])
    for field in (ix.CODE_GENERATION_ACTIVITY_COUNT, ix.LOC_ADDED_SUM, ix.USER_INITIATED_INTERACTION_COUNT):
        assert sum_of(es, prefix, ix.USER_DAILY, field, query) == sum(r[field] for r in rows["users"])
    # Team totals come from that day's membership file: each team's users summed independently here.
    members: dict[str, set[int]] = defaultdict(set)
    for row in rows["teams"]:
        members[row["team_slug"] if "team_slug" in row else str(row["team_id"])].add(row["user_id"])
    generation = {r["user_id"]: r[ix.CODE_GENERATION_ACTIVITY_COUNT] for r in rows["users"]}
    hits = es.search(index=ix.TEAM_DAILY.name(prefix), size=1000, query=query)["hits"]["hits"]
    assert len(hits) == len(members)
    for hit in hits:
        source = hit["_source"]
        team_users = next(u for key, u in members.items() if key in (source.get(ix.TEAM), str(source.get(ix.TEAM_ID))))
        assert source[ix.CODE_GENERATION_ACTIVITY_COUNT] == sum(generation.get(u, 0) for u in team_users)


def test_a_json_array_aggregate_and_a_gzip_28_day_file_split_into_days(files, env, es, prefix):
    paths, rows = files["paths"], files["rows"]
    assert main(["import", str(paths["aggregate"]), "--scope", f"org:{ORG}"]) == 0
    assert main(["import", str(paths["org28"]), "--scope", f"organization:{ORG}"]) == 0
    es.indices.refresh(index=f"{prefix}*")
    day_totals = rows["org28"][0]["day_totals"]
    days = {d["day"] for d in day_totals}
    assert DAY.isoformat() in days  # the 1-day file's day is inside the window: imported once, not twice
    assert es.count(index=ix.USAGE_DAILY.name(prefix), query=terms("organization", ORG))["count"] == len(days)
    stored = sum_of(es, prefix, ix.USAGE_DAILY, ix.CODE_GENERATION_ACTIVITY_COUNT, terms("organization", ORG))
    assert stored == sum(d[ix.CODE_GENERATION_ACTIVITY_COUNT] for d in day_totals)


def test_a_users_28_day_file_makes_one_user_daily_document_per_user_and_day(files, env, es, prefix):
    rows = files["rows"]["users28"]
    assert main(["import", str(files["paths"]["users28"]), "--scope", f"enterprise:{ENT}"]) == 0
    es.indices.refresh(index=f"{prefix}*")
    per_day = Counter(r["day"] for r in rows)
    response = es.search(index=ix.USER_DAILY.name(prefix), size=0, query=terms("enterprise", ENT),
                         aggs={"d": {"terms": {"field": ix.DAY, "size": 100, "format": "yyyy-MM-dd"}}})
    assert {b["key_as_string"]: b["doc_count"] for b in response["aggregations"]["d"]["buckets"]} == per_day
    assert sum_of(es, prefix, ix.USER_DAILY, ix.LOC_ADDED_SUM, terms("enterprise", ENT)) == sum(
        r[ix.LOC_ADDED_SUM] for r in rows)


def test_a_malformed_line_is_counted_and_the_rest_imported(files, env, es, prefix, tmp_path, capsys):
    lines = files["paths"]["users"].read_bytes().splitlines()
    broken = tmp_path / "broken.ndjson"
    broken.write_bytes(b"\n".join([lines[0], b"{oops", *lines[1:]]) + b"\n")
    assert main(["import", str(broken), "--scope", f"org:{ORG}"]) == 0
    assert "1 malformed lines" in capsys.readouterr().out
    es.indices.refresh(index=f"{prefix}*")
    assert es.count(index=ix.USER_DAILY.name(prefix), query=terms("organization", ORG, DAY))["count"] == len(lines)


def test_status_runs_with_only_the_engine_url(engine_url, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "GH_", "ELASTICSEARCH_", "ARCHIVE_", "PRIVACY_", "DIGEST_")) or name in (
                "ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "INDEX_PREFIX", "KEY_VAULT_URI"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ELASTICSEARCH_URL", engine_url)
    assert main(["status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert isinstance(json.loads(out), list)
    assert err == ""


def test_bad_arguments_are_refused_with_a_message(files, env, capsys):
    assert main(["import", str(files["paths"]["users"]), "--scope", "team:x"]) == 2
    assert "org:NAME" in capsys.readouterr().err
    assert main(["import", str(files["paths"]["teams"]), "--scope", f"org:{ORG}"]) == 2
    assert "--teams" in capsys.readouterr().err


def test_status_shows_the_imported_days_per_scope_and_report(files, env, es, prefix, capsys):
    paths = files["paths"]
    # Only the engine is configured: neither command asks for a GitHub credential or a scope.
    assert main(["status"]) == 1  # nothing logged yet
    assert "no ingestion log" in capsys.readouterr().out
    assert main(["import", str(paths["users"]), "--scope", f"org:{ORG}", "--teams", str(paths["teams"])]) == 0
    assert main(["import", str(paths["ent1"]), "--scope", f"enterprise:{ENT}"]) == 0
    es.indices.refresh(index=f"{prefix}*")
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    rows = {(r["scope_type"], r["scope"], r["report"]): r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {("organization", ORG, "users"), ("organization", ORG, "user-teams"),
                         ("enterprise", ENT, "aggregate")}
    for row in rows.values():
        assert str(row["last_complete_day"])[:10] == DAY.isoformat()
        assert row["complete"] == 1
        assert row["failed"] == 0
    assert main(["status"]) == 0
    table = capsys.readouterr().out
    assert ORG in table
    assert ENT in table



def test_import_reports_progress_file_by_file(files, env, es, prefix, caplog, monkeypatch):
    """Not a terminal: a structured progress line per data file read (the interval set to 0), then a final one."""
    from copilot_usage import progress

    caplog.set_level(logging.INFO, "copilot_usage.progress")
    monkeypatch.setattr(progress, "LOG_EVERY_SECONDS", 0.0)
    paths, rows = files["paths"], files["rows"]
    assert main(["import", str(paths["users"]), str(paths["aggregate"]), "--scope", f"org:{ORG}"]) == 0
    got = [json.loads(r.getMessage().split(" ", 1)[1]) for r in caplog.records
           if r.name == "copilot_usage.progress" and r.getMessage().startswith("progress ")]
    assert got[0]["work"] == "import"
    assert [g["done"] for g in got] == [0, 1, 2, 2]
    assert {g["planned"] for g in got} == {2}
    final = got[-1]
    assert final["finished"] is True
    assert final["documents"] == len(rows["users"]) + len(rows["aggregate"])  # records read, both files
