"""deploy/docker-compose.yml: valid against the Compose specification's JSON schema, and safe by construction."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
SECRET_NAMES = ("GITHUB_PAT", "ELASTIC_PASSWORD", "COPILOT_WRITER_PASSWORD", "GRAFANA_READER_PASSWORD",
                "GRAFANA_ADMIN_PASSWORD")
# A value is acceptable for a secret only when it is a reference to the .env file, never a literal.
REFERENCE = re.compile(r"^\$\{[A-Z_]+(:\?[^}]*)?\}$")


def compose_schema() -> dict[str, Any]:
    # The official compose-spec schema, as shipped inside check-jsonschema (already a dev dependency).
    path = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_is_valid_against_the_compose_spec_schema(compose):
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_check_catches_a_broken_file(compose):
    broken = {**compose, "services": {**compose["services"], "grafana": {**compose["services"]["grafana"],
                                                                         "ports": "3000:3000"}}}
    schema = compose_schema()
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))


def test_three_services_and_only_grafana_is_published(compose):
    services = compose["services"]
    assert set(services) == {"elasticsearch", "collector", "grafana"}
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"grafana"}
    assert services["grafana"]["ports"] == ["${GRAFANA_PORT:-3000}:3000"]


def test_collector_loops_on_the_configured_interval_and_waits_for_a_healthy_store(compose):
    collector = compose["services"]["collector"]
    assert collector["command"] == ["copilot-usage", "collect", "--every", "${EXECUTION_INTERVAL_HOURS:-1}h"]
    assert collector["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert collector["environment"]["ELASTICSEARCH_USERNAME"] == "copilot_writer"
    assert (DEPLOY / collector["build"]["context"] / collector["build"]["dockerfile"]).is_file()


def test_elasticsearch_has_security_on_and_grafana_gets_the_provisioning(compose):
    es = compose["services"]["elasticsearch"]
    config = yaml.safe_load((DEPLOY / es["build"]["context"] / "elasticsearch.yml").read_text(encoding="utf-8"))
    assert config["xpack.security.enabled"] is True
    grafana = compose["services"]["grafana"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"] if v.startswith("..")}
    assert mounts["/etc/grafana/provisioning"] == "../grafana/provisioning"
    assert mounts["/var/lib/grafana/dashboards"] == "../grafana/dashboards"
    assert grafana["environment"]["ELASTICSEARCH_USERNAME"] == "grafana_reader"


def test_no_secret_is_a_literal_and_the_env_file_is_ignored(compose):
    seen = 0
    for service in compose["services"].values():
        for name, value in service.get("environment", {}).items():
            if "PASSWORD" in name or name in SECRET_NAMES:
                seen += 1
                assert REFERENCE.match(str(value)), f"{name} must come from .env, got a literal"
    assert seen >= len(SECRET_NAMES)
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    for name in SECRET_NAMES:
        assert re.search(rf"^{name}=$", example, re.MULTILINE), f"{name} must be listed empty in .env.example"
    ignored = (DEPLOY.parent / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored


def test_grafana_gets_every_variable_its_provisioning_reads(compose):
    provisioning = DEPLOY.parent / "grafana" / "provisioning"
    wanted = {m for p in provisioning.rglob("*.yaml") for m in re.findall(r"\$\{([A-Z_]+)", p.read_text("utf-8"))}
    assert wanted, "the provisioning reads its connection from the environment"
    assert wanted <= set(compose["services"]["grafana"]["environment"])
