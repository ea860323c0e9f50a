"""A field GitHub adds is news, not silence: kept in the raw archive, named once per run in the summary and
the log, and shown by `status` (the simulator's users rows carry one such field on purpose)."""

from __future__ import annotations

import datetime as dt
import gzip
import logging

from copilot_usage.run import run
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.simulator.activity import UNKNOWN_FIELD
from copilot_usage.store.ingestion_log import freshness
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.integration.test_collect import NOW, clock, settings_for


def test_a_new_field_is_named_once_per_run_kept_in_the_archive_and_shown_by_status(es, engine_url, prefix, tmp_path,
                                                                                   caplog):
    caplog.set_level(logging.WARNING, "copilot_usage.run")
    archive = tmp_path / "archive"
    world = World(sim_config(days=8, users=60, teams=2))
    days = [SIM_TODAY - dt.timedelta(days=back) for back in range(2, 6)]
    carriers = {s.slug for s in world.scopes() for d in days
                if any(UNKNOWN_FIELD in r for r in world.user_records(s, d))}
    assert "sim-org-1" in carriers, "the world must carry the new field for the checks below to mean anything"
    assert carriers != {s.slug for s in world.scopes()}, "and some scope without it"
    with SimulatorServer(world) as server:
        settings = settings_for(server, engine_url, prefix, ARCHIVE_DIR=str(archive),
                                BACKFILL_START=(SIM_TODAY - dt.timedelta(days=5)).isoformat())
        summary = run(settings, es=es, now=clock(NOW))
    assert summary.ok, summary.errors
    assert summary.to_dict()["new_fields"] == {"users": [UNKNOWN_FIELD]}
    warnings = [r.getMessage() for r in caplog.records if r.getMessage().startswith("new field seen")]
    assert warnings == [f"new field seen: {UNKNOWN_FIELD} in report users (kept in the raw archive; stored once the "
                        "collector knows it: upgrade, then `copilot-usage reprocess`)"]
    # The archive holds the files as GitHub sent them, the new field included.
    users_files = sorted((archive / "organization" / "sim-org-1" / "users").rglob("part-*.json.gz"))
    assert users_files
    assert any(UNKNOWN_FIELD.encode() in gzip.decompress(p.read_bytes()) for p in users_files)
    rows = {(r["scope"], r["report"]): r for r in freshness(es, prefix)}
    for scope in world.scopes():
        assert rows[(scope.slug, "users")]["new_fields"] == (UNKNOWN_FIELD if scope.slug in carriers else ""), scope
        assert rows[(scope.slug, "aggregate")]["new_fields"] == ""
