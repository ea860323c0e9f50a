"""checkov over the Bicep, the GitHub workflows and the Azure Pipelines files.

Three rules: checkov must parse every file (its parse errors do not change its exit code, so they are
read from the JSON summary), it must actually have checked something, and every failed check must be
in tests/infra/checkov-skips.yaml with a reason. A skip entry that matches no failure fails too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.tools import REPO, checkov_bin

SKIPS_FILE = Path(__file__).with_name("checkov-skips.yaml")


@dataclass(frozen=True)
class Report:
    summary: dict[str, Any]
    failed: list[dict[str, Any]]
    passed: list[dict[str, Any]]


def start_checkov(directory: Path, framework: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(checkov_bin()), "--directory", str(directory), "--framework", framework, "--skip-download",
         "--output", "json"],
        cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def collect(process: subprocess.Popen[str], framework: str) -> Report:
    stdout, stderr = process.communicate(timeout=300)
    # checkov exits 1 when a check fails; anything else non-zero is a crash.
    assert process.returncode in (0, 1), f"checkov crashed ({process.returncode}): {stderr[-2000:]}"
    data = json.loads(stdout)
    reports = data if isinstance(data, list) else [data]
    report = next((r for r in reports if r.get("check_type") == framework), None)
    if report is None:  # checkov prints a bare summary when it found nothing to check
        return Report(reports[0].get("summary", reports[0]), [], [])
    results = report.get("results", {})
    return Report(report["summary"], results.get("failed_checks", []), results.get("passed_checks", []))


@pytest.fixture(scope="module")
def skips() -> dict[str, list[dict[str, str]]]:
    data = yaml.safe_load(SKIPS_FILE.read_text())
    for framework, entries in data.items():
        for entry in entries:
            assert {"check", "file", "reason"} <= entry.keys(), f"{framework}: incomplete skip entry {entry}"
            assert len(entry["reason"].split()) >= 5, f"{framework}: skip {entry['check']} needs a real reason"
    return data


def unexplained(report: Report, entries: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
    """(failures not covered by a skip entry, skip entries that covered nothing)."""
    used: set[int] = set()
    left: list[str] = []
    for failure in report.failed:
        file = failure["file_path"].lstrip("/")
        matched = [
            i for i, e in enumerate(entries)
            if e["check"] == failure["check_id"] and e["file"] == file
            and e.get("resource", failure["resource"]) == failure["resource"]
        ]
        used.update(matched)
        if not matched:
            left.append(f"{failure['check_id']} {file} {failure['resource']}: {failure['check_name']}")
    stale = [e for i, e in enumerate(entries) if i not in used]
    return left, stale


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    # checkov's azure_pipelines runner only reads files named azure-pipelines.yml, while azd requires
    # .azdo/pipelines/azure-dev.yml: scan copies under the name checkov looks for.
    pipelines = tmp_path_factory.mktemp("azdo")
    for source in sorted((REPO / ".azdo" / "pipelines").glob("*.yml")):
        target = pipelines / source.stem / "azure-pipelines.yml"
        target.parent.mkdir()
        shutil.copyfile(source, target)
    # The three scans are independent: run them side by side (each takes a few seconds).
    started = {
        "bicep": start_checkov(REPO / "infra", "bicep"),
        "github_actions": start_checkov(REPO / ".github" / "workflows", "github_actions"),
        "azure_pipelines": start_checkov(pipelines, "azure_pipelines"),
    }
    try:
        return {framework: collect(process, framework) for framework, process in started.items()}
    finally:
        for process in started.values():
            if process.poll() is None:  # only after a failure above
                process.kill()
                process.wait()


@pytest.fixture
def bicep_report(reports: dict[str, Report]) -> Report:
    return reports["bicep"]


@pytest.fixture
def workflows_report(reports: dict[str, Report]) -> Report:
    return reports["github_actions"]


@pytest.fixture
def pipelines_report(reports: dict[str, Report]) -> Report:
    return reports["azure_pipelines"]


@pytest.mark.parametrize("report_name", ["bicep_report", "workflows_report", "pipelines_report"])
def test_checkov_parses_everything_and_checks_something(report_name: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(report_name)
    assert report.summary["parsing_errors"] == 0, f"checkov could not parse some files: {report.summary}"
    assert report.summary["passed"] + report.summary["failed"] > 0, "checkov checked nothing"


@pytest.mark.parametrize(("report_name", "framework"), [
    ("bicep_report", "bicep"),
    ("workflows_report", "github_actions"),
    ("pipelines_report", "azure_pipelines"),
])
def test_every_failed_check_is_an_explained_skip(
    report_name: str, framework: str, skips: dict[str, list[dict[str, str]]], request: pytest.FixtureRequest,
) -> None:
    report: Report = request.getfixturevalue(report_name)
    left, stale = unexplained(report, skips.get(framework, []))
    assert left == [], "failed checkov checks without a skip entry:\n" + "\n".join(left)
    assert stale == [], f"skip entries that match no failure (remove them): {stale}"


def test_bicep_checks_cover_the_main_resource_types(bicep_report: Report) -> None:
    # Guards against checkov quietly reading fewer files (e.g. after a parser change).
    checked = {c["resource"].rsplit(".", 1)[0] for c in bicep_report.passed + bicep_report.failed}
    assert {"Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts", "Microsoft.Web/sites",
            "Microsoft.ContainerRegistry/registries"} <= checked
