"""deploy/kubernetes: the manifests parse and say what the deployment promises (structural checks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "kubernetes"
DOC = ROOT / "docs" / "deploy-kubernetes.md"
SECRET = "copilot-usage"
SECRET_KEYS = {"github-pat", "elastic-password", "copilot-writer-password", "grafana-reader-password",
               "grafana-admin-password"}


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")):
            assert {"apiVersion", "kind", "metadata"} <= set(doc), name
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in out, f"duplicate {key}"
            out[key] = doc
    return out


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]["containers"] if "template" in spec else []


def env_values(obj: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for c in containers(obj):
        for e in c.get("env", []):
            yield e["name"], e


def test_every_manifest_is_listed_and_the_expected_objects_exist(objects):
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert {("CronJob", "collector"), ("StatefulSet", "elasticsearch"), ("Deployment", "grafana"),
            ("Service", "elasticsearch"), ("Service", "grafana")} <= set(objects)


def test_collector_is_an_hourly_cronjob_that_never_overlaps(objects):
    cron = objects[("CronJob", "collector")]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    minute, hour, *rest = cron["spec"]["schedule"].split()
    assert [hour, *rest] == ["*", "*", "*", "*"]
    assert minute.isdigit()
    assert containers(cron)[0]["command"] == ["copilot-usage", "collect"]


def test_elasticsearch_is_a_statefulset_with_a_volume_claim_and_security_on(objects):
    sts = objects[("StatefulSet", "elasticsearch")]
    [claim] = sts["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in containers(sts)[0]["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/usr/share/elasticsearch/data"
    config = yaml.safe_load((ROOT / "elasticsearch" / "elasticsearch.yml").read_text(encoding="utf-8"))
    assert config["xpack.security.enabled"] is True
    assert "ELASTIC_PASSWORD" in dict(env_values(sts))


def test_nothing_is_exposed_outside_the_cluster(objects):
    for (kind, name), obj in objects.items():
        if kind == "Service":
            assert obj["spec"].get("type", "ClusterIP") == "ClusterIP", name
        assert kind not in ("Ingress", "Route"), name


def test_secrets_come_only_from_the_documented_secret_object(objects):
    assert not [k for k in objects if k[0] == "Secret"], "Secrets are created by hand, never committed"
    used: set[str] = set()
    for obj in objects.values():
        for name, env in env_values(obj):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if "PASSWORD" in name or name == "GITHUB_PAT":
                assert ref is not None, f"{obj['metadata']['name']}: {name} must come from the Secret"
            if ref:
                assert ref["name"] == SECRET
                used.add(ref["key"])
    assert used == SECRET_KEYS
    doc = DOC.read_text(encoding="utf-8")
    assert f"create secret generic {SECRET}" in doc
    for key in SECRET_KEYS:
        assert f"--from-literal={key}=" in doc or f"--from-file={key}=" in doc, key


def test_grafana_gets_every_variable_its_provisioning_reads(objects):
    provisioning = ROOT / "grafana" / "provisioning"
    wanted = {m for p in provisioning.rglob("*.yaml") for m in re.findall(r"\$\{([A-Z_]+)", p.read_text("utf-8"))}
    assert wanted, "the provisioning reads its connection from the environment"
    assert wanted <= dict(env_values(objects[("Deployment", "grafana")])).keys()
