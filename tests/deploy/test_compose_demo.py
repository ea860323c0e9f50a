"""compose.yaml (the `demo` profile): valid Compose, no token needed, wired to the simulator, and built from
the same images and provisioning as production (deploy/docker-compose.yml)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from copilot_usage.cli import build_parser
from copilot_usage.settings import Settings
from copilot_usage.simulator import cli as simulator_cli
from copilot_usage.simulator.world import ENTERPRISE, ORGANIZATION
from tests.deploy.test_compose import COMPOSE as PRODUCTION_COMPOSE
from tests.deploy.test_compose import compose_schema

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "compose.yaml"
SERVICES = {"github", "elasticsearch", "collector", "grafana"}


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    return yaml.safe_load(PRODUCTION_COMPOSE.read_text(encoding="utf-8"))


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation for the forms this file may use: $$, ${NAME} and ${NAME:-default}."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(3)
        return env.get(name) or (default or "")
    return re.sub(r"\$\$|\$\{([A-Z_][A-Z0-9_]*)(:-([^}]*))?\}", one, value)


def _strings(node: Any) -> list[str]:
    """Every string value (and key) of a parsed YAML document: what Compose interpolates (not comments)."""
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in (*_strings(k), *_strings(v))]
    if isinstance(node, list):
        return [x for v in node for x in _strings(v)]
    return [node] if isinstance(node, str) else []


def _simulator_args(command: list[str]) -> argparse.Namespace:
    assert command[:3] == ["python", "-m", "copilot_usage.simulator"]
    parser = argparse.ArgumentParser()
    simulator_cli.add_arguments(parser)
    return parser.parse_args(command[3:])


def test_demo_file_is_valid_against_the_compose_spec_schema(demo):
    schema = compose_schema()
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(demo))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_every_service_is_in_the_demo_profile_and_nothing_is_required_from_the_user(demo):
    assert set(demo["services"]) == SERVICES
    for name, service in demo["services"].items():
        assert service.get("profiles") == ["demo"], name
    # A fresh clone has no .env: a `${VAR:?...}` or a bare `${VAR}` would stop or blank the demo.
    references = [r for value in _strings(demo) for r in re.findall(r"(?<!\$)\$\{[^}]*\}", value)]
    assert references, "the Grafana port is configurable"
    assert all(":-" in r for r in references), references


def test_only_grafana_is_published_and_only_on_loopback(demo):
    published = {name: svc["ports"] for name, svc in demo["services"].items() if svc.get("ports")}
    assert list(published) == ["grafana"]
    assert all(str(p).startswith("127.0.0.1:") for p in published["grafana"])


def test_same_images_and_provisioning_as_production(demo, production):
    ours, theirs = demo["services"], production["services"]
    demo_es_context = (ROOT / ours["elasticsearch"]["build"]["context"]).resolve()
    prod_es_context = (PRODUCTION_COMPOSE.parent / theirs["elasticsearch"]["build"]["context"]).resolve()
    assert demo_es_context == prod_es_context
    for name in ("collector", "github"):
        build = ours[name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).resolve() == (
            PRODUCTION_COMPOSE.parent / theirs["collector"]["build"]["context"]
            / theirs["collector"]["build"]["dockerfile"]).resolve(), name
    assert ours["grafana"]["image"] == theirs["grafana"]["image"]

    def mounts(volumes: list[str], base: Path) -> dict[str, Path]:
        return {v.split(":")[1]: (base / v.split(":")[0]).resolve() for v in volumes if v.startswith(".")}

    assert mounts(ours["grafana"]["volumes"], ROOT) == mounts(
        [v for v in theirs["grafana"]["volumes"] if v.startswith(".")], PRODUCTION_COMPOSE.parent)
    # The demo collector runs production's loop command, only with BACKFILL_START set first.
    script = ours["collector"]["command"][2]
    assert script.endswith("exec copilot-usage collect --every 1h")
    args = build_parser().parse_args(shlex.split(script.split("exec ", 1)[1])[1:])
    assert args.command == "collect"
    assert args.every == 3600


def test_passwords_and_users_line_up_between_the_engine_and_its_clients(demo):
    s = demo["services"]
    es_env = s["elasticsearch"]["environment"]
    assert s["collector"]["environment"]["ELASTICSEARCH_USERNAME"] == "copilot_writer"
    assert s["collector"]["environment"]["ELASTICSEARCH_PASSWORD"] == es_env["COPILOT_WRITER_PASSWORD"]
    assert s["grafana"]["environment"]["ELASTICSEARCH_USERNAME"] == "grafana_reader"
    assert s["grafana"]["environment"]["ELASTICSEARCH_PASSWORD"] == es_env["GRAFANA_READER_PASSWORD"]
    assert es_env["COPILOT_WRITER_PASSWORD"] != es_env["GRAFANA_READER_PASSWORD"]
    for name in ("collector", "grafana"):
        assert s[name]["environment"]["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
        assert s[name]["environment"]["INDEX_PREFIX"] == es_env["INDEX_PREFIX"]
    assert s["collector"]["depends_on"] == {"github": {"condition": "service_healthy"},
                                            "elasticsearch": {"condition": "service_healthy"}}
    assert s["grafana"]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"


def test_grafana_gets_every_variable_its_provisioning_reads(demo):
    provisioning = ROOT / "grafana" / "provisioning"
    wanted = {m for p in provisioning.rglob("*.yaml") for m in re.findall(r"\$\{([A-Z_]+)", p.read_text("utf-8"))}
    assert wanted <= set(demo["services"]["grafana"]["environment"])


def test_the_collector_is_configured_for_exactly_the_simulated_world(demo):
    """The simulator's flags parse with its own parser; the collector asks for the scopes that world has,
    at the address and port the simulator listens on, and its environment is a valid configuration."""
    sim = _simulator_args(demo["services"]["github"]["command"])
    assert sim.host == "0.0.0.0"  # noqa: S104 - inside its container, reachable from the collector
    world = simulator_cli.build(argparse.Namespace(**{**vars(sim), "port": 0, "host": "127.0.0.1"})).world
    env = {k: str(v) for k, v in demo["services"]["collector"]["environment"].items()}
    assert env["GITHUB_API_URL"] == f"http://github:{sim.port}"
    assert env["ORGANIZATION_SLUGS"].split(",") == [s.slug for s in world.scopes(ORGANIZATION)]
    assert env["ENTERPRISE_SLUGS"].split(",") == [s.slug for s in world.scopes(ENTERPRISE)]
    settings = Settings.from_env(env)
    assert sorted(str(s) for s in settings.scopes) == sorted(
        [f"organization:{s.slug}" for s in world.scopes(ORGANIZATION)]
        + [f"enterprise:{s.slug}" for s in world.scopes(ENTERPRISE)])
    # BACKFILL_START must be the simulator's first day: `--days N` serves today-(N-1) .. today-2.
    script = demo["services"]["collector"]["command"][2]
    assert f"'{sim.days - 1} days ago'" in script


def test_the_collector_command_sets_the_backfill_start_before_it_starts(demo, tmp_path):
    """Run the command's shell script (after Compose's $$ unescaping) with a stand-in `copilot-usage` that
    prints what it was started with."""
    fake = tmp_path / "copilot-usage"
    fake.write_text('#!/bin/sh\necho "BACKFILL_START=$BACKFILL_START"\necho "ARGS=$*"\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    command = [_interpolate(part, {}) for part in demo["services"]["collector"]["command"]]
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=True).stdout
    sim = _simulator_args(demo["services"]["github"]["command"])
    started = re.search(r"^BACKFILL_START=(\d{4}-\d{2}-\d{2})$", out, re.MULTILINE)
    assert started, out
    expected = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=sim.days - 1)
    assert abs((dt.date.fromisoformat(started.group(1)) - expected).days) <= 1  # a run across midnight
    assert "ARGS=collect --every 1h" in out
    Settings.from_env({**{k: str(v) for k, v in demo["services"]["collector"]["environment"].items()},
                       "BACKFILL_START": started.group(1)})


def test_the_simulator_entry_point_serves_and_its_healthcheck_passes(demo):
    """Start `python -m copilot_usage.simulator` with the demo's flags (on loopback, a free port), then run the
    service's healthcheck probe against it."""
    command = demo["services"]["github"]["command"]
    args = [sys.executable, *command[1:]]
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = "0"
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            url = re.search(r"listening on (http://\S+)", first)
            assert url, first + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
            slugs = [proc.stdout.readline() for _ in range(3)]
            assert "ORGANIZATION_SLUGS=sim-org-1,sim-org-2\n" in slugs
            probe = demo["services"]["github"]["healthcheck"]["test"]
            assert probe[:3] == ["CMD", "python", "-c"]
            port = url.group(1).rsplit(":", 1)[1]
            code = probe[3].replace("127.0.0.1:8080", f"127.0.0.1:{port}")
            subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
            with urllib.request.urlopen(f"{url.group(1)}/_simulator/control", timeout=5) as reply:
                assert reply.status == 200
        finally:
            proc.terminate()
            proc.wait(timeout=10)
