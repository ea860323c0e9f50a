"""`reprocess`: collect with a raw archive, delete the report indices, rebuild them from the archive alone
(the simulator is stopped first, so GitHub cannot be asked) and compare every document id and source."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from copilot_usage import reprocess
from copilot_usage.archive import LocalArchive
from copilot_usage.model import Scope, ScopeType
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.simulator.activity import UNKNOWN_FIELD
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, clock, settings_for

# Everything shaped from downloaded report files: the daily reports and the latest 28-day aggregate's feature
# engagement (seats and teams are snapshots of API listings: not archived, not reprocessed).
REPORT_INDICES = (ix.USAGE_DAILY, ix.USAGE_BREAKDOWN, ix.USER_DAILY, ix.TEAM_DAILY, ix.TEAM_BREAKDOWN,
                  ix.USER_SUMMARY_DAILY, ix.REPO_DAILY, ix.USER_ADOPTION, ix.FEATURE_ENGAGEMENT)
START = SIM_TODAY - dt.timedelta(days=6)


def documents(es: Any, prefix: str, index: ix.IndexDef) -> dict[str, dict[str, Any]]:
    name = index.name(prefix)
    es.indices.refresh(index=name)
    response = es.search(index=name, size=10_000, query={"match_all": {}}, track_total_hits=True)
    assert response["hits"]["total"]["value"] < 10_000  # all of them fit in one page
    return {h["_id"]: h["_source"] for h in response["hits"]["hits"]}


def collect_with_archive(tmp_path: Path, engine_url: str, es: Any, prefix: str) -> dict[str, dict[str, Any]]:
    """Collect a week into the engine and ARCHIVE_DIR; returns every report-derived document by index."""
    with SimulatorServer(World(sim_config(days=10))) as server:
        settings = settings_for(server, engine_url, prefix, ARCHIVE_DIR=str(tmp_path / "archive"),
                                BACKFILL_START=START.isoformat())
        summary = run(settings, es=es, now=clock(NOW))
        assert summary.ok, summary.errors
    originals = {index.key: documents(es, prefix, index) for index in REPORT_INDICES}
    for key in ("usage_daily", "user_daily", "team_daily", "repo_daily", "user_adoption", "feature_engagement"):
        assert originals[key], key
    return originals


@pytest.fixture
def env(monkeypatch, tmp_path, engine_url, prefix):
    for name, value in {"ELASTICSEARCH_URL": engine_url, "INDEX_PREFIX": prefix,
                        "ARCHIVE_DIR": str(tmp_path / "archive"), "ORGANIZATION_SLUGS": ",".join(ORGS),
                        "ENTERPRISE_SLUGS": ENT, "GITHUB_PAT": "sim-token"}.items():
        monkeypatch.setenv(name, value)


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="copilot-usage reprocess")
    reprocess.add_arguments(parser)
    return reprocess.run(parser.parse_args(list(argv)))


def test_reprocess_rebuilds_deleted_indices_identically_from_the_archive(tmp_path, es, engine_url, prefix, env,
                                                                         capsys):
    originals = collect_with_archive(tmp_path, engine_url, es, prefix)
    for index in REPORT_INDICES:
        es.indices.delete(index=index.name(prefix))

    assert cli() == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "reprocess OK" in out
    for index in REPORT_INDICES:
        assert documents(es, prefix, index) == originals[index.key], index.key


def test_a_day_range_rewrites_only_those_days_and_removes_documents_the_archive_no_longer_has(
        tmp_path, es, engine_url, prefix):
    originals = collect_with_archive(tmp_path, engine_url, es, prefix)
    org = Scope(ScopeType.ORGANIZATION, ORGS[0])
    day = START + dt.timedelta(days=2)
    # A stray document for that day (as if GitHub had dropped a user in a revision) and an edited one.
    stray = {ix.SCOPE_TYPE: "organization", ix.SCOPE: ORGS[0], ix.DAY: day.isoformat(), ix.USER_ID: 999_999_999,
             ix.USER_LOGIN: "gone-user"}
    es.index(index=ix.USER_DAILY.name(prefix), id=ix.USER_DAILY.doc_id(stray), document=stray, refresh=True)
    other_day = next(i for i, d in originals["user_daily"].items()
                     if d[ix.SCOPE] == ORGS[0] and d[ix.DAY][:10] == (day + dt.timedelta(days=1)).isoformat())
    es.update(index=ix.USER_DAILY.name(prefix), id=other_day, doc={ix.LOC_ADDED_SUM: -1}, refresh=True)

    result = reprocess.reprocess(es, prefix, LocalArchive(tmp_path / "archive"), [org], day, day)
    assert result.ok, result.errors
    assert result.days == {"aggregate": 1, "users": 1, "repos": 1}
    assert result.deleted_stale == 1
    assert result.rejected == 0
    after = documents(es, prefix, ix.USER_DAILY)
    assert ix.USER_DAILY.doc_id(stray) not in after
    assert after[other_day][ix.LOC_ADDED_SUM] == -1  # outside the range: untouched
    same_day = {i: d for i, d in originals["user_daily"].items() if d[ix.SCOPE] == ORGS[0]
                and d[ix.DAY][:10] == day.isoformat()}
    assert same_day
    assert {i: after[i] for i in same_day} == same_day


def test_a_malformed_archived_line_is_counted_and_the_rest_of_the_day_kept(tmp_path, es, engine_url, prefix):
    import gzip

    collect_with_archive(tmp_path, engine_url, es, prefix)
    ent = Scope(ScopeType.ENTERPRISE, ENT)
    day = START + dt.timedelta(days=1)
    [part] = sorted((tmp_path / "archive" / "enterprise" / ENT / "users" / day.isoformat()).glob("part-*.json.gz"))
    lines = gzip.decompress(part.read_bytes()).splitlines()
    part.write_bytes(gzip.compress(b"\n".join([lines[0], b"{not json", *lines[1:]]) + b"\n"))
    es.indices.delete(index=ix.USER_DAILY.name(prefix))
    es.indices.create(index=ix.USER_DAILY.name(prefix))  # the template gives it the product's mapping

    result = reprocess.reprocess(es, prefix, LocalArchive(tmp_path / "archive"), [ent], day, day)
    assert result.malformed == 1
    assert result.ok, result.errors
    assert es.count(index=ix.USER_DAILY.name(prefix))["count"] == len(lines)


def test_reprocess_without_an_archive_is_a_clear_configuration_error(monkeypatch, engine_url, capsys):
    monkeypatch.setenv("ELASTICSEARCH_URL", engine_url)
    monkeypatch.delenv("ARCHIVE_DIR", raising=False)
    monkeypatch.delenv("ARCHIVE_CONTAINER_URL", raising=False)
    assert cli("--scope", "org:sim-org-1") == 2
    assert "ARCHIVE_DIR" in capsys.readouterr().err
    assert cli("--scope", "nonsense") == 2
    assert cli("--scope", "org:sim-org-1", "--from", "2026-11-10", "--to", "2026-11-01") == 2


def test_reprocess_reports_progress_day_by_day(tmp_path, es, engine_url, prefix, env, caplog, monkeypatch):
    from copilot_usage import progress

    collect_with_archive(tmp_path, engine_url, es, prefix)
    archive = LocalArchive(tmp_path / "archive")
    scopes = [Scope(ScopeType.ORGANIZATION, o) for o in ORGS] + [Scope(ScopeType.ENTERPRISE, ENT)]
    archived = sum(len(archive.list_days(s, r)) for s in scopes
                   for r in ("aggregate", "users", "repos", "feature_engagement"))
    caplog.set_level(logging.INFO, "copilot_usage.progress")
    monkeypatch.setattr(progress, "LOG_EVERY_SECONDS", 0.0)
    assert cli() == 0
    got = [json.loads(r.getMessage().split(" ", 1)[1]) for r in caplog.records
           if r.name == "copilot_usage.progress" and r.getMessage().startswith("progress ")]
    assert got[0]["work"] == "reprocess"
    assert got[0]["planned"] == archived > 0
    assert [g["done"] for g in got[:-1]] == list(range(archived + 1))
    assert got[-1]["finished"] is True
    assert got[-1]["documents"] > 0


def test_after_an_upgrade_reprocess_brings_in_a_field_the_older_collector_only_archived(
        tmp_path, es, engine_url, prefix, env, capsys):
    """Issue 14 item 6 end to end, with two collector versions in one test: the older one neither knows nor reads
    CLI customization (GitHub added it on 2026-09-17), so it names the fields as news and stores none of it; the
    raw archive keeps them; the upgraded one (today's code) reads them during `reprocess`, from the archive alone."""
    from copilot_usage.shaping import known_fields, users

    customization = {f"totals_by_{kind}" for kind in ix.CUSTOMIZATION_KINDS} | set(ix.DISTINCT_USE_COUNTS)
    world = World(sim_config(days=10))
    # The older version: the user shaper without CLI customization, and the fields unknown to it.
    with pytest.MonkeyPatch.context() as older, SimulatorServer(world) as server:
        older.setattr(users, "customization_fields", lambda record: {})
        older.setitem(known_fields.KNOWN_FIELDS, "users", known_fields.KNOWN_FIELDS["users"] - customization)
        settings = settings_for(server, engine_url, prefix, ARCHIVE_DIR=str(tmp_path / "archive"),
                                BACKFILL_START=START.isoformat())
        summary = run(settings, es=es, now=clock(NOW))
    assert summary.ok, summary.errors
    named = set(summary.to_dict()["new_fields"]["users"])
    assert {"totals_by_skill", "totals_by_mcp", "distinct_skill_use_count"} <= named <= customization | {
        UNKNOWN_FIELD}
    before = documents(es, prefix, ix.USER_DAILY)
    stored = ix.CUSTOMIZATION_INTERACTION_COUNTS + ix.DISTINCT_USE_COUNTS
    assert before
    assert not any(field in doc for doc in before.values() for field in stored)

    # The upgrade: today's code, reading the archive alone (the simulator has stopped).
    assert cli() == 0, capsys.readouterr()
    after = documents(es, prefix, ix.USER_DAILY)
    assert after.keys() == before.keys()
    # Every stored user-day now carries what GitHub sent, recomputed here from the simulator's own rows.
    expected: dict[tuple[str, str, int], int] = {}
    for scope in world.scopes():
        for day in {dt.date.fromisoformat(d[ix.DAY][:10]) for d in before.values() if d[ix.SCOPE] == scope.slug}:
            for row in world.user_records(scope, day):
                skills = row.get("totals_by_skill") or []
                expected[(scope.slug, day.isoformat(), row["user_id"])] = sum(
                    item.get("interaction_count", item.get("user_initiated_interaction_count")) or 0
                    for item in skills)
    skill_count = ix.CUSTOMIZATION_INTERACTION_COUNTS[ix.CUSTOMIZATION_KINDS.index("skill")]
    got = {(d[ix.SCOPE], d[ix.DAY][:10], d[ix.USER_ID]): d.get(skill_count, 0) or 0
           for d in after.values()}
    assert got == expected
    assert sum(got.values()) > 0, "the world must use skills for this check to mean anything"
    # Nothing else about a user-day changed.
    for doc_id, doc in after.items():
        assert {k: v for k, v in doc.items() if k not in stored} == before[doc_id], doc_id
