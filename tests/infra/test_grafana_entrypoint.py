"""grafana/entrypoint.sh run for real with sh: a fake run.sh records what Grafana would have been started
with, so the test sees the provisioning tree Grafana would read."""

from __future__ import annotations

import os
import shutil
import string
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards.alerts import LABEL, WEBHOOK_CONTACT_POINT, alert_rules
from tests.infra.tools import REPO, optional_tool

GRAFANA = REPO / "grafana"
SCRIPT = GRAFANA / "entrypoint.sh"
WEBHOOK = "https://hooks.example.test/services/T000/B000/s3cr3t-token?sig=abc"

FAKE_RUN_SH = """#!/bin/sh
# Stands in for the official image's /run.sh: record arguments and the provisioning path, then stop.
printf '%s\\n' "$@" > "$RECORD_DIR/args"
printf '%s' "${GF_PATHS_PROVISIONING:-}" > "$RECORD_DIR/provisioning"
"""


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    """A read-only copy of the image's provisioning tree, the optional files and a fake run.sh."""
    provisioning = tmp_path / "etc" / "provisioning"
    shutil.copytree(GRAFANA / "provisioning", provisioning)
    run_sh = tmp_path / "run.sh"
    run_sh.write_text(FAKE_RUN_SH)
    run_sh.chmod(0o755)
    for d in (tmp_path / "record", tmp_path / "tmp"):
        d.mkdir()
    return {"root": tmp_path, "provisioning": provisioning, "run_sh": run_sh,
            "record": tmp_path / "record", "tmp": tmp_path / "tmp"}


def start(box: dict[str, Path], **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "GRAFANA_RUN_SH": str(box["run_sh"]),
           "GF_PATHS_PROVISIONING": str(box["provisioning"]), "ALERT_OPTIONAL_DIR": str(GRAFANA / "alerting-optional"),
           "TMPDIR": str(box["tmp"]), "RECORD_DIR": str(box["record"]), **extra}
    return subprocess.run(["sh", str(SCRIPT), "--homepath", "/usr/share/grafana"], env=env, capture_output=True,
                          text=True, timeout=10, check=False)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_without_a_webhook_grafana_starts_on_the_image_tree_unchanged(sandbox: dict[str, Path]) -> None:
    before = tree(sandbox["provisioning"])
    for extra in ({}, {"ALERT_WEBHOOK_URL": ""}):
        result = start(sandbox, **extra)
        assert result.returncode == 0, result.stderr
        assert (sandbox["record"] / "provisioning").read_text() == str(sandbox["provisioning"])
        assert (sandbox["record"] / "args").read_text().split() == ["--homepath", "/usr/share/grafana"]
        assert tree(sandbox["provisioning"]) == before
        assert not list(sandbox["tmp"].iterdir()), "nothing is copied when no contact point is asked for"
        assert not any("contact" in name or "webhook" in name for name in before)


def test_a_webhook_adds_contact_point_and_policy_to_a_copy(sandbox: dict[str, Path]) -> None:
    before = tree(sandbox["provisioning"])
    result = start(sandbox, ALERT_WEBHOOK_URL=WEBHOOK)
    assert result.returncode == 0, result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr

    used = Path((sandbox["record"] / "provisioning").read_text())
    assert used.parent == sandbox["tmp"]
    assert (sandbox["record"] / "args").read_text().split() == ["--homepath", "/usr/share/grafana"]
    assert tree(sandbox["provisioning"]) == before, "the image's tree is left alone"
    copied = tree(used)
    assert {name: copied[name] for name in before} == before, "every original file is still provisioned"
    assert set(copied) - set(before) == {"alerting/contact-point-webhook.yaml"}

    added: dict[str, Any] = yaml.safe_load(copied["alerting/contact-point-webhook.yaml"])
    (point,) = added["contactPoints"]
    (receiver,) = point["receivers"]
    assert receiver["type"] == "webhook"
    # Grafana expands the reference from its environment: the URL reaches Grafana but never the disk.
    assert receiver["settings"]["url"] == "$ALERT_WEBHOOK_URL"
    assert string.Template(receiver["settings"]["url"]).substitute(ALERT_WEBHOOK_URL=WEBHOOK) == WEBHOOK
    assert all(b"s3cr3t" not in content for content in copied.values())

    (policy,) = added["policies"]
    assert policy["receiver"] == point["name"] == WEBHOOK_CONTACT_POINT
    (route,) = policy["routes"]
    assert route["receiver"] == point["name"]
    assert route["object_matchers"] == [[LABEL[0], "=", LABEL[1]]]
    rules = [r for g in alert_rules()["groups"] for r in g["rules"]]
    assert rules
    assert all(r["labels"].get(LABEL[0]) == LABEL[1] for r in rules), "the route matches every rule"


@pytest.mark.parametrize("bad", ["hooks.example.test/s3cr3t", "ftp://hooks.example.test/s3cr3t", "https://"])
def test_a_bad_webhook_url_stops_before_grafana_without_showing_it(sandbox: dict[str, Path], bad: str) -> None:
    result = start(sandbox, ALERT_WEBHOOK_URL=bad)
    assert result.returncode == 64
    assert "ALERT_WEBHOOK_URL" in result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr
    assert not (sandbox["record"] / "provisioning").exists(), "Grafana was not started"


def test_a_missing_optional_file_is_named(sandbox: dict[str, Path]) -> None:
    result = start(sandbox, ALERT_WEBHOOK_URL=WEBHOOK, ALERT_OPTIONAL_DIR=str(sandbox["root"] / "nowhere"))
    assert result.returncode == 66
    assert "webhook.yaml" in result.stderr
    assert not (sandbox["record"] / "provisioning").exists()


def test_shellcheck_is_clean() -> None:
    result = subprocess.run([optional_tool("shellcheck"), "-s", "sh", str(SCRIPT)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stdout


# --- an existing cluster: the API-key datasources (issue 16) ------------------------------------------

API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6s3cr3t-key=="


def test_an_api_key_switches_to_the_api_key_datasources(sandbox: dict[str, Path]) -> None:
    before = tree(sandbox["provisioning"])
    result = start(sandbox, ELASTICSEARCH_API_KEY=API_KEY,
                   API_KEY_DATASOURCES_DIR=str(GRAFANA / "datasources-apikey"))
    assert result.returncode == 0, result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr
    used = Path((sandbox["record"] / "provisioning").read_text())
    assert used.parent == sandbox["tmp"]
    assert tree(sandbox["provisioning"]) == before, "the image's tree is left alone"
    copied = tree(used)
    assert set(copied) == set(before), "same files; only the datasources differ"
    variant = (GRAFANA / "datasources-apikey" / "elasticsearch.yaml").read_bytes()
    assert copied["datasources/elasticsearch.yaml"] == variant
    sources = yaml.safe_load(copied["datasources/elasticsearch.yaml"])["datasources"]
    assert sources
    for source in sources:
        assert source["basicAuth"] is False
        assert "basicAuthUser" not in source
        assert source["jsonData"]["httpHeaderName1"] == "Authorization"
        assert source["secureJsonData"] == {"httpHeaderValue1": "ApiKey ${ELASTICSEARCH_API_KEY}"}
    # The same datasources (names, uids, indices) as with a user and password: dashboards need no change.
    basic = yaml.safe_load(before["datasources/elasticsearch.yaml"])["datasources"]
    assert [(s["uid"], s["jsonData"]["index"]) for s in sources] == [(s["uid"], s["jsonData"]["index"]) for s in basic]
    assert all(b"s3cr3t" not in content for content in copied.values())


def test_api_key_and_webhook_together(sandbox: dict[str, Path]) -> None:
    result = start(sandbox, ELASTICSEARCH_API_KEY=API_KEY, ALERT_WEBHOOK_URL=WEBHOOK,
                   API_KEY_DATASOURCES_DIR=str(GRAFANA / "datasources-apikey"))
    assert result.returncode == 0, result.stderr
    copied = tree(Path((sandbox["record"] / "provisioning").read_text()))
    assert "alerting/contact-point-webhook.yaml" in copied
    assert b"httpHeaderName1" in copied["datasources/elasticsearch.yaml"]


def test_a_missing_api_key_datasources_file_is_named(sandbox: dict[str, Path]) -> None:
    result = start(sandbox, ELASTICSEARCH_API_KEY=API_KEY, API_KEY_DATASOURCES_DIR=str(sandbox["root"] / "nowhere"))
    assert result.returncode == 66
    assert "elasticsearch.yaml is missing" in result.stderr
    assert not (sandbox["record"] / "provisioning").exists()
