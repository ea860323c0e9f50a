"""Every generated dashboard validates against Grafana 11.6's JSON schemas (vendored in schemas/)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from dashboards.inspect import panels

SCHEMAS = Path(__file__).parent / "schemas"


def _relax(node: Any) -> Any:
    """oneOf -> anyOf: the generated aggregation unions have no discriminator (see schemas/README.md)."""
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _relax(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node


def _any_value(schema: dict[str, Any]) -> dict[str, Any]:
    """Override matchers and property values are Go `any` in Grafana (a field name string for byName, a unit
    string for `unit`): the published schema narrows them to objects, which the SDK's own override_by_name
    output would fail. Only those two properties are widened."""
    definitions = schema["definitions"]
    definitions["MatcherConfig"]["properties"]["options"] = {}
    definitions["DynamicConfigValue"]["properties"]["value"] = {}
    return schema


@cache
def _schema(name: str) -> dict[str, Any]:
    schema = json.loads((SCHEMAS / f"{name}.jsonschema.json").read_text(encoding="utf-8"))
    if name == "dashboard":
        return _any_value(schema)
    return _relax(schema) if name == "elasticsearch" else schema


def _validator(name: str, definition: str | None = None) -> Draft7Validator:
    schema = dict(_schema(name))
    if definition:
        schema["$ref"] = f"#/definitions/{definition}"
    return Draft7Validator(schema)


def errors(model: dict[str, Any]) -> list[str]:
    """Every schema violation in a dashboard: the dashboard itself, each ES target, each panel's options."""
    out = [f"dashboard: {e.message}" for e in _validator("dashboard").iter_errors(model)]
    queries = _validator("elasticsearch", "dataquery")
    for panel in panels(model):
        title = panel.get("title")
        for target in panel.get("targets", []):
            out += [f"{title} target: {e.message}" for e in queries.iter_errors(target)]
        if not (SCHEMAS / f"{panel['type']}.jsonschema.json").is_file():
            out.append(f"{title}: no vendored schema for panel type {panel['type']!r}")
            continue
        out += [f"{title} options: {e.message}"
                for e in _validator(panel["type"], "Options").iter_errors(panel.get("options", {}))]
    return out


def test_every_dashboard_is_valid(generated: dict[str, dict[str, Any]]) -> None:
    for name, model in generated.items():
        assert errors(model) == [], name


def test_every_panel_has_a_target_and_a_description(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        for panel in panels(model):
            assert panel.get("targets"), panel["title"]
            assert len(panel.get("description", "")) > 20, panel["title"]


@pytest.mark.parametrize(
    ("where", "mutate", "expected"),
    [
        ("dashboard", lambda d, p, t: d.__setitem__("panles", []), "panles"),
        ("gridPos", lambda d, p, t: p["gridPos"].__setitem__("w", "wide"), "wide"),
        ("metric type", lambda d, p, t: t["metrics"][0].__setitem__("type", "summ"), "target"),
        ("target key", lambda d, p, t: t.__setitem__("feild", "x"), "feild"),
        ("options enum", lambda d, p, t: p["options"].__setitem__("graphMode", "sparkline"), "sparkline"),
    ],
)
def test_validation_catches_mistakes(generated: dict[str, dict[str, Any]], where: str, mutate: Any,
                                     expected: str) -> None:
    model = copy.deepcopy(next(iter(generated.values())))
    panel = next(p for p in panels(model) if p["type"] == "stat")
    mutate(model, panel, panel["targets"][0])
    found = errors(model)
    assert any(expected in e for e in found), (where, found)
