"""Privacy modes end to end: simulator on loopback -> the real collector -> the real engine.

- PRIVACY_MODE=pseudonymous: no login and no GitHub user id anywhere in any index, the same documents as an
  identified collection otherwise, and `reveal` maps pseudonyms back only with the key;
- MIN_TEAM_SIZE: team numbers of small teams are stored, flagged, and absent from the dashboards' queries;
- USER_RETENTION_DAYS: per-user documents older than that are deleted, and nothing else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from copilot_usage import reveal
from copilot_usage.privacy import PSEUDONYM_PREFIX, pseudonym, pseudonymous_id
from copilot_usage.retention import PER_USER_INDICES, reflag_small_teams
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Secret
from copilot_usage.simulator import SimulatorServer, World
from dashboards.inspect import index_of, panels
from dashboards.provisioning import datasources
from dashboards.registry import rendered
from dashboards.translate import answer, search_body
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, all_counts, clock, settings_for

KEY = "test-privacy-key-0123456789"
START = SIM_TODAY - dt.timedelta(days=6)
PSEUDONYMOUS = {"PRIVACY_MODE": "pseudonymous", "PRIVACY_KEY": KEY}


@pytest.fixture
def world() -> World:
    return World(sim_config(days=10, users=40, teams=8))  # teams of 9, 10 and 12 members


@pytest.fixture
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as s:
        yield s


def collect(server: SimulatorServer, engine_url: str, es: Any, prefix: str, **env: str) -> None:
    summary = run(settings_for(server, engine_url, prefix, BACKFILL_START=START.isoformat(), **env), es=es,
                  now=clock(NOW))
    assert summary.ok, summary.errors


def every_document(es: Any, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for index in ix.all_indices():
        name = index.name(prefix)
        if not es.indices.exists(index=name):
            continue
        total = es.count(index=name)["count"]
        assert total <= 10_000, f"{name}: too many documents for one page; shrink the world"
        for hit in es.search(index=name, size=10_000, query={"match_all": {}})["hits"]["hits"]:
            yield index.key, hit["_source"]


def values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for v in node.values():
            yield from values(v)
    elif isinstance(node, list):
        for v in node:
            yield from values(v)
    else:
        yield node


def test_pseudonymous_store_holds_no_login_and_no_user_id(world, server, es, engine_url, prefix):
    collect(server, engine_url, es, prefix, **PSEUDONYMOUS)
    users = world.population.users
    logins = [u.login.lower() for u in users]
    ids = {u.id for u in users}
    seen: dict[str, int] = {}
    for key, source in every_document(es, prefix):
        seen[key] = seen.get(key, 0) + 1
        text = json.dumps(source, ensure_ascii=False).lower()
        leaked = [login for login in logins if login in text]
        assert not leaked, f"{key} holds logins {leaked[:3]}: {text[:300]}"
        numbers = {v for v in values(source) if isinstance(v, int) and not isinstance(v, bool)}
        numbers |= {int(v) for v in values(source) if isinstance(v, str) and v.isdigit()}
        assert not numbers & ids, f"{key} holds GitHub user ids {sorted(numbers & ids)[:3]}"
    # Every index a collection fills was looked at, the per-user ones included.
    for index in (ix.USER_DAILY, ix.SEATS, ix.USER_ADOPTION, ix.TEAM_DAILY, ix.TEAM_BREAKDOWN, ix.INGESTION_LOG):
        assert seen.get(index.key, 0) > 0, index.key

    # The pseudonyms are the keyed hashes of the real logins and ids: stable for as long as the key is.
    key = Secret(KEY)
    expected = {pseudonym(key, u.login): pseudonymous_id(key, u.id) for u in users}
    stored = es.search(index=ix.USER_DAILY.name(prefix), size=10_000, query={"match_all": {}})["hits"]["hits"]
    for hit in stored:
        src = hit["_source"]
        assert src[ix.USER_LOGIN].startswith(PSEUDONYM_PREFIX)
        assert expected[src[ix.USER_LOGIN]] == src[ix.USER_ID]
    seats = es.search(index=ix.SEATS.name(prefix), size=10_000, query={"term": {ix.UNASSIGNED: False}})
    for hit in seats["hits"]["hits"]:
        assert hit["_source"][ix.SEAT_KEY] == hit["_source"][ix.USER_LOGIN] in expected


def test_pseudonymous_collection_keeps_every_document_of_an_identified_one(server, es, engine_url):
    collect(server, engine_url, es, "plain_")
    collect(server, engine_url, es, "pseudo_", **PSEUDONYMOUS)
    plain, pseudo = all_counts(es, "plain_"), all_counts(es, "pseudo_")
    assert pseudo == plain
    assert plain["user_daily"] > 0
    # Same people, same numbers: the per-user leaderboard sums agree.
    field = ix.CODE_ACCEPTANCE_ACTIVITY_COUNT
    sums = [es.search(index=ix.USER_DAILY.name(p), size=0, aggs={"s": {"sum": {"field": field}}})
            ["aggregations"]["s"]["value"] for p in ("plain_", "pseudo_")]
    assert sums[0] == sums[1] > 0


def _reveal(argv: list[str], env: dict[str, str]) -> int:
    parser = argparse.ArgumentParser()
    reveal.add_arguments(parser)
    return reveal.run(parser.parse_args(argv), env=env)


def test_reveal_maps_stored_pseudonyms_to_logins_only_with_the_key(world, server, es, engine_url, prefix, capsys):
    collect(server, engine_url, es, prefix, **PSEUDONYMOUS)
    hits = es.search(index=ix.USER_DAILY.name(prefix), size=3, query={"match_all": {}},
                     sort=[{ix.USER_LOGIN: "asc"}])["hits"]["hits"]
    stored = [h["_source"][ix.USER_LOGIN] for h in hits]
    stored_id = str(hits[0]["_source"][ix.USER_ID])
    by_login = {u.login: u for u in world.population.users}
    github = {"GITHUB_PAT": "sim-token", "GITHUB_API_URL": server.url, "ORGANIZATION_SLUGS": ",".join(ORGS),
              "ENTERPRISE_SLUGS": ENT}
    capsys.readouterr()

    assert _reveal([*stored, stored_id, "--from-github"], {**github, "PRIVACY_KEY": KEY}) == 0
    out = dict(line.split("  ", 1) for line in capsys.readouterr().out.splitlines())
    assert set(out) == {*stored, stored_id}
    for name in stored:
        assert pseudonym(Secret(KEY), by_login[out[name]].login) == name
    assert pseudonymous_id(Secret(KEY), by_login[out[stored_id]].id) == int(stored_id)

    # Another key finds nobody; no key at all is refused with what to set.
    assert _reveal([*stored, "--from-github"], {**github, "PRIVACY_KEY": "another-key-0123456789"}) == 1
    assert "(not among the candidates)" in capsys.readouterr().out
    assert _reveal([*stored, "--from-github"], github) == 2
    assert "PRIVACY_KEY" in capsys.readouterr().err
    # A login's own pseudonym, for a subject access request.
    some = next(iter(by_login))
    assert _reveal(["--login", some], {"PRIVACY_KEY": KEY}) == 0
    assert capsys.readouterr().out.split() == [some, pseudonym(Secret(KEY), some)]


def _team_sizes(es: Any, prefix: str) -> dict[tuple[str, str, str], int]:
    hits = es.search(index=ix.TEAM_DAILY.name(prefix), size=10_000, query={"match_all": {}})["hits"]["hits"]
    return {(h["_source"][ix.SCOPE], h["_source"][ix.TEAM], h["_source"][ix.DAY][:10]): h["_source"][ix.TEAM_MEMBERS]
            for h in hits}


def _flags(es: Any, prefix: str, index: ix.IndexDef) -> dict[tuple[str, str, str], set[bool]]:
    out: dict[tuple[str, str, str], set[bool]] = {}
    for h in es.search(index=index.name(prefix), size=10_000, query={"match_all": {}})["hits"]["hits"]:
        s = h["_source"]
        out.setdefault((s[ix.SCOPE], s[ix.TEAM], s[ix.DAY][:10]), set()).add(s[ix.SMALL_TEAM])
    return out


def _teams_shown_by_dashboards(es: Any, prefix: str) -> set[str]:
    """Team names every team panel of the generated dashboards returns, run as Grafana would send them."""
    start = int(dt.datetime.combine(START, dt.time(), dt.UTC).timestamp() * 1000)
    end = int(NOW.timestamp() * 1000)
    time_fields = {d["uid"]: d["jsonData"]["timeField"] for d in datasources()["datasources"]}
    shown: set[str] = set()
    for text in rendered().values():
        for panel in panels(json.loads(text)):
            for target in panel["targets"]:
                index = index_of(target["datasource"])
                if index not in (ix.TEAM_DAILY, ix.TEAM_BREAKDOWN):
                    continue
                body = search_body(target, start, end, {}, time_field=time_fields[target["datasource"]["uid"]])
                got = answer(target, es.search(index=index.name(prefix), **body)["aggregations"])
                if got.table is not None:
                    shown |= {str(row[ix.TEAM]) for row in got.table.rows if ix.TEAM in row}
                shown |= {s.labels[ix.TEAM] for s in got.series if ix.TEAM in s.labels}
    return shown


def test_small_teams_are_stored_flagged_and_absent_from_the_dashboards(server, es, engine_url, prefix):
    collect(server, engine_url, es, prefix, MIN_TEAM_SIZE="1")
    sizes = _team_sizes(es, prefix)
    distinct = sorted(set(sizes.values()))
    assert len(distinct) >= 2, f"the world needs teams of different sizes, got {distinct}"
    floor = distinct[len(distinct) // 2]  # some teams below, some at or above
    small = {k for k, n in sizes.items() if n < floor}
    assert small
    assert len(small) < len(sizes)
    all_teams = {k[1] for k in sizes}
    assert _teams_shown_by_dashboards(es, prefix) >= all_teams  # MIN_TEAM_SIZE=1 hides nothing

    collect(server, engine_url, es, prefix, MIN_TEAM_SIZE=str(floor))  # the run's last pass re-flags
    for index in (ix.TEAM_DAILY, ix.TEAM_BREAKDOWN):
        for key, flags in _flags(es, prefix, index).items():
            assert flags == {key in small}, (index.key, key, sizes[key])
    always_small = {t for t in all_teams if all(k in small for k in sizes if k[1] == t)}
    never_small = {t for t in all_teams if not any(k in small for k in sizes if k[1] == t)}
    shown = _teams_shown_by_dashboards(es, prefix)
    assert never_small <= shown
    assert not (always_small & shown), f"small teams shown: {always_small & shown}"
    # Stored, not deleted: the counts are those of the first run.
    assert len(_team_sizes(es, prefix)) == len(sizes)

    # Lowering the floor again shows them again (nothing was lost).
    assert sum(reflag_small_teams(es, prefix, 1).values()) > 0
    assert not any(True in f for f in _flags(es, prefix, ix.TEAM_DAILY).values())


def _by_day(es: Any, prefix: str, index: ix.IndexDef) -> dict[str, int]:
    answer = es.search(index=index.name(prefix), size=0,
                       aggs={"d": {"terms": {"field": ix.DAY, "size": 1000, "format": "yyyy-MM-dd"}}})
    return {b["key_as_string"]: b["doc_count"] for b in answer["aggregations"]["d"]["buckets"]}


def test_retention_deletes_old_per_user_documents_and_nothing_else(es, engine_url, prefix):
    world = World(sim_config(days=40, users=20, teams=3))
    with SimulatorServer(world) as server:
        first = run(settings_for(server, engine_url, prefix), es=es, now=clock(NOW))
        assert first.ok, first.errors
        before = {i.key: _by_day(es, prefix, i) for i in ix.all_indices()}
        cutoff = (SIM_TODAY - dt.timedelta(days=30)).isoformat()
        assert any(d < cutoff for d in before["user_daily"]), "nothing old enough to delete"

        second = run(settings_for(server, engine_url, prefix, USER_RETENTION_DAYS="30"), es=es, now=clock(NOW))
        assert second.ok, second.errors
    after = {i.key: _by_day(es, prefix, i) for i in ix.all_indices()}
    per_user = {i.key for i in PER_USER_INDICES}
    for key in before:
        if key in per_user:
            assert after[key] == {d: n for d, n in before[key].items() if d >= cutoff}, key
        elif key != "ingestion_log":  # the second run logs its fetches again
            assert after[key] == before[key], key
    assert set(after["ingestion_log"]) == set(before["ingestion_log"])
    assert min(after["team_daily"]) < cutoff  # team numbers of the old days are kept
