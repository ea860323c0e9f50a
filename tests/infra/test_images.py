"""The two container images azd builds: pinned bases, non-root users, and an Elasticsearch configuration
that can run on Container Apps (no sysctls, no memlock, TLS at the ingress, security on)."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.infra.tools import REPO

ES_DIR = REPO / "elasticsearch"
GRAFANA_DIR = REPO / "grafana"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_elasticsearch_image_is_a_pinned_819_patch_run_as_elasticsearch() -> None:
    steps = instructions((ES_DIR / "Dockerfile").read_text())
    froms = [args for kw, args in steps if kw == "FROM"]
    assert len(froms) == 1
    assert re.fullmatch(r"docker\.elastic\.co/elasticsearch/elasticsearch:8\.19\.\d+", froms[0])
    users = [args for kw, args in steps if kw == "USER"]
    assert users[-1] == "1000:0", "the node must not run as root"
    assert ("ENTRYPOINT", '["/bin/tini", "--", "/usr/local/bin/entrypoint.sh"]') in steps
    assert ("CMD", '["eswrapper"]') in steps


def test_the_collector_client_major_matches_the_server() -> None:
    steps = instructions((ES_DIR / "Dockerfile").read_text())
    server_major = next(args for kw, args in steps if kw == "FROM").rsplit(":", 1)[1].split(".")[0]
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    client = next(d for d in dependencies if d.startswith("elasticsearch"))
    assert f"<{int(server_major) + 1}" in client
    assert f">={server_major}." in client


def test_elasticsearch_configuration_suits_container_apps() -> None:
    config = yaml.safe_load((ES_DIR / "elasticsearch.yml").read_text())
    assert config["discovery.type"] == "single-node"
    assert config["node.store.allow_mmap"] is False
    assert config["bootstrap.memory_lock"] is False
    assert config["xpack.security.enabled"] is True
    assert config["xpack.security.http.ssl.enabled"] is False  # TLS ends at the Container Apps ingress
    assert config["transport.host"] == "127.0.0.1"  # no other node; keeps bootstrap checks as warnings
    assert config["http.host"] == "0.0.0.0"  # noqa: S104 - the node must answer the ingress


def test_entrypoint_starts_the_bootstrap_then_hands_over() -> None:
    lines = [line.strip() for line in (ES_DIR / "entrypoint.sh").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert "/usr/local/bin/bootstrap-users.sh &" in lines
    assert lines[-1] == 'exec /usr/local/bin/docker-entrypoint.sh "$@"'
    copied = next(args for kw, args in instructions((ES_DIR / "Dockerfile").read_text())
                  if kw == "COPY" and "entrypoint.sh" in args)
    assert "bootstrap-users.sh" in copied


def test_grafana_image_is_pinned_12x_non_root_and_provisioned_from_the_repo() -> None:
    steps = instructions((GRAFANA_DIR / "Dockerfile").read_text())
    (base,) = [args for kw, args in steps if kw == "FROM"]
    assert re.fullmatch(r"grafana/grafana(-oss)?:12\.\d+\.\d+", base)
    assert ("COPY", "provisioning /etc/grafana/provisioning") in steps
    assert ("COPY", "dashboards /var/lib/grafana/dashboards") in steps
    users = [args for kw, args in steps if kw == "USER"]
    assert users
    assert users[-1] not in ("0", "root")
    assert ("EXPOSE", "3000") in steps
    assert (GRAFANA_DIR / "provisioning").is_dir()
    assert (GRAFANA_DIR / "dashboards").is_dir()


def test_grafana_image_starts_through_the_alert_entrypoint_then_grafanas_own() -> None:
    steps = instructions((GRAFANA_DIR / "Dockerfile").read_text())
    (entrypoint,) = [args for kw, args in steps if kw == "ENTRYPOINT"]
    assert entrypoint == '["/bin/sh", "/usr/local/bin/copilot-grafana-entrypoint.sh"]'
    assert ("COPY", "entrypoint.sh /usr/local/bin/copilot-grafana-entrypoint.sh") in steps
    assert ("COPY", "alerting-optional /etc/grafana/alerting-optional") in steps
    assert (GRAFANA_DIR / "alerting-optional" / "webhook.yaml").is_file()
    # The script's defaults are where the Dockerfile puts things, and it hands over with exec.
    script = (GRAFANA_DIR / "entrypoint.sh").read_text()
    assert 'run_sh="${GRAFANA_RUN_SH:-/run.sh}"' in script
    assert 'optional_dir="${ALERT_OPTIONAL_DIR:-/etc/grafana/alerting-optional}"' in script
    assert 'source_dir="${GF_PATHS_PROVISIONING:-/etc/grafana/provisioning}"' in script
    assert script.rstrip().splitlines()[-1] == 'exec "$run_sh" "$@"'
    # The entrypoint must not undo the non-root user: USER comes after it or is the stock one anyway.
    users = [args for kw, args in steps if kw == "USER"]
    assert users[-1] not in ("0", "root")
